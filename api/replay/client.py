"""The replay's HTTP side: the app in-process (Starlette's TestClient) or a real uvicorn
server on 127.0.0.1 (a free port, started and stopped here), and a caller that speaks
``/v1`` as a member system would: bearer key, an ``Idempotency-Key`` on every POST, a
retry with the same key when a reply was lost or the server failed.

Idempotency keys are deterministic: ``rp<seed>-<day>-<n>`` (the n-th POST of the day).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI


class ReplayError(RuntimeError):
    """The system answered what an operator cannot recover from (not a fault of the plan)."""


Transport = httpx.Client
"""Both clients are httpx clients (the TestClient is one)."""


@dataclass
class DayClock:
    """The app's clock: 09:00 in Bangkok (02:00 UTC) of the business day being replayed."""

    day: date = date(2000, 1, 3)

    def __call__(self) -> datetime:
        return datetime.combine(self.day, dtime(2, 0), tzinfo=UTC)


@contextmanager
def serve(app: FastAPI, real_server: bool) -> Iterator[Transport]:
    """The app behind a client: in-process, or uvicorn on a free loopback port."""
    if not real_server:
        with warnings.catch_warnings():
            # Starlette's notice about its httpx dependency (a UserWarning subclass); nothing
            # for an operator to do
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient  # only the in-process replay needs it
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
        return
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise ReplayError("uvicorn did not start (เริ่มเซิร์ฟเวอร์ไม่ได้)")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(20)


@dataclass
class Caller:
    """Speaks ``/v1`` for every principal of the world; counts posts and retries."""

    http: Transport
    tokens: dict[str, str]
    seed: int
    day: int = 0
    seq: int = 0
    posts: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    lose_reply: Callable[[str], bool] = field(default=lambda _path: False)
    """Fault hook: True → the reply of this POST is 'lost' and the caller retries."""

    def key(self) -> str:
        """The next deterministic Idempotency-Key."""
        with self.lock:
            self.seq += 1
            return f"rp{self.seed}-{self.day}-{self.seq}"

    def headers(self, who: str, key: str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.tokens[who]}"}
        if key is not None:
            out["Idempotency-Key"] = key
        return out

    def get(self, who: str, path: str, **params: Any) -> Any:
        """GET a JSON body; anything but 200 is a :class:`ReplayError`."""
        r = self.http.get(path, headers=self.headers(who), params=params or None)
        if r.status_code != 200:
            raise ReplayError(f"GET {path} as {who}: {r.status_code} {r.text[:300]}")
        return r.json()

    def post(
        self,
        who: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        """POST with an Idempotency-Key; a lost reply or a 5xx is retried with the same key
        (an operator's retry), up to 5 times."""
        key = key or self.key()
        for _attempt in range(6):
            r = self.http.post(path, json=body, headers=self.headers(who, key))
            lost = r.status_code >= 500 or self.lose_reply(path)
            with self.lock:
                self.posts += 1
                self.retries += lost
            if lost:
                continue  # the server failed or the reply never arrived: send it again
            if r.status_code not in ok:
                raise ReplayError(f"POST {path} as {who}: {r.status_code} {r.text[:500]}")
            return r
        raise ReplayError(f"POST {path} as {who}: still failing after 5 retries")

    def pages(self, who: str, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        out: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            q = {**params, "limit": 100}
            if cursor:
                q["cursor"] = cursor
            page = self.get(who, path, **q)
            out.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return out
