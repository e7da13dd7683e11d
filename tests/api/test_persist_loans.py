"""Loan schedules (pure) and due instalments becoming set-off obligations (both backends)."""

from __future__ import annotations

from datetime import date

import pytest
from dbseed import COORDINATOR, seed_lamphun
from sqlalchemy import select
from sqlmodel import Session

from api.db.tables import CommitmentLoanRow, CommitmentRow, ProposalLoanRow, ProposalRow
from api.services.errors import InvalidStateError
from api.services.loans import loan_schedule
from api.services.obligations import open_obligations, promote_due_instalments
from api.services.order_lifecycle import cancel_order
from api.services.proposals import accept_proposal
from api.services.round.service import run_round
from matcher.money import simple_interest_satang

DAY = date(2026, 11, 21)


def test_bullet_is_one_payment_with_the_proposal_interest() -> None:
    (only,) = loan_schedule(600_000_00, 550, DAY, 90)
    assert only.due_date == date(2027, 2, 19) and only.principal_satang == 600_000_00
    assert only.interest_satang == simple_interest_satang(600_000_00, 550, 90)


def test_equal_instalments_split_principal_and_round_each_period_half_even() -> None:
    plan = loan_schedule(100_01, 1_000, DAY, 10, "equal", 3)
    assert [i.principal_satang for i in plan] == [3334, 3334, 3333]
    assert [(i.due_date - DAY).days for i in plan] == [3, 6, 10]
    assert sum(i.principal_satang for i in plan) == 100_01
    outstanding = [100_01, 100_01 - 3334, 3333]
    days = [3, 3, 4]
    assert [i.interest_satang for i in plan] == [
        simple_interest_satang(o, 1_000, d) for o, d in zip(outstanding, days, strict=True)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 500, DAY, 30), "positive"),
        ((100, 500, DAY, 30, "weird"), "repayment"),
        ((100, 500, DAY, 3, "equal", 4), "instalments"),
    ],
)
def test_schedule_rejects_bad_terms(args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message):
        loan_schedule(*args)


def test_due_instalments_become_obligations_once(db, clock) -> None:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        p = (
            s.execute(select(ProposalRow).where(ProposalRow.demand_order_id == "N4"))
            .scalars()
            .first()
        )
    assert p is not None
    accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    accept_proposal(db, p.id, p.demand_coop_id, clock=clock)
    assert promote_due_instalments(db, date(2026, 12, 1), clock=clock) == []
    first = promote_due_instalments(db, date(2027, 1, 21), clock=clock)
    assert len(first) == 2
    assert promote_due_instalments(db, date(2027, 1, 21), clock=clock) == []
    rest = promote_due_instalments(db, date(2027, 6, 1), clock=clock)
    assert len(rest) == 2
    with Session(db) as s:
        obligations = open_obligations(s)
    assert len(obligations) == 4
    assert {(o.debtor, o.creditor) for o in obligations} == {(p.demand_coop_id, p.supply_coop_id)}
    assert sum(o.amount_satang for o in obligations) > p.amount
    # An instalment that fell due is the lender's claim: neither side may cancel it.
    for coop in (p.demand_coop_id, p.supply_coop_id):
        with pytest.raises(InvalidStateError, match="from a loan"):
            cancel_order(db, obligations[0].id, coop, clock=clock)
    with Session(db) as s:
        quoted = s.get(ProposalLoanRow, p.id)
        booked = s.execute(
            select(CommitmentLoanRow)
            .join(CommitmentRow, CommitmentRow.id == CommitmentLoanRow.commitment_id)
            .where(CommitmentRow.proposal_id == p.id)
        ).scalar_one()
    # The proposal quotes the interest of the instalment schedule the ledger books.
    assert quoted is not None and quoted.interest_satang == booked.interest_satang
