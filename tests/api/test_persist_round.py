"""The round service end to end on both backends."""

from __future__ import annotations

from datetime import date

from dbseed import COORDINATOR, seed_lamphun
from sqlalchemy import select
from sqlmodel import Session

from api.db.tables import OrderRow, ProposalRow, RoundRow
from api.services.rounds import run_round

DAY = date(2026, 11, 21)


def test_round_persists_proposals_and_reservations(db, clock) -> None:
    seed_lamphun(db)
    out = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert not out.reused and out.version == 1 and out.proposal_count > 0
    with Session(db) as s:
        props = s.execute(select(ProposalRow)).scalars().all()
        orders = {o.id: o for o in s.execute(select(OrderRow)).scalars()}
    assert len(props) == out.proposal_count
    for o in orders.values():
        held = sum(p.amount for p in props if o.id in (p.supply_order_id, p.demand_order_id))
        assert o.reserved == held <= o.amount
    again = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert again.reused and again.round_id == out.round_id
    with Session(db) as s:
        assert len(s.execute(select(RoundRow)).scalars().all()) == 1
