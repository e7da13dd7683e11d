"""The round service end to end on both backends."""

from __future__ import annotations

import json
from datetime import date

from dbseed import COORDINATOR, T0, seed_lamphun
from sqlalchemy import select
from sqlmodel import Session

from api.db.tables import OrderRow, ProposalRow, RoundRow
from api.db.tx import in_write_transaction, read_session
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.round.service import run_round
from api.services.snapshot import RoundParams, load_snapshot
from matcher.liquidity.reasons import NO_OFFER_IN_REACH
from matcher.liquidity.solver import solve_liquidity
from matcher.liquidity.validator import assert_valid

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


def test_offers_of_borrowing_coops_are_held_back(db, clock) -> None:
    """A coop that needs funds lends nothing in the same round: its offers are held back
    and named in the round's notes. When that leaves the round without any offer, the needs
    say that no offer is in reach (not that their coop has no network)."""
    seed_lamphun(db)  # C1 and C3 offer, C2 and C4 need
    offers = [
        OfferSpec("O2", "C2", 100_000_00, 300, 365),
        OfferSpec("O4", "C4", 50_000_00, 300, 90),
    ]
    needs = [NeedSpec("N1", "C1", 80_000_00, 700, 90), NeedSpec("N3", "C3", 90_000_00, 700, 60)]
    in_write_transaction(db, lambda s: insert_orders(s, offers, needs, T0))
    with read_session(db) as s:
        snap = load_snapshot(s, "LPN", DAY, RoundParams(), False)
    assert snap.problem.offers == () and len(snap.problem.needs) == 5
    (note,) = snap.notes
    assert "held back" in note and all(o in note for o in ("O1", "O2", "O3", "O4"))
    result = solve_liquidity(snap.problem)
    assert_valid(snap.problem, result)
    assert result.proposals == ()
    assert {e.order_id: e.reasons for e in result.explanations} == dict.fromkeys(
        ("N1", "N2", "N2b", "N3", "N4"), (NO_OFFER_IN_REACH,)
    )
    out = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        rnd = s.get(RoundRow, out.round_id)
        loans = s.execute(select(ProposalRow).where(ProposalRow.kind == "loan")).scalars().all()
    assert rnd is not None and note in json.loads(rnd.notes_json)
    assert loans == []


def test_orders_beyond_what_one_round_takes_are_held_back(db, clock) -> None:
    """Amounts that would add up past the matcher's limit for one round (stored before the
    API's per-order limit, or imported): the largest are held back and named, and the
    round still runs for everyone else."""
    seed_lamphun(db)
    huge = [
        OfferSpec("HUGE1", "C1", 6 * 10**15, 300, 365),
        OfferSpec("HUGE3", "C3", 4 * 10**15, 300, 365),
    ]
    in_write_transaction(db, lambda s: insert_orders(s, huge, [], T0))
    with read_session(db) as s:
        snap = load_snapshot(s, "LPN", DAY, RoundParams(), False)
    offers = {o.id for o in snap.problem.offers}
    assert "HUGE1" not in offers and {"HUGE3", "O1", "O3"} <= offers
    (note,) = snap.notes
    assert "add up to more than one round takes" in note and note.endswith(": HUGE1")
    result = solve_liquidity(snap.problem)
    assert_valid(snap.problem, result)
    out = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert out.proposal_count > 0
    with Session(db) as s:
        rnd = s.get(RoundRow, out.round_id)
        sup = {p.supply_order_id for p in s.execute(select(ProposalRow)).scalars()}
    assert rnd is not None and note in json.loads(rnd.notes_json) and "HUGE1" not in sup
