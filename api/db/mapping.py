"""Explicit mapping functions between table rows and matcher dataclasses.

Order kinds are registered in :data:`ORDER_KINDS`: the header kind string, its unit, its
detail table and which side of a match it is. A new kind is one detail table plus one
``OrderKind`` entry, a ``*_to_domain`` function and a row builder here (stock lots and
purchase orders: :func:`stock_lot_rows` / :func:`stock_lot_to_domain`,
:func:`purchase_order_rows` / :func:`purchase_order_to_domain`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import SQLModel

from api.db.tables import (
    CoopRow,
    LiquidityNeedRow,
    LiquidityOfferRow,
    NetworkRow,
    ObligationRow,
    ProductRow,
    PurchaseOrderRow,
    StockLotRow,
)
from matcher.domain import Coop, CoopKind, Network, NetworkLevel
from matcher.liquidity.model import CoopRules, LoanNeed, LoanOffer, LoanProposal
from matcher.produce.model import GradeBid, ProduceMatch, Product, PurchaseOrder, StockLot


@dataclass(frozen=True)
class OrderKind:
    """One kind of order: its header ``kind``, unit, detail table and side."""

    kind: str
    unit: str
    detail: type[SQLModel]
    side: str
    """"supply" (offers, stock lots) or "demand" (needs, purchase orders, obligations)."""


LIQUIDITY_OFFER = OrderKind("liquidity_offer", "satang", LiquidityOfferRow, "supply")
LIQUIDITY_NEED = OrderKind("liquidity_need", "satang", LiquidityNeedRow, "demand")
OBLIGATION = OrderKind("obligation", "satang", ObligationRow, "demand")
STOCK_LOT = OrderKind("stock_lot", "product", StockLotRow, "supply")
PURCHASE_ORDER = OrderKind("purchase_order", "product", PurchaseOrderRow, "demand")
"""Produce kinds: ``unit`` "product" means the header unit is the product's base unit."""
ORDER_KINDS = {
    k.kind: k for k in (LIQUIDITY_OFFER, LIQUIDITY_NEED, OBLIGATION, STOCK_LOT, PURCHASE_ORDER)
}


@dataclass(frozen=True)
class OpenOrder:
    """An order as seen by a round's snapshot: header fields, what is free, detail columns."""

    id: str
    kind: str
    coop_id: str
    available: int
    version: int
    arrival: int
    detail: dict[str, Any]


def coop_to_domain(row: CoopRow | Any) -> Coop:
    """Table row → matcher :class:`Coop`."""
    return Coop(
        id=row.id,
        name_th=row.name_th,
        name_en=row.name_en,
        kind=CoopKind(row.kind),
        province_code=row.province_code,
        district_code=row.district_code,
        lat_e5=row.lat_e5,
        lon_e5=row.lon_e5,
    )


def coop_rules_to_domain(row: CoopRow, borrowed_satang: int = 0, lent_satang: int = 0) -> CoopRules:
    """Table row → :class:`CoopRules`; what is already reserved or committed is counted.

    ``borrowed_satang`` (reserved + committed on the coop's needs) adds to the outstanding
    amount under the registrar limit; ``lent_satang`` leaves the coop's liquid funds.
    """
    liquid = row.liquid_funds_satang
    return CoopRules(
        coop_id=row.id,
        may_lend=row.may_lend,
        may_borrow=row.may_borrow,
        borrowing_limit_satang=row.borrowing_limit_satang,
        outstanding_satang=row.outstanding_satang + borrowed_satang,
        liquid_funds_satang=None if liquid is None else max(0, liquid - lent_satang),
        reserve_satang=row.reserve_satang,
        max_lenders_per_need=row.max_lenders_per_need,
    )


def networks_to_domain(
    rows: Iterable[NetworkRow], members: dict[str, list[str]], root_id: str
) -> tuple[Network, ...]:
    """Network rows of a subtree → matcher networks; the round's root loses its parent."""
    return tuple(
        Network(
            id=r.id,
            name_th=r.name_th,
            name_en=r.name_en,
            level=NetworkLevel(r.level),
            parent_id=None if r.id == root_id else r.parent_id,
            members=tuple(sorted(members.get(r.id, ()))),
            posted_rate_bps=r.posted_rate_bps,
        )
        for r in sorted(rows, key=lambda n: n.id)
    )


