"""Two-phase proposals: accept, decline, expire, twice, and the append-only ledger."""

from __future__ import annotations

from datetime import date

import pytest
from dbseed import COORDINATOR, check_invariants, seed_lamphun
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from api.db.tables import (
    AuditEventRow,
    CommitmentLoanRow,
    CommitmentRow,
    LoanInstalmentRow,
    OrderRow,
    ProposalRow,
)
from api.services.errors import ForbiddenError, InvalidStateError, NotFoundError
from api.services.proposals import accept_proposal, decline_proposal, expire_proposals
from api.services.round.service import run_round

DAY = date(2026, 11, 21)


def _round(db, clock) -> list[ProposalRow]:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        return list(s.execute(select(ProposalRow).order_by(ProposalRow.id)).scalars())


def _audit_count(db) -> int:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(AuditEventRow)).scalar_one())


def test_both_sides_accept_commits_once(db, clock) -> None:
    props = _round(db, clock)
    p = next(x for x in props if x.demand_order_id == "N4")
    first = accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    assert first.changed and first.status == "pending" and first.commitment_id is None
    done = accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    assert done.status == "committed" and done.commitment_id is not None
    events = _audit_count(db)
    again = accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    assert not again.changed and again.commitment_id == done.commitment_id
    assert _audit_count(db) == events
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(CommitmentRow)).scalar_one() == 1
        loan = s.get(CommitmentLoanRow, done.commitment_id)
        inst = s.execute(select(LoanInstalmentRow)).scalars().all()
        assert loan is not None and loan.repayment == "equal" and len(inst) == 4
        assert sum(i.principal_satang for i in inst) == p.amount
        assert loan.interest_satang == sum(i.interest_satang for i in inst)
        assert s.get(OrderRow, "N4").committed == p.amount  # type: ignore[union-attr]
    check_invariants(db)


def test_decline_frees_and_twice_is_noop(db, clock) -> None:
    props = _round(db, clock)
    p = props[0]
    out = decline_proposal(db, p.id, p.demand_coop_id, clock=clock)
    assert out.changed and out.status == "declined"
    events = _audit_count(db)
    assert not decline_proposal(db, p.id, p.supply_coop_id, clock=clock).changed
    assert _audit_count(db) == events
    with pytest.raises(InvalidStateError):
        accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    assert _audit_count(db) == events
    check_invariants(db)


def test_expired_proposal_cannot_be_accepted(db, clock) -> None:
    props = _round(db, clock)
    clock.advance(hours=25)
    events = _audit_count(db)
    with pytest.raises(InvalidStateError, match="expired"):
        accept_proposal(db, props[0].id, props[0].supply_coop_id, clock=clock)
    assert _audit_count(db) == events
    check_invariants(db)
    expired = expire_proposals(db, clock=clock)
    assert sorted(expired) == sorted(p.id for p in props)
    check_invariants(db)
    with Session(db) as s:
        assert all(o.reserved == 0 for o in s.execute(select(OrderRow)).scalars())


def test_committed_cannot_be_declined_and_strangers_refused(db, clock) -> None:
    props = _round(db, clock)
    p = props[0]
    with pytest.raises(ForbiddenError):
        accept_proposal(db, p.id, "C-nobody", clock=clock)
    with pytest.raises(NotFoundError):
        accept_proposal(db, 10_000, p.supply_coop_id, clock=clock)
    accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    with pytest.raises(InvalidStateError):
        decline_proposal(db, p.id, p.supply_coop_id, clock=clock)
    check_invariants(db)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE commitment SET amount = 1",
        "DELETE FROM commitment",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET actor = 'x'",
        "DELETE FROM loan_instalment",
    ],
)
def test_ledger_and_audit_are_append_only(db, clock, statement: str) -> None:
    props = _round(db, clock)
    p = props[0]
    accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    with pytest.raises(DBAPIError, match="append-only"), db.begin() as conn:
        conn.execute(text(statement))


def test_cancel_order_voids_its_proposals_and_is_idempotent(db, clock) -> None:
    from api.services.order_lifecycle import cancel_order

    props = _round(db, clock)
    p = next(x for x in props if x.supply_order_id == "O1")
    with pytest.raises(ForbiddenError):
        cancel_order(db, "O1", "C2", clock=clock)
    assert cancel_order(db, "O1", "C1", clock=clock)
    events = _audit_count(db)
    assert not cancel_order(db, "O1", "C1", clock=clock)
    assert _audit_count(db) == events
    with Session(db) as s:
        assert s.get(ProposalRow, p.id).status == "voided"  # type: ignore[union-attr]
        assert s.get(OrderRow, "O1").status == "cancelled"  # type: ignore[union-attr]
    with pytest.raises(InvalidStateError):
        accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    check_invariants(db)


def test_orders_past_valid_until_expire_at_the_next_round(db, clock) -> None:
    from api.db.tx import in_write_transaction
    from api.services.orders import OfferSpec, insert_orders

    seed_lamphun(db)
    offer = OfferSpec("OLD", "C3", 100_000_00, 300, 365, valid_until=date(2026, 11, 20))
    in_write_transaction(db, lambda s: insert_orders(s, [offer], [], clock()))
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        assert s.get(OrderRow, "OLD").status == "expired"  # type: ignore[union-attr]
        used = s.execute(select(ProposalRow).where(ProposalRow.supply_order_id == "OLD")).first()
    assert used is None
    check_invariants(db)
