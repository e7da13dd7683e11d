"""Concurrent duplicates of one Idempotency-Key: one change, the rest replay or get 409;
posts of many coops at once keep every audit chain intact."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dbseed import COORDINATOR
from http_fixtures import OFFER, api  # noqa: F401
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.audit import coop_chain, verify_chain
from api.db.tables import AuditEventRow, CommitmentRow, OrderRow


def _count(engine: Any, model: Any) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_same_key_at_once_creates_one_order(api) -> None:  # noqa: F811
    n = _count(api.engine, OrderRow)
    with ThreadPoolExecutor(8) as pool:
        rs = list(pool.map(lambda _: api.post("C1", "/v1/orders", OFFER, idem="same"), range(8)))
    assert {r.status_code for r in rs} == {201}
    assert len({r.json()["id"] for r in rs}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in rs) == 7
    assert _count(api.engine, OrderRow) == n + 1


def test_same_accept_at_once_commits_once(api) -> None:  # noqa: F811
    api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    p = api.get("C2", "/v1/proposals").json()["items"][0]
    lender = p["counterparty_coop_id"]
    assert api.post("C2", f"/v1/proposals/{p['id']}/accept").status_code == 200
    url = f"/v1/proposals/{p['id']}/accept"
    with ThreadPoolExecutor(6) as pool:
        rs = list(pool.map(lambda _: api.post(lender, url, idem="acc"), range(6)))
    assert {r.status_code for r in rs} <= {200, 409}
    ok = [r.json() for r in rs if r.status_code == 200]
    assert ok and all(b == ok[0] for b in ok) and ok[0]["status"] == "committed"
    assert _count(api.engine, CommitmentRow) == 1


def test_posts_of_many_coops_at_once_keep_every_audit_chain_intact(api) -> None:  # noqa: F811
    coops = ["C1", "C2", "C3", "C4"]
    jobs = [(c, f"{c}-{i}") for c in coops for i in range(6)]
    jobs += jobs[:4]  # a few resent: they replay

    with ThreadPoolExecutor(12) as pool:
        rs = list(pool.map(lambda j: api.post(j[0], "/v1/orders", OFFER, idem=j[1]), jobs))
    assert {r.status_code for r in rs} == {201}
    assert len({r.json()["id"] for r in rs}) == 24
    with Session(api.engine) as s:
        report = verify_chain(s)
        per_chain = dict(
            s.execute(select(AuditEventRow.chain, func.count()).group_by(AuditEventRow.chain)).all()
        )
    assert report.ok
    assert all(per_chain[coop_chain(c)] == 6 for c in coops)


def test_one_key_for_a_post_and_a_cancel_at_once_changes_one_thing(api) -> None:  # noqa: F811
    order = api.post("C1", "/v1/orders", OFFER).json()["id"]
    calls = [("/v1/orders", OFFER), (f"/v1/orders/{order}/cancel", None)] * 3
    with ThreadPoolExecutor(6) as pool:
        rs = list(pool.map(lambda c: api.post("C1", c[0], c[1], idem="shared"), calls))
    codes = sorted(r.status_code for r in rs)
    assert set(codes) <= {200, 201, 409, 422}, codes  # never a 500
    fresh = [
        r for r in rs if r.status_code in (200, 201) and "idempotent-replayed" not in r.headers
    ]
    assert len(fresh) == 1, codes
