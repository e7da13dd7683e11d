"""The kind-specific ``terms`` of an order as the API shows them (money as decimal strings,
quantities in the product's base unit), from the order's detail row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from api.db.mapping import ORDER_KINDS, PURCHASE_ORDER
from api.db.tables import (
    LiquidityNeedRow,
    LiquidityOfferRow,
    ObligationRow,
    OrderRow,
    PurchaseOrderGradeRow,
    PurchaseOrderRow,
    StockLotRow,
)
from matcher.money import satang_to_decimal_string as money

Detail = LiquidityOfferRow | LiquidityNeedRow | StockLotRow | PurchaseOrderRow | ObligationRow


def _place(d: StockLotRow | PurchaseOrderRow) -> dict[str, Any]:
    return {"lat_e5": d.lat_e5, "lon_e5": d.lon_e5, "district_code": d.district_code}


def _liquidity(detail: LiquidityOfferRow | LiquidityNeedRow) -> dict[str, Any]:
    return liquidity_terms(detail, offer=isinstance(detail, LiquidityOfferRow))


def liquidity_terms(detail: Any, *, offer: bool) -> dict[str, Any]:
    """The terms of a liquidity offer or need from anything with its detail columns as
    attributes (a row, or the columns of one not yet inserted)."""
    if offer:
        cap = detail.cap_per_borrower_satang
        return {
            "min_rate_bps": detail.min_rate_bps,
            "max_term_days": detail.max_term_days,
            "cap_per_borrower": None if cap is None else money(cap),
        }
    return {
        "max_rate_bps": detail.max_rate_bps,
        "term_days": detail.term_days,
        "min_amount": money(detail.min_amount_satang),
        "urgency": detail.urgency,
        "repayment": detail.repayment,
        "instalments": detail.instalments,
    }


def order_terms(
    detail: Detail | None, grades: Sequence[PurchaseOrderGradeRow] = ()
) -> dict[str, Any]:
    """The terms of an order of any kind; ``grades`` are a purchase order's bids by ``seq``."""
    if isinstance(detail, LiquidityOfferRow | LiquidityNeedRow):
        return _liquidity(detail)
    if isinstance(detail, StockLotRow):
        return {
            "product": detail.product_id,
            "grade": detail.grade,
            "reserve_price": money(detail.reserve_satang_per_unit),
            "spoilage_per_day": money(detail.spoilage_satang_per_unit_day),
            "ready_date": detail.ready_date.isoformat(),
            "expiry_date": detail.expiry_date.isoformat(),
            **_place(detail),
        }
    if isinstance(detail, PurchaseOrderRow):
        bids = [
            {"grade": g.grade, "max_price": money(g.max_price_satang_per_unit)}
            for g in sorted(grades, key=lambda g: g.seq)
        ]
        return {
            "product": detail.product_id,
            "bids": bids,
            "deliver_by": detail.deliver_by.isoformat(),
            "min_lot": detail.min_lot_units,
            **_place(detail),
        }
    if isinstance(detail, ObligationRow):
        return {
            "creditor_coop_id": detail.creditor_coop_id,
            "due_date": detail.due_date.isoformat(),
        }
    return {}


def load_detail(s: Session, row: OrderRow) -> tuple[Detail | None, list[PurchaseOrderGradeRow]]:
    """The detail row of ``row`` (by its kind) and, for a purchase order, its grade rows."""
    kind = ORDER_KINDS.get(row.kind)
    if kind is None:
        return None, []
    detail = s.get(kind.detail, row.id)
    grades: list[PurchaseOrderGradeRow] = []
    if kind is PURCHASE_ORDER:
        stmt = select(PurchaseOrderGradeRow).where(col(PurchaseOrderGradeRow.order_id) == row.id)
        grades = list(s.execute(stmt).scalars())
    return detail, grades  # type: ignore[return-value]
