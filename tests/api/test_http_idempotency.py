"""Idempotency-Key: replay, mismatch, in flight, retention, a replayed accept, and the key
stored in the same transaction as the change (a failure before commit leaves neither)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from dbseed import COORDINATOR
from http_fixtures import NEED, OFFER, api  # noqa: F401
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.tables import OrderRow
from api.db.tables_http import IdempotencyKeyRow
from api.db.tx import in_write_transaction
from api.http import idempotency
from api.http.idempotency import request_hash


def _orders(app_api: Any) -> int:
    with Session(app_api.engine) as s:
        return int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())


def test_replay_returns_the_stored_response_once(api) -> None:  # noqa: F811
    n = _orders(api)
    first = api.post("C1", "/v1/orders", OFFER, idem="k-1")
    second = api.post("C1", "/v1/orders", OFFER, idem="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _orders(api) == n + 1
    # keys are per principal: another coop may use the same key string
    assert api.post("C2", "/v1/orders", NEED, idem="k-1").status_code == 201
    assert _orders(api) == n + 2


def test_same_key_other_body_is_422(api) -> None:  # noqa: F811
    assert api.post("C1", "/v1/orders", OFFER, idem="k-2").status_code == 201
    r = api.post("C1", "/v1/orders", {**OFFER, "amount": "2000.00"}, idem="k-2")
    assert r.status_code == 422 and r.json()["code"] == "idempotency_mismatch"


def test_missing_key_is_400_and_changes_nothing(api) -> None:  # noqa: F811
    n = _orders(api)
    r = api.post("C1", "/v1/orders", OFFER, idem=None)
    assert r.status_code == 400 and r.json()["code"] == "idempotency_required"
    assert _orders(api) == n
    blank = api.post("C1", "/v1/orders", OFFER, idem="   ")
    assert blank.status_code == 400 and blank.json()["code"] == "idempotency_required"
    assert _orders(api) == n


def _claim(app_api: Any, clock: Any, body: bytes) -> None:
    digest = request_hash("POST", "/v1/orders", body)

    def work(s: Session) -> None:
        s.add(
            IdempotencyKeyRow(
                principal="C1",
                key="k-3",
                request_hash=digest,
                status_code=0,
                response_body="null",
                created_at=clock(),
            )
        )

    in_write_transaction(app_api.engine, work)


def test_in_flight_is_409_until_the_lease_passes(api, clock) -> None:  # noqa: F811
    body = json.dumps(OFFER).encode()
    _claim(api, clock, body)
    headers = {**api.headers("C1", "k-3"), "content-type": "application/json"}
    r = api.client.post("/v1/orders", content=body, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"
    clock.advance(seconds=121)  # the first worker died: its claim may be taken over
    r = api.client.post("/v1/orders", content=body, headers=headers)
    assert r.status_code == 201, r.text


def test_keys_are_kept_at_least_24_hours(api, clock) -> None:  # noqa: F811
    first = api.post("C1", "/v1/orders", OFFER, idem="k-4")
    clock.advance(hours=25)
    again = api.post("C1", "/v1/orders", OFFER, idem="k-4")
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    clock.advance(hours=24)  # past the 48 h retention: a new request
    later = api.post("C1", "/v1/orders", OFFER, idem="k-4")
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]


def test_accept_and_round_replay(api) -> None:  # noqa: F811
    r1 = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"}, idem="r")
    r2 = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"}, idem="r")
    assert r1.status_code == r2.status_code == 201 and r1.json() == r2.json()
    p = api.get("C2", "/v1/proposals").json()["items"][0]
    a1 = api.post("C2", f"/v1/proposals/{p['id']}/accept", idem="a")
    a2 = api.post("C2", f"/v1/proposals/{p['id']}/accept", idem="a")
    assert a1.json() == a2.json() and a1.json()["changed"] is True
    # a refused request releases its key: the same key may be retried
    d = api.post("C2", f"/v1/proposals/{p['id']}/decline", idem="d")
    assert d.status_code == 200
    lender = p["counterparty_coop_id"]
    bad = api.post(lender, f"/v1/proposals/{p['id']}/accept", idem="x")
    assert bad.status_code == 409 and bad.json()["code"] == "invalid_state"
    with Session(api.engine) as s:
        assert s.get(IdempotencyKeyRow, (lender, "x")) is None


def _state(app_api: Any) -> tuple[Any, ...]:
    """Everything a change or a stored key would alter."""
    from api.db.tables import AuditEventRow, ProposalRow, RoundRow

    with Session(app_api.engine) as s:
        keys = s.execute(select(IdempotencyKeyRow.key, IdempotencyKeyRow.status_code)).all()
        props = s.execute(select(ProposalRow.id, ProposalRow.status)).all()
        orders = s.execute(select(OrderRow.id, OrderRow.status, OrderRow.version)).all()
        rounds = s.execute(select(func.count()).select_from(RoundRow)).scalar_one()
        events = s.execute(select(func.count()).select_from(AuditEventRow)).scalar_one()
    return sorted(keys), sorted(props), sorted(orders), rounds, events


def _requests(app_api: Any) -> dict[str, tuple[str, str, Any]]:
    rnd = {"business_date": "2026-11-21"}
    app_api.post(COORDINATOR, "/v1/networks/LPN/rounds", rnd, idem="setup")
    p = app_api.get("C2", "/v1/proposals").json()["items"][0]
    return {
        "accept": ("C2", f"/v1/proposals/{p['id']}/accept", None),
        "decline": ("C2", f"/v1/proposals/{p['id']}/decline", None),
        "cancel": ("C2", f"/v1/orders/{p['order_id']}/cancel", None),
        "round": (COORDINATOR, "/v1/networks/LPN/rounds", {**rnd, "new_version": True}),
    }


@pytest.mark.parametrize("op", ["accept", "decline", "cancel", "round"])
def test_failure_before_commit_leaves_neither_change_nor_key(api, monkeypatch, op) -> None:  # noqa: F811
    who, path, body = _requests(api)[op]
    before = _state(api)
    real = idempotency._store

    def crash(session: Session, *args: Any) -> None:
        real(session, *args)  # the response is stored with the change …
        raise RuntimeError("injected failure before commit")  # … and the commit never comes

    monkeypatch.setattr(idempotency, "_store", crash)
    failed = api.post(who, path, body, idem=f"crash-{op}")
    assert failed.status_code == 500
    assert _state(api) == before  # neither the change, nor the key, nor an audit event
    monkeypatch.setattr(idempotency, "_store", real)
    done = api.post(who, path, body, idem=f"crash-{op}")
    assert done.status_code in (200, 201), done.text
    assert "idempotent-replayed" not in done.headers
    assert _state(api) != before
    after = _state(api)
    again = api.post(who, path, body, idem=f"crash-{op}")
    assert again.json() == done.json() and again.headers["idempotent-replayed"] == "true"
    assert _state(api) == after
    with Session(api.engine) as s:
        row = s.get(IdempotencyKeyRow, (who, f"crash-{op}"))
        assert row is not None and row.status_code == done.status_code
