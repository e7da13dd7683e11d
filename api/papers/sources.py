"""What the letters of a round say, read from the database in one read transaction.

A loan's schedule is the committed one (``loan_instalment``) once both sides accepted, else
the schedule the proposal quotes (:func:`api.services.loans.loan_schedule` over the need's
repayment terms from the round's business date), so a letter shows what the ledger will.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.tables import (
    CommitmentLoanRow,
    CommitmentRow,
    CommitmentSetoffRow,
    CoopRow,
    LiquidityNeedRow,
    LoanInstalmentRow,
    NetworkRow,
    ProductRow,
    ProposalLoanRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tx import read_session
from api.services.clock import as_utc
from api.services.errors import NotFoundError
from api.services.loans import Instalment, loan_schedule


@dataclass(frozen=True)
class Party:
    """A coop as a letter names it."""

    id: str
    name: str


@dataclass(frozen=True)
class LoanPaper:
    """A loan proposal, and its commitment once both sides accepted."""

    proposal_id: int
    status: str
    tier: str
    lender: Party
    borrower: Party
    amount_satang: int
    rate_bps: int
    term_days: int
    expires_at: datetime
    schedule: list[Instalment]
    repayment: str
    commitment_id: int | None = None
    committed_at: datetime | None = None

    @property
    def interest_satang(self) -> int:
        return sum(i.interest_satang for i in self.schedule)


@dataclass(frozen=True)
class SalePaper:
    """A produce sale proposal."""

    proposal_id: int
    status: str
    seller: Party
    buyer: Party
    product: str
    grade: str
    quantity: int
    unit: str
    price_satang: int
    value_satang: int
    transport_satang: int
    delivery_date: date
    credit_due_date: date | None
    expires_at: datetime


@dataclass(frozen=True)
class SetoffPaper:
    """One debt's set-off in the round."""

    obligation_id: str
    debtor: Party
    creditor: Party
    set_off_satang: int
    remaining_satang: int


@dataclass(frozen=True)
class RoundPapers:
    """Everything the letters of one round need."""

    round_id: int
    network_id: str
    network_name: str
    business_date: date
    version: int
    order_count: int
    objective: dict[str, Any]
    loans: list[LoanPaper] = field(default_factory=list)
    sales: list[SalePaper] = field(default_factory=list)
    setoffs: list[SetoffPaper] = field(default_factory=list)

    def coops_in_setoff(self) -> list[Party]:
        """Every coop with a debt or a claim set off in the round, by id."""
        seen = {p.id: p for s in self.setoffs for p in (s.debtor, s.creditor)}
        return [seen[k] for k in sorted(seen)]


def load_round_papers(engine: Engine, round_id: int) -> RoundPapers:
    """Read round ``round_id`` and its loans, sales and set-offs for the letters."""
    with read_session(engine) as s:
        rnd = s.get(RoundRow, round_id)
        if rnd is None:
            raise NotFoundError(f"round {round_id} does not exist", f"ไม่พบรอบ {round_id}")
        network = s.get(NetworkRow, rnd.network_id)
        names = {c.id: c.name_th for c in s.execute(select(CoopRow)).scalars()}
        return RoundPapers(
            round_id=round_id,
            network_id=rnd.network_id,
            network_name=network.name_th if network else rnd.network_id,
            business_date=rnd.business_date,
            version=rnd.version,
            order_count=rnd.order_count,
            objective=json.loads(rnd.objective_json),
            loans=_loans(s, round_id, rnd.business_date, names),
            sales=_sales(s, round_id, names),
            setoffs=_setoffs(s, round_id, names),
        )


def _party(names: dict[str, str], coop_id: str) -> Party:
    return Party(coop_id, names.get(coop_id, coop_id))


def _loans(s: Session, round_id: int, start: date, names: dict[str, str]) -> list[LoanPaper]:
    rows = s.execute(
        select(ProposalRow, ProposalLoanRow, LiquidityNeedRow, CommitmentRow, CommitmentLoanRow)
        .join(ProposalLoanRow, col(ProposalLoanRow.proposal_id) == col(ProposalRow.id))
        .join(LiquidityNeedRow, col(LiquidityNeedRow.order_id) == col(ProposalRow.demand_order_id))
        .outerjoin(CommitmentRow, col(CommitmentRow.proposal_id) == col(ProposalRow.id))
        .outerjoin(CommitmentLoanRow, col(CommitmentLoanRow.commitment_id) == col(CommitmentRow.id))
        .where(col(ProposalRow.round_id) == round_id)
        .order_by(col(ProposalRow.id))
    ).all()
    papers = []
    for p, loan, need, commitment, booked in rows:
        if commitment is not None and booked is not None:
            schedule = _booked_schedule(s, int(commitment.id or 0))
            repayment = booked.repayment
        else:
            repayment = need.repayment
            n = need.instalments if repayment == "equal" else 1
            schedule = loan_schedule(p.amount, loan.rate_bps, start, loan.term_days, repayment, n)
        papers.append(
            LoanPaper(
                proposal_id=int(p.id or 0), status=p.status, tier=p.tier,
                lender=_party(names, p.supply_coop_id), borrower=_party(names, p.demand_coop_id),
                amount_satang=p.amount, rate_bps=loan.rate_bps, term_days=loan.term_days,
                expires_at=as_utc(p.expires_at), schedule=schedule, repayment=repayment,
                commitment_id=None if commitment is None else commitment.id,
                committed_at=None if commitment is None else as_utc(commitment.committed_at),
            )
        )  # fmt: skip
    return papers


def _booked_schedule(s: Session, commitment_id: int) -> list[Instalment]:
    rows = s.execute(
        select(LoanInstalmentRow)
        .where(col(LoanInstalmentRow.commitment_id) == commitment_id)
        .order_by(col(LoanInstalmentRow.seq))
    ).scalars()
    return [Instalment(r.seq, r.due_date, r.principal_satang, r.interest_satang) for r in rows]


def _sales(s: Session, round_id: int, names: dict[str, str]) -> list[SalePaper]:
    rows = s.execute(
        select(ProposalRow, ProposalSaleRow, ProductRow)
        .join(ProposalSaleRow, col(ProposalSaleRow.proposal_id) == col(ProposalRow.id))
        .outerjoin(ProductRow, col(ProductRow.id) == col(ProposalSaleRow.product_id))
        .where(col(ProposalRow.round_id) == round_id)
        .order_by(col(ProposalRow.id))
    ).all()
    return [
        SalePaper(
            proposal_id=int(p.id or 0),
            status=p.status,
            seller=_party(names, p.supply_coop_id),
            buyer=_party(names, p.demand_coop_id),
            product=product.name_th if product else t.product_id,
            grade=t.grade,
            quantity=p.amount,
            unit=p.unit,
            price_satang=t.price_satang_per_unit,
            value_satang=t.value_satang,
            transport_satang=t.transport_satang,
            delivery_date=t.delivery_date,
            credit_due_date=t.credit_due_date,
            expires_at=as_utc(p.expires_at),
        )
        for p, t, product in rows
    ]  # fmt: skip


def _setoffs(s: Session, round_id: int, names: dict[str, str]) -> list[SetoffPaper]:
    rows = s.execute(
        select(CommitmentSetoffRow)
        .where(col(CommitmentSetoffRow.round_id) == round_id)
        .order_by(col(CommitmentSetoffRow.id))
    ).scalars()
    return [
        SetoffPaper(r.obligation_order_id, _party(names, r.debtor_coop_id),
                    _party(names, r.creditor_coop_id), r.amount_satang, r.remaining_satang)
        for r in rows
    ]  # fmt: skip
