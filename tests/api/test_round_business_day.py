"""The business day on the database, over several days and two unrelated networks.

A round acts on its own network's subtree only: expiry of orders and proposals and the
promotion of due instalments never reach another network, whatever the round's date.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from dbseed import COORDINATOR, T0, check_invariants, seed_lamphun
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.tables import AuditEventRow, LoanInstalmentRow, OrderRow, ProposalRow, RoundRow
from api.db.tx import in_write_transaction
from api.services.errors import NotFoundError, ServiceError
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.payments import overdue_debts, record_payment
from api.services.proposals import accept_proposal, decline_proposal
from api.services.round.declines import declines_of_network
from api.services.round.policy import set_policy
from api.services.round.service import run_round
from matcher.domain import NetworkLevel

DAY = date(2026, 11, 21)
LOEI_OFFICE = "loei-office"


def seed_loei(engine: Engine) -> None:
    """Province LOEI with one area; two coops with an offer and a need valid for a week."""
    networks = [
        NetworkSpec("LOEI", "เครือข่ายจังหวัดเลย", NetworkLevel.PROVINCE, "Loei",
                    coordinator=LOEI_OFFICE),
        NetworkSpec("LOEI-A1", "เครือข่ายอำเภอเมืองเลย", NetworkLevel.AREA, "Mueang Loei",
                    parent_id="LOEI"),
    ]  # fmt: skip
    coops = [
        CoopSpec("LC1", "สหกรณ์ออมทรัพย์ครูเลย", "LOEI-A1", district_code="4201"),
        CoopSpec("LC2", "สหกรณ์การเกษตรเมืองเลย", "LOEI-A1", district_code="4201"),
    ]
    week = DAY + timedelta(days=7)
    offers = [OfferSpec("LO1", "LC1", 300_000_00, 300, 365, valid_until=week)]
    needs = [NeedSpec("LN2", "LC2", 200_000_00, 700, 90, valid_until=week)]

    def work(session):  # type: ignore[no-untyped-def]
        upsert_members(session, networks, coops, T0, "seed")
        insert_orders(session, offers, needs, T0)

    in_write_transaction(engine, work)


def _lamphun_with_deadline(engine: Engine) -> None:
    """:func:`seed_lamphun` plus an offer of C3 valid for a week."""
    seed_lamphun(engine)
    offer = OfferSpec("O5", "C3", 100_000_00, 300, 365, valid_until=DAY + timedelta(days=7))
    in_write_transaction(engine, lambda s: insert_orders(s, [offer], [], T0))


def _statuses(engine: Engine, coops: set[str]) -> tuple[dict[str, str], dict[int, str]]:
    with Session(engine) as s:
        orders = {
            o.id: o.status for o in s.execute(select(OrderRow)).scalars() if o.coop_id in coops
        }
        props = {
            int(p.id or 0): p.status
            for p in s.execute(select(ProposalRow)).scalars()
            if p.supply_coop_id in coops
        }
    return orders, props


def test_round_of_one_network_never_touches_another(db, clock) -> None:
    """A Loei round a year later and a day after Lamphun's proposals expired leaves
    Lamphun's orders and proposals exactly as they were (it used to expire and void them)."""
    _lamphun_with_deadline(db)
    seed_loei(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    lamphun = {"C1", "C2", "C3", "C4"}
    before = _statuses(db, lamphun)
    assert before[1] and set(before[1].values()) == {"pending"}
    clock.advance(hours=25)  # Lamphun's proposals are past their expiry
    later = DAY + timedelta(days=400)  # and its orders past their valid_until
    run_round(db, network_id="LOEI", business_date=later, actor=LOEI_OFFICE, clock=clock)
    assert _statuses(db, lamphun) == before
    loei_orders, _ = _statuses(db, {"LC1", "LC2"})
    assert loei_orders == {"LO1": "expired", "LN2": "expired"}
    check_invariants(db)


def test_own_subtree_is_swept(db, clock) -> None:
    """Lamphun's next round does expire its own proposals past their expiry."""
    seed_lamphun(db)
    seed_loei(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    run_round(db, network_id="LOEI", business_date=DAY, actor=LOEI_OFFICE, clock=clock)
    clock.now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    run_round(db, network_id="LPN", business_date=DAY + timedelta(days=1), actor=COORDINATOR,
              clock=clock)  # fmt: skip
    with Session(db) as s:
        first = {
            p.supply_coop_id[0]: p.status
            for p in s.execute(select(ProposalRow).where(ProposalRow.round_id == 1)).scalars()
        }
        loei = [
            p.status
            for p in s.execute(
                select(ProposalRow).where(ProposalRow.supply_coop_id == "LC1")
            ).scalars()
        ]
    assert set(first.values()) == {"expired"}
    assert loei == ["pending"]
    check_invariants(db)


def _pairs(engine: Engine, round_id: int) -> set[tuple[str, str]]:
    with Session(engine) as s:
        rows = s.execute(select(ProposalRow).where(ProposalRow.round_id == round_id)).scalars()
        return {(p.supply_order_id, p.demand_order_id) for p in rows}


def test_a_declined_pair_is_not_proposed_again(db, clock) -> None:
    """Day 1: C2 declines a loan with a reason. Day 2 (the rest expired): every other pair
    comes back, the declined one does not, and the round says why; asked for, it returns."""
    seed_lamphun(db)
    first = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        p = (
            s.execute(
                select(ProposalRow)
                .where(ProposalRow.demand_coop_id == "C2")
                .order_by(ProposalRow.id)
            )
            .scalars()
            .first()
        )
    assert p is not None
    pair = (p.supply_order_id, p.demand_order_id)
    decline_proposal(db, int(p.id or 0), "C2", clock=clock, reason="rate too high / แพงไป")
    clock.advance(hours=25)
    day2 = DAY + timedelta(days=1)
    second = run_round(db, network_id="LPN", business_date=day2, actor=COORDINATOR, clock=clock)
    assert pair in _pairs(db, first.round_id)
    again = _pairs(db, second.round_id)
    assert pair not in again and again, "the other pairs are proposed again"
    with Session(db) as s:
        notes = json.loads(s.get(RoundRow, second.round_id).notes_json)  # type: ignore[union-attr]
        event = s.execute(
            select(AuditEventRow).where(AuditEventRow.action == "proposal.declined")
        ).scalar_one()
    assert any(pair[0] in n and pair[1] in n and "rate too high" in n for n in notes), notes
    assert json.loads(event.payload)["reason"] == "rate too high / แพงไป"
    seen = declines_of_network(db, "LPN")
    assert [(d.supply_order_id, d.demand_order_id, d.reason) for d in seen] == [
        (*pair, "rate too high / แพงไป")
    ]
    retry = run_round(db, network_id="LPN", business_date=day2, actor=COORDINATOR, clock=clock,
                      new_version=True, retry_declined=True)  # fmt: skip
    assert pair in _pairs(db, retry.round_id)
    check_invariants(db)


def _state(engine: Engine, coops: set[str]) -> tuple[dict[str, tuple[str, int, int]], dict]:
    """Orders (status, reserved, committed) and proposals (status) of ``coops``."""
    with Session(engine) as s:
        orders = {
            o.id: (o.status, o.reserved, o.committed)
            for o in s.execute(select(OrderRow)).scalars()
            if o.coop_id in coops
        }
        props = {
            int(p.id or 0): p.status
            for p in s.execute(select(ProposalRow)).scalars()
            if p.supply_coop_id in coops or p.demand_coop_id in coops
        }
    return orders, props


def test_several_business_days_two_networks(db, clock) -> None:
    """Lamphun and Loei over three business days: a loan is committed, its first instalment
    falls due and is paid in cash, the second is missed and becomes overdue (and, under the
    policy, the borrower's new need gets no loan); Loei's rounds on other dates never touch
    Lamphun's orders or proposals, nor Lamphun's Loei's."""
    seed_lamphun(db)
    seed_loei(db)
    set_policy(db, "LPN", {"overdue_loans": "refuse"}, actor=COORDINATOR)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        p = (
            s.execute(
                select(ProposalRow)
                .where(ProposalRow.demand_order_id == "N4")
                .order_by(ProposalRow.id)
            )
            .scalars()
            .first()
        )
    assert p is not None
    for coop in (p.supply_coop_id, p.demand_coop_id):
        accept_proposal(db, int(p.id or 0), coop, clock=clock)
    with Session(db) as s:
        dues = [i.due_date for i in s.execute(select(LoanInstalmentRow).order_by(
            LoanInstalmentRow.seq)).scalars()]  # fmt: skip
    loei = {"LC1", "LC2"}
    clock.advance(hours=2)
    run_round(db, network_id="LOEI", business_date=DAY + timedelta(days=2), actor=LOEI_OFFICE,
              clock=clock)  # fmt: skip
    loei_before = _state(db, loei)

    # day 2: the first instalment falls due; Lamphun's round turns it into a debt, paid in cash
    clock.now = datetime.combine(dues[0], datetime.min.time(), UTC) + timedelta(hours=1)
    lamphun = {"C1", "C2", "C3", "C4"}
    run_round(db, network_id="LPN", business_date=dues[0], actor=COORDINATOR, clock=clock)
    assert _state(db, loei) == loei_before
    first = _debt_of(db, dues[0])
    paid = record_payment(db, first.id, first.amount, dues[0], actor="C4", coop_id="C4",
                          clock=clock)  # fmt: skip
    assert paid.status == "filled" and paid.open_satang == 0
    with pytest.raises(ServiceError, match="nothing is left to pay"):
        record_payment(db, first.id, 1, dues[0], actor="C4", coop_id="C4", clock=clock)
    with pytest.raises(NotFoundError):  # another coop's debt reads as unknown
        record_payment(db, first.id, 1, dues[0], actor="C2", coop_id="C2", clock=clock)

    # Loei runs on its own date in between: Lamphun is not touched
    lamphun_before = _state(db, lamphun)
    run_round(db, network_id="LOEI", business_date=dues[0] + timedelta(days=3),
              actor=LOEI_OFFICE, clock=clock)  # fmt: skip
    assert _state(db, lamphun) == lamphun_before

    # day 3: five days after the second due date the instalment is unpaid: overdue
    day3 = dues[1] + timedelta(days=5)
    clock.now = datetime.combine(day3, datetime.min.time(), UTC) + timedelta(hours=1)
    need = NeedSpec("N4-2", "C4", 100_000_00, 700, 60, valid_until=day3 + timedelta(days=9))
    in_write_transaction(db, lambda s: insert_orders(s, [], [need], clock.now))
    loei_before = _state(db, loei)
    out = run_round(db, network_id="LPN", business_date=day3, actor=COORDINATOR, clock=clock)
    assert _state(db, loei) == loei_before
    late = overdue_debts(db, day3, network_id="LPN")
    assert [(d.debtor, d.days_past_due, d.source) for d in late] == [("C4", 5, "instalment")]
    assert late[0].open_satang == _debt_of(db, dues[1]).amount
    assert overdue_debts(db, day3, network_id="LOEI") == []
    assert first.id not in {d.obligation_id for d in late}
    with Session(db) as s:
        n4 = s.execute(select(ProposalRow).where(ProposalRow.demand_order_id == "N4-2")).all()
        notes = json.loads(s.get(RoundRow, out.round_id).notes_json)  # type: ignore[union-attr]
    assert n4 == [] and any("overdue" in n and "C4" in n for n in notes), notes
    check_invariants(db)


def _debt_of(engine: Engine, due: date) -> OrderRow:
    """The obligation an instalment due on ``due`` became."""
    with Session(engine) as s:
        inst = s.execute(select(LoanInstalmentRow).where(LoanInstalmentRow.due_date == due))
        inst_id = inst.scalar_one().id
        order = s.get(OrderRow, f"OBL-{inst_id}")
        assert order is not None
        return order
