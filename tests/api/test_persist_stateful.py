"""Hypothesis stateful test: no reachable state over-commits an order.

Rules run combined rounds (also new versions, on overlapping networks, with and without a
credit buyer), accept and decline loan and sale proposals from either side, let time pass
and expire proposals, and post new liquidity and produce orders; after every step the
counters of every order must equal its pending proposals, commitments and set-offs, within
its amount.
"""

from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path

import pytest
from dbfixtures import PG_ENV, FakeClock, PgSchema, make_sqlite
from dbseed import COORDINATOR, check_invariants, seed_combined, seed_lamphun
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.migrate import upgrade
from api.db.tables import OrderRow, ProposalRow
from api.db.tx import in_write_transaction
from api.services.errors import ServiceError
from api.services.order_lifecycle import cancel_order
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.produce_orders import LotSpec, PurchaseSpec, insert_produce_orders
from api.services.proposals import accept_proposal, decline_proposal, expire_proposals
from api.services.round.service import RoundParams, run_round
from matcher.produce.model import GradeBid, PurchaseOrder, StockLot

DAY = date(2026, 11, 21)
DAY5 = date(2026, 11, 26)
NETS = ("LPN", "LPN-A1", "LPN-A2")


def machine_for(make_engine, cleanup) -> type[RuleBasedStateMachine]:  # type: ignore[no-untyped-def]
    class Lifecycle(RuleBasedStateMachine):
        engine: Engine

        @initialize()
        def setup(self) -> None:
            self.engine = make_engine()
            self.clock = FakeClock()
            self.posted = 0
            seed_lamphun(self.engine)
            seed_combined(self.engine)

        def teardown(self) -> None:
            if hasattr(self, "engine"):
                cleanup(self.engine)

        def _proposal(self, index: int, kind: str | None = None) -> ProposalRow | None:
            with Session(self.engine) as s:
                stmt = select(ProposalRow).order_by(ProposalRow.id)
                if kind is not None:
                    stmt = stmt.where(ProposalRow.kind == kind)
                rows = s.execute(stmt).scalars().all()
            return rows[index % len(rows)] if rows else None

        @rule(
            net=st.sampled_from(NETS),
            new=st.booleans(),
            day=st.integers(0, 2),
            credit=st.sampled_from(((), ("C1",), ("C1", "C2"))),
        )
        def round(self, net: str, new: bool, day: int, credit: tuple[str, ...]) -> None:
            run_round(
                self.engine,
                network_id=net,
                business_date=date(2026, 11, 21 + day),
                actor=COORDINATOR,
                clock=self.clock,
                new_version=new,
                params=RoundParams(credit_buyers=credit),
            )

        @rule(index=st.integers(0, 50), supply=st.booleans(), accept=st.booleans())
        def answer(self, index: int, supply: bool, accept: bool) -> None:
            p = self._proposal(index)
            if p is None:
                return
            coop = p.supply_coop_id if supply else p.demand_coop_id
            try:
                if accept:
                    accept_proposal(self.engine, int(p.id or 0), coop, clock=self.clock)
                else:
                    decline_proposal(self.engine, int(p.id or 0), coop, clock=self.clock)
            except ServiceError:
                pass

        @rule(index=st.integers(0, 50), kind=st.sampled_from((None, "sale")))
        def both_accept(self, index: int, kind: str | None) -> None:
            p = self._proposal(index, kind)
            if p is None:
                return
            for coop in (p.demand_coop_id, p.supply_coop_id):
                with contextlib.suppress(ServiceError):
                    accept_proposal(self.engine, int(p.id or 0), coop, clock=self.clock)

        @rule(index=st.integers(0, 60))
        def cancel(self, index: int) -> None:
            with Session(self.engine) as s:
                orders = s.execute(select(OrderRow).order_by(OrderRow.id)).scalars().all()
            order = orders[index % len(orders)]
            with contextlib.suppress(ServiceError):
                cancel_order(self.engine, order.id, order.coop_id, clock=self.clock)

        @rule(hours=st.integers(1, 30))
        def time_passes(self, hours: int) -> None:
            self.clock.advance(hours=hours)

        @rule()
        def expire(self) -> None:
            expire_proposals(self.engine, clock=self.clock)

        @rule(
            amount=st.integers(1, 500_000),
            offer=st.booleans(),
            coop=st.sampled_from(("C1", "C2", "C3", "C4")),
        )
        def post(self, amount: int, offer: bool, coop: str) -> None:
            self.posted += 1
            oid = f"X{self.posted}"
            offers = [OfferSpec(oid, coop, amount * 100, 300, 365)] if offer else []
            needs = [] if offer else [NeedSpec(oid, coop, amount * 100, 700, 60)]
            in_write_transaction(
                self.engine, lambda s: insert_orders(s, offers, needs, self.clock())
            )

        @rule(
            quantity=st.integers(1, 2_000),
            lot=st.booleans(),
            coop=st.sampled_from(("C1", "C2", "C3", "C4")),
        )
        def post_produce(self, quantity: int, lot: bool, coop: str) -> None:
            self.posted += 1
            oid, day = f"Y{self.posted}", date(2026, 11, 21)
            lots = [LotSpec(StockLot(oid, coop, "longan", "AA", quantity, 15_00, day, DAY5))]
            bid = (GradeBid("AA", 31_00),)
            orders = [PurchaseSpec(PurchaseOrder(oid, coop, "longan", bid, quantity, DAY5))]
            in_write_transaction(
                self.engine,
                lambda s: insert_produce_orders(
                    s, lots if lot else [], [] if lot else orders, self.clock()
                ),
            )

        @invariant()
        def never_over_committed(self) -> None:
            if hasattr(self, "engine"):
                check_invariants(self.engine)

    return Lifecycle


STATEFUL = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_lifecycle_state_machine_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    def make() -> Engine:
        return make_sqlite(sqlite_template, tmp_path)[0]

    machine = machine_for(make, lambda e: e.dispose())
    machine.TestCase.settings = STATEFUL
    machine.TestCase().runTest()


@pytest.mark.postgres
def test_lifecycle_state_machine_postgres() -> None:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set: PostgreSQL tier skipped")
    schemas: dict[int, PgSchema] = {}

    def make() -> Engine:
        pg = PgSchema(url)
        upgrade(pg.engine)
        schemas[id(pg.engine)] = pg
        return pg.engine

    def drop(engine: Engine) -> None:
        schemas.pop(id(engine)).drop()

    machine = machine_for(make, drop)
    machine.TestCase.settings = settings(STATEFUL, max_examples=6)
    machine.TestCase().runTest()
