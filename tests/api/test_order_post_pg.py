"""The one-statement money-order post on PostgreSQL (migration 0009, api.http.order_post):
its event text is the canonical event, its posts verify on the audit chain and read back as
answered, and a failure inside the statement leaves nothing behind."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from http_fixtures import NEED, OFFER, api  # noqa: F401
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.audit import canonical_json, coop_chain, format_ts, genesis_hash, verify_chain
from api.db.order_post_pg import CALL, event_prefix
from api.db.pg_async import conninfo
from api.db.tables import AuditChainHeadRow, AuditEventRow, OrderRow
from api.db.tables_http import IdempotencyKeyRow
from api.db.tx import is_postgres
from api.http import row_views as rv
from api.http.order_post import posted_body, takes_fast_path
from api.services.member_orders import money_rows
from api.services.orders import NeedSpec, OfferSpec, order_head

DEBT = {"kind": "obligation", "creditor_coop_id": "C3", "amount": "10.00", "due_date": "2026-12-31"}


def test_event_prefix_plus_seq_is_the_canonical_event() -> None:
    at = datetime(2026, 11, 21, 3, 4, 5, 678901, tzinfo=UTC)
    payload = {"kind": "liquidity_offer", "note": "สหกรณ์"}
    event = {
        "action": "order.posted",
        "actor": "C1",
        "at": format_ts(at),
        "entity": "order",
        "entity_id": "ord_1",
        "payload": payload,
        "seq": 42,
    }
    assert event_prefix("C1", at, "ord_1", payload) + "42}" == canonical_json(event)


@pytest.mark.parametrize(
    "spec",
    [
        OfferSpec("o1", "C1", 100_000, 300, 90),
        OfferSpec("o2", "C2", 5, 0, 1, 77, date(2026, 12, 1), 3),
        NeedSpec("n1", "C1", 50_050, 700, 60),
        NeedSpec("n2", "C4", 9_999_999, 900, 365, 1_000, 5, "instalments", 12, date(2027, 1, 2), 1),
    ],
)
def test_the_posted_body_is_the_general_paths_view(spec: Any) -> None:
    now = datetime(2026, 11, 21, 9, 30, 0, 123456, tzinfo=UTC)
    rows = money_rows(spec, now)
    assert rows is not None
    expected = rv.order_public(*rows).model_dump(mode="json")  # type: ignore[arg-type]
    (head, table, detail), body = posted_body(spec, now)
    assert body == expected
    assert (head, detail) == (rows[0].model_dump(), rows[1].model_dump())
    assert table == rows[1].__tablename__


def _pg_only(api: Any) -> None:  # noqa: F811
    if not is_postgres(api.engine):
        pytest.skip("the one-statement post is a PostgreSQL path (SQLite takes the general one)")


def test_posts_take_the_one_statement_path_and_verify(api) -> None:  # noqa: F811
    _pg_only(api)
    ctx = api.app.state.ctx
    spec = NeedSpec("x", "C1", 1, 500, 30, 0, 1, "bullet", 1, None)
    assert takes_fast_path(ctx, spec)
    posted = []
    for who, body in [("C1", OFFER), ("C2", NEED), ("C1", NEED), ("C2", OFFER), ("C1", OFFER)]:
        r = api.post(who, "/v1/orders", body)
        assert r.status_code == 201, r.text
        posted.append((who, r.json()))
    for who, body in posted:
        assert api.get(who, f"/v1/orders/{body['id']}").json() == body
    with Session(api.engine) as s:
        report = verify_chain(s)
        assert report.ok, report.reason
        events = s.execute(
            select(AuditEventRow).where(AuditEventRow.chain == coop_chain("C1"))
        ).scalars()
        assert [e.seq for e in events] == [1, 2, 3]


def test_a_revoked_key_posts_nothing_on_either_path(api) -> None:  # noqa: F811
    _pg_only(api)
    assert api.post("C2", "/v1/orders", OFFER).status_code == 201  # verified and cached
    with Session(api.engine) as s:
        before = int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())
    key = api.tokens["C2"].split("_")[1]
    assert api.post("admin", f"/v1/admin/keys/{key}/revoke").status_code == 200
    for body in (NEED, DEBT):  # the one-statement path, then the general one
        r = api.post("C2", "/v1/orders", body)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", r.text
    with Session(api.engine) as s:
        assert int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one()) == before
    assert api.post("C1", "/v1/orders", DEBT).status_code == 201  # other keys post as ever


def test_a_failure_inside_the_statement_leaves_nothing(api, clock) -> None:  # noqa: F811
    _pg_only(api)
    assert api.post("C1", "/v1/orders", OFFER).status_code == 201

    def state() -> tuple[int, int, int, Any]:
        with Session(api.engine) as s:
            count = [
                int(s.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (OrderRow, AuditEventRow, IdempotencyKeyRow)
            ]
            head = s.get(AuditChainHeadRow, coop_chain("C1"))
            return count[0], count[1], count[2], (head.seq, head.hash) if head else None

    before = state()
    url, path = conninfo(api.engine)
    chain, now = coop_chain("C1"), clock()
    order = {
        k: v.isoformat() if isinstance(v, datetime) else v
        for k, v in order_head("ord_broken", "liquidity_offer", "C1", 100, None, 0, now).items()
    }
    params = (
        None,
        "C1",
        "k-broken",
        "0" * 64,
        now,
        timedelta(hours=48),
        timedelta(seconds=120),
        chain,
        genesis_hash(chain),
        "C1",
        event_prefix("C1", now, "ord_broken", {}),
        "{}",
        canonical_json(order),
        "no_such_detail",  # the header is inserted, then the detail branch raises
        "{}",
        "{}",
    )

    async def call() -> None:
        async with await psycopg.AsyncConnection.connect(
            url, autocommit=True, options=f"-c search_path={path}"
        ) as conn:
            await conn.execute(CALL, params)

    with pytest.raises(psycopg.errors.InvalidParameterValue):
        asyncio.run(call())
    assert state() == before