def offer_to_domain(order: OpenOrder) -> LoanOffer:
    """Open ``liquidity_offer`` → :class:`LoanOffer` for what is still free."""
    d = order.detail
    return LoanOffer(
        id=order.id,
        lender=order.coop_id,
        amount_satang=order.available,
        min_rate_bps=d["min_rate_bps"],
        max_term_days=d["max_term_days"],
        cap_per_borrower_satang=d["cap_per_borrower_satang"],
        arrival=order.arrival,
    )


def need_to_domain(order: OpenOrder) -> LoanNeed:
    """Open ``liquidity_need`` → :class:`LoanNeed`; the minimum never exceeds what is free."""
    d = order.detail
    return LoanNeed(
        id=order.id,
        borrower=order.coop_id,
        amount_satang=order.available,
        max_rate_bps=d["max_rate_bps"],
        term_days=d["term_days"],
        min_amount_satang=min(d["min_amount_satang"], order.available),
        urgency=d["urgency"],
        arrival=order.arrival,
    )


def loan_proposal_rows(
    p: LoanProposal, round_id: int, now: datetime, expires_at: datetime, interest_satang: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Matcher :class:`LoanProposal` → (``proposal`` row, ``proposal_loan`` row sans id).

    ``interest_satang`` is the interest of the repayment schedule the borrower asked for (the
    matcher's figure is the bullet case), so the proposal quotes what commitment will book.
    """
    header = {
        "round_id": round_id,
        "kind": "loan",
        "supply_order_id": p.offer_id,
        "demand_order_id": p.need_id,
        "supply_coop_id": p.lender,
        "demand_coop_id": p.borrower,
        "unit": "satang",
        "amount": p.amount_satang,
        "tier": p.tier,
        "network_id": p.network_id,
        "status": "pending",
        "created_at": now,
        "expires_at": expires_at,
    }
    loan = {"rate_bps": p.rate_bps, "term_days": p.term_days, "interest_satang": interest_satang}
    return header, loan


def sale_proposal_rows(
    m: ProduceMatch,
    unit: str,
    round_id: int,
    now: datetime,
    expires_at: datetime,
    credit_due_date: date | None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Matcher :class:`ProduceMatch` into a purchase order → (``proposal`` row,
    ``proposal_sale`` row sans id); the amount is the quantity in ``unit``."""
    header = {
        "round_id": round_id,
        "kind": "sale",
        "supply_order_id": m.source_id,
        "demand_order_id": m.target_id,
        "supply_coop_id": m.seller,
        "demand_coop_id": m.buyer,
        "unit": unit,
        "amount": m.quantity,
        "tier": m.tier,
        "network_id": m.network_id,
        "status": "pending",
        "created_at": now,
        "expires_at": expires_at,
    }
    sale = {
        "product_id": m.product,
        "grade": m.grade,
        "price_satang_per_unit": m.price_satang_per_unit,
        "value_satang": m.price_satang_per_unit * m.quantity,
        "transport_satang": m.transport_satang,
        "spoilage_satang": m.spoilage_satang,
        "distance_m": m.distance_m,
        "delivery_date": m.delivery_date,
        "credit_due_date": credit_due_date,
    }
    return header, sale


GRADE_SEP = "|"


def product_to_domain(row: ProductRow) -> Product:
    """Table row → matcher :class:`Product` (grades best first)."""
    return Product(
        id=row.id,
        name_th=row.name_th,
        name_en=row.name_en,
        base_unit=row.base_unit,
        shelf_life_days=row.shelf_life_days,
        grades=tuple(row.grades.split(GRADE_SEP)),
    )


def product_row(p: Product) -> dict[str, Any]:
    """Matcher :class:`Product` → ``product`` row."""
    return {
        "id": p.id,
        "name_th": p.name_th,
        "name_en": p.name_en,
        "base_unit": p.base_unit,
        "shelf_life_days": p.shelf_life_days,
        "grades": GRADE_SEP.join(p.grades),
    }


@dataclass(frozen=True)
class Location:
    """Where a lot lies or an order is delivered: 1e-5 degrees or a district code; all
    empty means the coop's own location."""

    lat_e5: int | None = None
    lon_e5: int | None = None
    district_code: str = ""


def _header(
    oid: str, kind: str, coop: str, unit: str, amount: int, valid: date, arrival: int, now: datetime
) -> dict[str, Any]:
    return {
        "id": oid,
        "kind": kind,
        "coop_id": coop,
        "unit": unit,
        "amount": amount,
        "reserved": 0,
        "committed": 0,
        "status": "open",
        "valid_until": valid,
        "arrival": arrival,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def stock_lot_rows(
    lot: StockLot, unit: str, now: datetime, where: Location = Location()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Matcher :class:`StockLot` → (``orders`` header, ``stock_lot`` detail); the lot is
    valid until its expiry date."""
    head = _header(
        lot.id, STOCK_LOT.kind, lot.seller, unit, lot.quantity, lot.expiry_date, lot.arrival, now
    )
    detail = {
        "order_id": lot.id,
        "product_id": lot.product,
        "grade": lot.grade,
        "reserve_satang_per_unit": lot.reserve_satang_per_unit,
        "spoilage_satang_per_unit_day": lot.spoilage_satang_per_unit_day,
        "ready_date": lot.ready_date,
        "expiry_date": lot.expiry_date,
        "lat_e5": where.lat_e5,
        "lon_e5": where.lon_e5,
        "district_code": where.district_code,
    }
    return head, detail


def purchase_order_rows(
    po: PurchaseOrder, unit: str, now: datetime, where: Location = Location()
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """Matcher :class:`PurchaseOrder` → (header, ``purchase_order`` detail, grade rows);
    the order is valid until its deliver-by date."""
    head = _header(
        po.id, PURCHASE_ORDER.kind, po.buyer, unit, po.quantity, po.deliver_by, po.arrival, now
    )
    detail = {
        "order_id": po.id,
        "product_id": po.product,
        "deliver_by": po.deliver_by,
        "min_lot_units": po.min_lot_units,
        "lat_e5": where.lat_e5,
        "lon_e5": where.lon_e5,
        "district_code": where.district_code,
    }
    grades = [
        {
            "order_id": po.id,
            "grade": b.grade,
            "seq": i,
            "max_price_satang_per_unit": b.max_price_satang_per_unit,
        }
        for i, b in enumerate(po.bids)
    ]
    return head, detail, grades


def stock_lot_to_domain(order: OpenOrder) -> StockLot:
    """Open ``stock_lot`` → :class:`StockLot` for the quantity still free."""
    d = order.detail
    return StockLot(
        id=order.id,
        seller=order.coop_id,
        product=d["product_id"],
        grade=d["grade"],
        quantity=order.available,
        reserve_satang_per_unit=d["reserve_satang_per_unit"],
        ready_date=d["ready_date"],
        expiry_date=d["expiry_date"],
        spoilage_satang_per_unit_day=d["spoilage_satang_per_unit_day"],
        arrival=order.arrival,
    )


def purchase_order_to_domain(order: OpenOrder) -> PurchaseOrder:
    """Open ``purchase_order`` → :class:`PurchaseOrder`; ``detail["bids"]`` holds
    ``(grade, max price)`` pairs in the buyer's order; the minimum lot never exceeds what is
    free."""
    d = order.detail
    return PurchaseOrder(
        id=order.id,
        buyer=order.coop_id,
        product=d["product_id"],
        bids=tuple(GradeBid(g, p) for g, p in d["bids"]),
        quantity=order.available,
        deliver_by=d["deliver_by"],
        min_lot_units=min(d["min_lot_units"], order.available),
        arrival=order.arrival,
    )
