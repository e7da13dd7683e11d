"""Response schemas built from table rows: the explicit mappings row → ``*Public``
(:mod:`api.http.schemas` holds the schemas themselves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.db.mapping import GRADE_SEP
from api.db.tables import (
    CommitmentLoanRow,
    CommitmentRow,
    CommitmentSaleRow,
    CoopRow,
    LoanInstalmentRow,
    OrderRow,
    ProductRow,
    ProposalLoanRow,
    ProposalRow,
    PurchaseOrderGradeRow,
    RoundRow,
)
from api.http.order_views import Detail, order_terms
from api.http.sale_views import SaleTermsPublic
from api.http.schemas import (
    CommitmentPublic,
    CoopPublic,
    InstalmentPublic,
    OrderPublic,
    ProductPublic,
    ProposalPublic,
    RoundPublic,
)
from api.services.clock import as_utc
from api.services.payments import OverdueDebt


def coop_public(row: CoopRow, network_id: str | None) -> CoopPublic:
    return CoopPublic(
        id=row.id,
        name_th=row.name_th,
        name_en=row.name_en,
        kind=row.kind,
        network_id=network_id,
        province_code=row.province_code,
        district_code=row.district_code,
        may_lend=row.may_lend,
        may_borrow=row.may_borrow,
        borrowing_limit=row.borrowing_limit_satang,
        outstanding=row.outstanding_satang,
    )


def order_public(
    row: OrderRow, detail: Detail | None, grades: Sequence[PurchaseOrderGradeRow] = ()
) -> OrderPublic:
    """Explicit mapping: an order header and its detail row → :class:`OrderPublic`."""
    return order_public_with(row, order_terms(detail, grades))


def order_public_with(row: Any, terms: dict[str, Any]) -> OrderPublic:
    """:func:`order_public` from the header's columns as attributes and the order's terms."""
    counts = (row.amount, row.reserved, row.committed, row.amount - row.reserved - row.committed)
    money = counts if row.unit == "satang" else (None, None, None, None)
    units = (None, None, None, None) if row.unit == "satang" else counts
    return OrderPublic(
        id=row.id,
        kind=row.kind,
        status=row.status,
        unit=row.unit,
        amount=money[0],
        reserved=money[1],
        committed=money[2],
        available=money[3],
        quantity=units[0],
        reserved_quantity=units[1],
        committed_quantity=units[2],
        available_quantity=units[3],
        valid_until=row.valid_until,
        version=row.version,
        created_at=as_utc(row.created_at),
        terms=terms,
    )


def product_public(row: ProductRow) -> ProductPublic:
    """Explicit mapping: a product row → :class:`ProductPublic` (grades best first)."""
    return ProductPublic(
        id=row.id,
        name_th=row.name_th,
        name_en=row.name_en,
        base_unit=row.base_unit,
        shelf_life_days=row.shelf_life_days,
        grades=row.grades.split(GRADE_SEP),
    )


def proposal_public(
    p: ProposalRow,
    loan: ProposalLoanRow | None,
    coop_id: str,
    sale: SaleTermsPublic | None = None,
) -> ProposalPublic:
    supply = p.supply_coop_id == coop_id
    mine, theirs = (
        (p.supply_accepted_at, p.demand_accepted_at)
        if supply
        else (p.demand_accepted_at, p.supply_accepted_at)
    )
    return ProposalPublic(
        id=int(p.id or 0),
        round_id=p.round_id,
        kind=p.kind,
        side="supply" if supply else "demand",
        order_id=p.supply_order_id if supply else p.demand_order_id,
        counterparty_coop_id=p.demand_coop_id if supply else p.supply_coop_id,
        amount=p.amount if sale is None else sale.value,
        quantity=None if sale is None else p.amount,
        unit="satang" if sale is None else sale.unit,
        tier=p.tier,
        network_id=p.network_id,
        status=p.status,
        expires_at=as_utc(p.expires_at),
        accepted_by_me=mine is not None,
        accepted_by_counterparty=theirs is not None,
        rate_bps=loan.rate_bps if loan else None,
        term_days=loan.term_days if loan else None,
        interest=loan.interest_satang if loan else None,
        sale=sale,
    )


def commitment_public(
    c: CommitmentRow,
    loan: CommitmentLoanRow | None,
    schedule: list[LoanInstalmentRow],
    coop_id: str,
    sale: CommitmentSaleRow | None = None,
    debts: dict[tuple[str, int], OverdueDebt] | None = None,
) -> CommitmentPublic:
    """``debts``: the open debts owed by or to ``coop_id`` by (source, source id), for the
    instalments' and the sale's open amounts and days past due."""
    lender = c.supply_coop_id == coop_id
    sold = sale is not None
    debts = debts or {}
    late = [d.days_past_due for i in schedule if (d := debts.get(("instalment", int(i.id or 0))))]
    if (d := debts.get(("sale", int(c.id or 0)))) is not None:
        late.append(d.days_past_due)
    return CommitmentPublic(
        id=int(c.id or 0),
        proposal_id=c.proposal_id,
        kind=c.kind,
        role=("seller" if lender else "buyer") if sold else ("lender" if lender else "borrower"),
        counterparty_coop_id=c.demand_coop_id if lender else c.supply_coop_id,
        amount=sale.value_satang if sale is not None else c.amount,
        quantity=c.amount if sold else None,
        unit=c.unit if sold else "satang",
        product_id=sale.product_id if sale is not None else None,
        grade=sale.grade if sale is not None else None,
        unit_price=sale.price_satang_per_unit if sale is not None else None,
        credit_obligation_id=sale.credit_obligation_id if sale is not None else None,
        business_date=c.business_date,
        rate_bps=loan.rate_bps if loan else None,
        term_days=loan.term_days if loan else None,
        interest=loan.interest_satang if loan else None,
        maturity_date=loan.maturity_date if loan else None,
        repayment=loan.repayment if loan else None,
        schedule=[_instalment(i, debts.get(("instalment", int(i.id or 0)))) for i in schedule],
        overdue=max(late, default=0) > 0,
        days_past_due=max(late, default=0),
    )


def _instalment(i: LoanInstalmentRow, debt: OverdueDebt | None) -> InstalmentPublic:
    return InstalmentPublic(
        seq=i.seq,
        due_date=i.due_date,
        principal=i.principal_satang,
        interest=i.interest_satang,
        debt_id=debt.obligation_id if debt else None,
        open=debt.open_satang if debt else None,
        overdue=bool(debt and debt.days_past_due),
        days_past_due=debt.days_past_due if debt else 0,
    )


def round_public(rnd: RoundRow, reused: bool) -> RoundPublic:
    return RoundPublic(
        round_id=int(rnd.id or 0),
        network_id=rnd.network_id,
        business_date=rnd.business_date,
        kind=rnd.kind,
        version=rnd.version,
        reused=reused,
        order_count=rnd.order_count,
        proposal_count=rnd.proposal_count,
        solve_status=rnd.solve_status,
        input_hash=rnd.input_hash,
    )
