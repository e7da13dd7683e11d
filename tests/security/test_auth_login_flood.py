"""Wrong secrets against a real server (issue 18, findings 1 and 6): ``coopmatch serve`` on
127.0.0.1 with real argon2 keys, attacked through ``/web/login`` and ``/v1``.

* While 150 wrong logins for one key id arrive at once, ``/v1/health`` stays fast (p95 under
  100 ms; on a host so loaded that health alone is slow, under three times its own p95
  without the attack; p99 is reported too, but with about 60 probes it is the single worst
  one, which a busy 2-core host's scheduler decides). Before: argon2 ran on the event loop
  and the login skipped the per-key limit; health p50 went from 3 ms to 8.2 s.
* After 35 wrong secrets for a key id from one address, the key's owner (another address)
  still gets in, over ``/v1`` and through the login form. Before: the key itself was
  limited, so its owner got 429.

Clients are told apart by their address: the attackers and the owner connect from different
loopback addresses (127.0.0.0/8). Figures go to the test's output (``-s``) and, as JSON, to
``COOPMATCH_ATTACK_FIGURES`` when that names a file.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from dbseed import seed_lamphun
from web_attack import served_cli, token_of

from api.http.keys import issue_key
from api.settings import Settings, create_engine_from

WRONG_LOGINS = 150
HEALTH_P95_MS = 100.0
OWASP_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
"""Real argon2id at OWASP's recommended minimum (19 MiB, 2 passes): a check costs tens of
milliseconds of CPU, as on a production server, not the microseconds of the test hasher."""


@pytest.fixture(scope="module")
def server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("flood")
    path = tmp / "served.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    engine = create_engine_from(Settings(database_url=url))
    seed_lamphun(engine)
    tokens = {
        c: issue_key(engine, role="member", coop_id=c, hasher=OWASP_HASHER).token
        for c in ("C1", "C2", "C3")
    }
    engine.dispose()
    with served_cli(url, tmp) as base:
        yield base, tokens


def _client(base: str, address: str) -> httpx.Client:
    return httpx.Client(
        base_url=base, timeout=30, transport=httpx.HTTPTransport(local_address=address)
    )


def _report(name: str, figures: dict[str, Any]) -> None:
    print(f"\n{name}: {json.dumps(figures, sort_keys=True)}")
    target = os.environ.get("COOPMATCH_ATTACK_FIGURES")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps({"case": name, **figures}, sort_keys=True) + "\n")


FLOOD = """
import asyncio, json, re, sys
import httpx

async def main(base, key_id, count):
    limits = httpx.Limits(max_connections=count)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        page = (await client.get("/web/login")).text
        token = re.findall(r'name="form_token" value="([^"]+)"', page)[-1]
        print("ready", flush=True)
        sys.stdin.readline()  # go

        async def one(n):
            form = {"api_key": f"cm_{key_id}_wrong-{n:03d}-" + "x" * 36, "form_token": token}
            return (await client.post("/web/login", data=form)).status_code

        return await asyncio.gather(*(one(n) for n in range(count)))

print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))))
"""
"""The attacker: one browser-like client sending every wrong login at once, in a process of
its own (so that the health probes of this process never wait for its work)."""


def _attacker(base: str, key_id: str) -> subprocess.Popen[str]:
    """The attacker's process, started and ready to send (its start-up is not measured)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", FLOOD, base, key_id, str(WRONG_LOGINS)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _flood(proc: subprocess.Popen[str]) -> list[int]:
    """Let the attacker go; its answers once every wrong login is answered."""
    out, _ = proc.communicate("go\n", timeout=240)
    return list(json.loads(out))


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _p99(samples: list[float]) -> float:
    return _quantile(samples, 0.99)


def _p95(samples: list[float]) -> float:
    return _quantile(samples, 0.95)


def _probe_health(base: str, during: Callable[[], object]) -> tuple[list[float], object]:
    """Health latencies (ms, one probe at a time from 127.0.0.1) while ``during()`` runs,
    and what it returned."""
    ms: list[float] = []
    bad: list[int] = []
    stop = threading.Event()

    def probe() -> None:
        with _client(base, "127.0.0.1") as health:
            health.get("/v1/health")  # the connection is open before the measurement
            while not stop.is_set():
                start = time.perf_counter()
                status = health.get("/v1/health").status_code
                ms.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    bad.append(status)
                time.sleep(0.005)

    prober = threading.Thread(target=probe)
    prober.start()
    time.sleep(0.2)
    try:
        result = during()
    finally:
        stop.set()
        prober.join(30)
    assert not bad, bad
    return ms, result


def test_health_stays_fast_while_150_wrong_logins_arrive(
    server: tuple[str, dict[str, str]],
) -> None:
    """p95 under 100 ms, or (on a host so loaded that health alone is slow) under three times
    the p95 of the same probes with no attack, measured just before."""
    base, tokens = server
    key_id = tokens["C1"].split("_")[1]
    idle, _ = _probe_health(base, lambda: time.sleep(3))
    attacker = _attacker(base, key_id)
    started = time.perf_counter()
    ms, statuses = _probe_health(base, lambda: _flood(attacker))
    assert isinstance(statuses, list)
    bound = max(HEALTH_P95_MS, 3 * _p95(idle))
    figures = {
        "wrong_logins": len(statuses),
        "answers": dict(Counter(statuses)),
        "flood_s": round(time.perf_counter() - started, 2),
        "health_probes": len(ms),
        "health_p50_ms": round(statistics.median(ms), 1),
        "health_p95_ms": round(_p95(ms), 1),
        "health_p99_ms": round(_p99(ms), 1),
        "health_max_ms": round(max(ms), 1),
        "idle_health_p50_ms": round(statistics.median(idle), 1),
        "idle_health_p99_ms": round(_p99(idle), 1),
        "bound_ms": round(bound, 1),
    }
    _report("login_flood", figures)
    assert len(statuses) == WRONG_LOGINS and set(statuses) <= {401, 429}, figures
    # 5 free failures, then a back-off of 1 s, 2 s, 4 s …: a handful of checks in all
    assert statuses.count(401) <= 10 and len(ms) >= 10, figures
    assert figures["health_p95_ms"] < bound, figures
    with _client(base, "127.0.0.9") as owner:  # the owner logs in right after
        token = token_of(owner.get("/web/login").text)
        form = {"api_key": tokens["C1"], "form_token": token}
        assert owner.post("/web/login", data=form).status_code == 303


def test_the_real_key_works_after_35_wrong_secrets_from_another_client(
    server: tuple[str, dict[str, str]],
) -> None:
    base, tokens = server
    key_id = tokens["C2"].split("_")[1]
    with _client(base, "127.0.0.3") as attacker:
        wrong = [
            attacker.get(
                "/v1/coops/me", headers={"Authorization": f"Bearer cm_{key_id}_{n:02d}{'x' * 41}"}
            ).status_code
            for n in range(35)
        ]
    assert set(wrong) == {401, 429}, wrong
    with _client(base, "127.0.0.4") as owner:
        me = owner.get("/v1/coops/me", headers={"Authorization": f"Bearer {tokens['C2']}"})
        assert me.status_code == 200, me.text
        token = token_of(owner.get("/web/login").text)
        login = owner.post("/web/login", data={"api_key": tokens["C2"], "form_token": token})
        assert login.status_code == 303, login.text
    _report("key_lockout", {"wrong_secrets": 35, "answers": dict(Counter(wrong))})
