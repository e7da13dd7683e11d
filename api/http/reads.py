"""Read queries behind the list and detail routes, always filtered by the caller's coop
(or the coordinator's network subtree). Each returns table rows; the routes map them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from api.db import repo
from api.db.tables import (
    CommitmentLoanRow,
    CommitmentRow,
    CommitmentSaleRow,
    CoopRow,
    LoanInstalmentRow,
    MembershipRow,
    OrderRow,
    ProductRow,
    ProposalLoanRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tenant import member_session
from api.db.tx import read_session
from api.http import row_views as rv
from api.http import schemas as sc
from api.http.order_views import load_detail
from api.http.sale_views import SaleTermsPublic, sale_terms_public
from api.services.member_orders import MemberOrder, money_rows
from api.services.payments import OverdueDebt, open_debts


def coop_profile(engine: Engine, coop_id: str) -> sc.CoopPublic | None:
    with read_session(engine) as s:
        row = s.get(CoopRow, coop_id)
        m = s.get(MembershipRow, coop_id)
        return None if row is None else rv.coop_public(row, m.network_id if m else None)


def order_view(s: Session, order_id: str) -> sc.OrderPublic:
    """One order inside an open session (the row must exist)."""
    row = s.get(OrderRow, order_id)
    assert row is not None
    return rv.order_public(row, *load_detail(s, row))


def posted_view(s: Session, spec: MemberOrder, order_id: str, now: datetime) -> sc.OrderPublic:
    """The order just posted: a money order from what was inserted (no read-back inside the
    write transaction), a produce order read back (its unit is the product's)."""
    rows = money_rows(spec, now)
    if rows is None:
        s.flush()
        return order_view(s, order_id)
    return rv.order_public(rows[0], rows[1])  # type: ignore[arg-type]


def order(engine: Engine, order_id: str, coop_id: str | None = None) -> sc.OrderPublic:
    """One order; with ``coop_id`` read as that member (row-level security on PostgreSQL)."""
    with read_session(engine) if coop_id is None else member_session(engine, coop_id) as s:
        return order_view(s, order_id)


def orders(
    engine: Engine, coop_id: str, after: str | None, limit: int, status: str | None
) -> list[sc.OrderPublic]:
    stmt = select(OrderRow).where(col(OrderRow.coop_id) == coop_id)
    if after is not None:
        stmt = stmt.where(col(OrderRow.id) > after)
    if status is not None:
        stmt = stmt.where(col(OrderRow.status) == status)
    with member_session(engine, coop_id) as s:
        rows = s.execute(stmt.order_by(col(OrderRow.id)).limit(limit + 1)).scalars().all()
        return [rv.order_public(r, *load_detail(s, r)) for r in rows]


def proposal(engine: Engine, proposal_id: int, coop_id: str) -> sc.ProposalPublic:
    with member_session(engine, coop_id) as s:
        p = s.get(ProposalRow, proposal_id)
        assert p is not None
        return rv.proposal_public(p, s.get(ProposalLoanRow, proposal_id), coop_id, _sale(s, p))


def proposals(
    engine: Engine, coop_id: str, after: int | None, limit: int, status: str | None
) -> list[sc.ProposalPublic]:
    stmt = select(ProposalRow).where(
        or_(col(ProposalRow.supply_coop_id) == coop_id, col(ProposalRow.demand_coop_id) == coop_id)
    )
    if after is not None:
        stmt = stmt.where(col(ProposalRow.id) > after)
    if status is not None:
        stmt = stmt.where(col(ProposalRow.status) == status)
    with member_session(engine, coop_id) as s:
        rows = s.execute(stmt.order_by(col(ProposalRow.id)).limit(limit + 1)).scalars().all()
        return [
            rv.proposal_public(p, s.get(ProposalLoanRow, p.id), coop_id, _sale(s, p)) for p in rows
        ]


def _sale(s: Session, p: ProposalRow) -> SaleTermsPublic | None:
    """The sale terms of a sale proposal (unit: the product's base unit), else None.

    The unit comes from the catalogue, not the seller's stock lot, which the buyer may not
    read (row-level security hides another coop's orders)."""
    if p.kind != "sale":
        return None
    sale = s.get(ProposalSaleRow, p.id)
    product = s.get(ProductRow, sale.product_id) if sale is not None else None
    if sale is None or product is None:
        return None
    return sale_terms_public(p, sale, product.base_unit)


def _debts(engine: Engine, coop_id: str, day: date) -> dict[tuple[str, int], OverdueDebt]:
    """The open debts owed by or to ``coop_id`` by (source, source id), with days past due
    on ``day``."""
    return {
        (d.source, d.source_id): d
        for d in open_debts(engine, day, coop_id=coop_id)
        if d.source_id is not None
    }


def commitment(engine: Engine, commitment_id: int, coop_id: str, day: date) -> sc.CommitmentPublic:
    debts = _debts(engine, coop_id, day)
    with member_session(engine, coop_id) as s:
        c = s.get(CommitmentRow, commitment_id)
        assert c is not None
        return _commitment(s, c, coop_id, debts)


def _commitment(
    s: Any, c: CommitmentRow, coop_id: str, debts: dict[tuple[str, int], OverdueDebt]
) -> sc.CommitmentPublic:
    schedule = list(
        s.execute(
            select(LoanInstalmentRow)
            .where(col(LoanInstalmentRow.commitment_id) == c.id)
            .order_by(col(LoanInstalmentRow.seq))
        ).scalars()
    )
    sale = s.get(CommitmentSaleRow, c.id) if c.kind == "sale" else None
    loan = s.get(CommitmentLoanRow, c.id)
    return rv.commitment_public(c, loan, schedule, coop_id, sale, debts)


def commitments(
    engine: Engine, coop_id: str, after: int | None, limit: int, day: date
) -> list[sc.CommitmentPublic]:
    """The coop's commitments after ``after``; overdue as of ``day``."""
    stmt = select(CommitmentRow).where(
        or_(
            col(CommitmentRow.supply_coop_id) == coop_id,
            col(CommitmentRow.demand_coop_id) == coop_id,
        )
    )
    if after is not None:
        stmt = stmt.where(col(CommitmentRow.id) > after)
    debts = _debts(engine, coop_id, day)
    with member_session(engine, coop_id) as s:
        rows = s.execute(stmt.order_by(col(CommitmentRow.id)).limit(limit + 1)).scalars().all()
        return [_commitment(s, c, coop_id, debts) for c in rows]


def rounds(engine: Engine, network_id: str, after: int | None, limit: int) -> list[sc.RoundPublic]:
    with read_session(engine) as s:
        ids = [n.id for n in repo.subtree(s, network_id)]
        stmt = select(RoundRow).where(col(RoundRow.network_id).in_(ids))
        if after is not None:
            stmt = stmt.where(col(RoundRow.id) > after)
        rows = s.execute(stmt.order_by(col(RoundRow.id)).limit(limit + 1)).scalars().all()
        return [rv.round_public(r, reused=True) for r in rows]
