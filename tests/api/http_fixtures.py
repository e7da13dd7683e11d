"""Fixtures of the HTTP tests: the app on the backend under test, the Lamphun seed, and
cheap-to-verify API keys for every coop and both coordinators."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from dbseed import seed_lamphun
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.http.app import create_app
from api.http.context import HttpConfig
from api.http.keys import issue_key
from api.settings import Settings

FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Tests only: argon2 with tiny costs (verification reads the costs from the hash)."""


@dataclass
class Api:
    """The app, its client and one token per principal."""

    app: FastAPI
    client: TestClient
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str, idem: str | None = None, **extra: str) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.tokens[who]}", **extra}
        if idem is not None:
            out["Idempotency-Key"] = idem
        return out

    def get(self, who: str, path: str, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(who), **kw)

    def post(self, who: str, path: str, json: Any = None, idem: str | None = "auto") -> Any:
        key = uuid.uuid4().hex if idem == "auto" else idem
        return self.client.post(path, json=json, headers=self.headers(who, key))


def make_api(db: Engine, clock: Any, config: HttpConfig | None = None, seed: bool = True) -> Api:
    """The app on ``db`` (seeded with :func:`seed_lamphun` unless ``seed`` is False: a second
    process on the same database) with fresh keys for every principal."""
    if seed:
        seed_lamphun(db)
    app = create_app(Settings(database_url="sqlite://"), engine=db, clock=clock, config=config)
    api = Api(app, TestClient(app, raise_server_exceptions=False), db)
    for coop in ("C1", "C2", "C3", "C4"):
        api.tokens[coop] = issue_key(db, role="member", coop_id=coop, hasher=FAST_HASHER).token
    for who in ("lamphun-office", "area1-office", "stranger-office"):
        issued = issue_key(db, role="coordinator", principal=who, hasher=FAST_HASHER)
        api.tokens[who] = issued.token
    api.tokens["admin"] = issue_key(db, role="admin", principal="root", hasher=FAST_HASHER).token
    return api


@pytest.fixture
def api(db: Engine, clock: Any) -> Iterator[Api]:
    made = make_api(db, clock)
    with made.client:
        yield made


OFFER = {"kind": "liquidity_offer", "amount": "1000.00", "min_rate_bps": 300, "max_term_days": 90}
NEED = {"kind": "liquidity_need", "amount": "500.50", "max_rate_bps": 700, "term_days": 60}
LOT = {
    "kind": "stock_lot",
    "product": "longan",
    "grade": "AA",
    "quantity": 1200,
    "reserve_price": "18.50",
    "spoilage_per_day": "0.25",
    "ready_date": "2026-11-20",
    "expiry_date": "2026-11-25",
    "lat_e5": 1857400,
    "lon_e5": 9900200,
}
BUY = {
    "kind": "purchase_order",
    "product": "longan",
    "quantity": 800,
    "bids": [{"grade": "AA", "max_price": "32.00"}, {"grade": "A", "max_price": "25.50"}],
    "deliver_by": "2026-11-28",
    "min_lot": 200,
    "district_code": "5101",
}
DEBT = {
    "kind": "obligation",
    "creditor_coop_id": "C3",
    "amount": "2500.75",
    "due_date": "2026-12-31",
}
"""Order bodies of every kind (the lot and the purchase need the longan product)."""
PROBLEM = "application/problem+json"


def cursor_of(value: Any) -> str:
    """A page cursor holding ``value``, as the API encodes one."""
    return base64.urlsafe_b64encode(json.dumps([value]).encode()).decode().rstrip("=")


def refused(r: Any, field: str) -> None:
    """A 422 problem whose detail names ``field``."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "validation" and field in r.json()["detail"], r.text


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
