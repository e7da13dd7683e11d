"""Finding 3 of issue 18: one Idempotency-Key made two round versions, because the 120 s
in-flight lease was taken over while the first request was alive and merely waiting behind
its network's round lock. A live request now renews its claim (a heartbeat); only a claim
whose owner stopped beating for the lease may be taken over.

The lease here is 1 s (real clock) with a heartbeat every 0.2 s; the first request waits
3 s behind the network lock (on PostgreSQL the real advisory lock, held by the test; on
SQLite, where rounds serialise on the write lock instead, the lock is replaced by a gate
the test opens)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from dbseed import COORDINATOR
from http_fixtures import make_api
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.db.tables import RoundRow
from api.db.tx import is_postgres, network_lock
from api.http.context import HttpConfig
from api.services.clock import system_clock
from api.services.round import service as rounds

LIVE = HttpConfig(in_flight_lease_s=1, in_flight_heartbeat_s=0.2)
BODY = {"business_date": "2026-11-21", "new_version": True}
PATH = "/v1/networks/LPN/rounds"


@contextmanager
def held_network_lock(db: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The LPN round lock is held by someone else until the block ends."""
    if is_postgres(db):
        with network_lock(db, "LPN"):
            yield
        return
    gate = threading.Event()

    @contextmanager
    def gated(engine: Engine, network_id: str) -> Iterator[None]:
        gate.wait(30)
        yield

    monkeypatch.setattr(rounds, "network_lock", gated)
    try:
        yield
    finally:
        gate.set()


def _versions(db: Engine) -> int:
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(RoundRow)).scalar_one())


def test_a_live_request_past_the_lease_keeps_its_key(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = make_api(db, system_clock, LIVE)
    answers: dict[str, Any] = {}
    with api.client:
        before = _versions(db)
        with held_network_lock(db, monkeypatch):
            first = threading.Thread(
                target=lambda: answers.update(first=api.post(COORDINATOR, PATH, BODY, idem="K"))
            )
            first.start()
            time.sleep(3.0)  # three leases: the first request is alive but still waiting
            second = api.post(COORDINATOR, PATH, BODY, idem="K")
            assert second.status_code == 409, second.text
            assert second.json()["code"] == "idempotency_in_flight"
        first.join(60)
        assert answers["first"].status_code == 201, answers["first"].text
        again = api.post(COORDINATOR, PATH, BODY, idem="K")
        assert again.status_code == 201 and again.json() == answers["first"].json()
        assert again.headers["idempotent-replayed"] == "true"
    assert _versions(db) == before + 1  # one key, exactly one round version


def test_a_dead_owner_is_taken_over_after_the_lease(db: Engine) -> None:
    """A claim nobody renews (its process died) is still taken over after the lease."""
    from api.http.idempotency import claim, request_hash

    api = make_api(db, system_clock, LIVE)
    ctx = api.app.state.ctx
    digest = request_hash("POST", PATH, b'{"business_date":"2026-11-21","new_version":true}')
    assert claim(ctx, COORDINATOR, "D", digest) is None  # claimed, and its owner "dies"
    with api.client:
        time.sleep(1.5)
        headers = {**api.headers(COORDINATOR, "D"), "content-type": "application/json"}
        body = b'{"business_date":"2026-11-21","new_version":true}'
        r = api.client.post(PATH, content=body, headers=headers)
        assert r.status_code == 201, r.text
