"""PostgreSQL row-level security: a member-scoped session cannot see another coop's rows,
even with a query that has no ``coop_id`` filter at all."""

from __future__ import annotations

import pytest
from dbseed import COMBINED_DAY as DAY
from dbseed import COORDINATOR, seed_lamphun
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from api.db.tenant import member_session
from api.db.tx import is_postgres
from api.services.proposals import accept_proposal
from api.services.round.service import run_round


def _all(engine: Engine, coop: str, sql: str) -> list[tuple[object, ...]]:
    with member_session(engine, coop) as s:
        return [tuple(r) for r in s.execute(text(sql))]


def test_unfiltered_queries_see_only_the_own_coop(db: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    if not is_postgres(db):
        pytest.skip("row-level security is a PostgreSQL layer")
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with db.connect() as conn:  # the application's role sees everything
        everyone = {r[0] for r in conn.execute(text("SELECT coop_id FROM orders"))}
        pairs = [tuple(r) for r in conn.execute(
            text("SELECT id, supply_coop_id, demand_coop_id FROM proposal ORDER BY id")
        )]  # fmt: skip
    assert everyone == {"C1", "C2", "C3", "C4"} and pairs
    pid, lender, borrower = pairs[0]
    accept_proposal(db, int(pid), str(lender), clock=clock)  # type: ignore[call-overload]
    accept_proposal(db, int(pid), str(borrower), clock=clock)  # type: ignore[call-overload]
    for coop in ("C1", "C2", "C3", "C4"):
        orders = _all(db, coop, "SELECT coop_id FROM orders")
        assert orders and {o[0] for o in orders} == {coop}
        mine = {p[0] for p in pairs if coop in p[1:]}
        assert {r[0] for r in _all(db, coop, "SELECT id FROM proposal")} == mine
        ledger = _all(db, coop, "SELECT supply_coop_id, demand_coop_id FROM commitment")
        assert all(coop in row for row in ledger)
        assert bool(ledger) == (coop in (lender, borrower))
    # no coop named: nothing at all; and the role cannot write
    with member_session(db, "") as s:
        assert s.execute(text("SELECT count(*) FROM orders")).scalar_one() == 0
    with pytest.raises(DBAPIError), member_session(db, "C2") as s:
        s.execute(text("UPDATE orders SET amount = 0"))
    with pytest.raises(DBAPIError), member_session(db, "C2") as s:
        s.execute(text("SELECT count(*) FROM idempotency_key"))


def test_detail_rows_follow_their_headers(db: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    if not is_postgres(db):
        pytest.skip("row-level security is a PostgreSQL layer")
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with db.connect() as conn:
        loans = [tuple(r) for r in conn.execute(text(
            "SELECT l.proposal_id, p.supply_coop_id, p.demand_coop_id FROM proposal_loan l "
            "JOIN proposal p ON p.id = l.proposal_id"
        ))]  # fmt: skip
        offers = {r[0]: r[1] for r in conn.execute(text(
            "SELECT d.order_id, o.coop_id FROM liquidity_offer d JOIN orders o ON o.id = d.order_id"
        ))}  # fmt: skip
    assert loans and offers
    for coop in ("C1", "C2", "C3", "C4"):
        seen = {r[0] for r in _all(db, coop, "SELECT proposal_id FROM proposal_loan")}
        assert seen == {pid for pid, *parties in loans if coop in parties}
        own = {r[0] for r in _all(db, coop, "SELECT order_id FROM liquidity_offer")}
        assert own == {oid for oid, owner in offers.items() if owner == coop}
        assert _all(db, coop, "SELECT count(*) FROM product")  # shared catalogue: readable
    with pytest.raises(DBAPIError), member_session(db, "C2") as s:
        s.execute(text("UPDATE liquidity_offer SET min_rate_bps = 0"))
