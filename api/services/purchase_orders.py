"""Posting joint-purchase orders: buyers' input needs and suppliers' offers.

The input rules are the matcher's (:func:`matcher.purchase.checks.check_problem`: a need
states its highest price, a schedule is monotone without overlaps or gaps, the minimum
order is not above the capacity, ...), applied to the posted orders before anything is
written; a broken rule is a :class:`ServiceError` (code ``invalid``) whose lines name each field in
Thai and English, and nothing is written. Ids must be new. Loading turns stored rows back
into the matcher's :class:`PurchaseNeed` and :class:`SupplierOffer` (one mapping each way).
"""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.repo import member_coops
from api.db.tables import CoopRow, OrderRow
from api.db.tables_purchase import InputNeedRow, SupplierOfferRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import ServiceError
from api.services.hooks import OnCommit, with_hook
from matcher.errors import InputError
from matcher.purchase.checks import check_problem
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    ScheduleKind,
    SupplierOffer,
)

INPUT_NEED = "input_need"
SUPPLIER_OFFER = "supplier_offer"


def post_purchase_orders(
    engine: Engine,
    needs: list[PurchaseNeed],
    offers: list[SupplierOffer],
    *,
    units: dict[str, str],
    business_date: date,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[list[str]] | None = None,
) -> list[str]:
    """Check and store needs (buyer = coop id) and offers (supplier = the supplying coop's id).

    ``units`` names each product's base unit ("litre", "kg"). Returns the stored ids.

    Raises:
        ServiceError: a rule is broken, an id exists already, a party is unknown or a
            product has no unit; nothing is written.
    """
    check_orders(needs, offers, units, business_date)
    return in_write_transaction(
        engine,
        lambda s: with_hook(s, _insert(s, needs, offers, units, clock(), actor), on_commit),
    )


def check_orders(
    needs: list[PurchaseNeed],
    offers: list[SupplierOffer],
    units: dict[str, str],
    business_date: date,
) -> None:
    """The matcher's input rules on the posted orders, plus a known unit per product."""
    try:
        check_problem(PurchaseProblem(business_date, tuple(needs), tuple(offers)))
    except InputError as exc:
        raise _bad([str(i) for i in exc.issues]) from exc
    products = [("needs", k, n.product) for k, n in enumerate(needs)]
    products += [("offers", k, o.product) for k, o in enumerate(offers)]
    lines = [
        f"{where}[{k}].product: ไม่ทราบหน่วยของสินค้า {p} / no unit for product {p}"
        for where, k, p in products
        if p not in units
    ]
    if lines:
        raise _bad(lines)


def _bad(lines: list[str]) -> ServiceError:
    return ServiceError(
        "the joint-purchase orders break a rule; nothing was written",
        "คำสั่งจัดซื้อร่วมผิดกฎ ไม่ได้บันทึกสิ่งใด",
        lines,
    )


def _insert(
    session: Session,
    needs: list[PurchaseNeed],
    offers: list[SupplierOffer],
    units: dict[str, str],
    now: datetime,
    actor: str,
) -> list[str]:
    ids = [n.id for n in needs] + [o.id for o in offers]
    taken = session.execute(select(col(OrderRow.id)).where(col(OrderRow.id).in_(ids))).all()
    parties = {n.buyer for n in needs} | {o.supplier for o in offers}
    known = set(session.execute(select(col(CoopRow.id)).where(col(CoopRow.id).in_(parties))))
    lines = [f"id: {oid} มีอยู่แล้ว / already exists" for (oid,) in taken]
    lines += [
        f"coop: ไม่พบสหกรณ์ {c} / unknown coop {c}" for c in sorted(parties - {k for (k,) in known})
    ]
    if lines:
        raise _bad(lines)
    heads = [
        _head(n.id, INPUT_NEED, n.buyer, units[n.product], n.quantity, n.deliver_by, now)
        for n in needs
    ] + [
        _head(o.id, SUPPLIER_OFFER, o.supplier, units[o.product], o.capacity_units, None, now)
        for o in offers
    ]
    if heads:
        session.execute(insert(OrderRow), heads)
    if needs:
        session.execute(insert(InputNeedRow), [_need_detail(n) for n in needs])
    if offers:
        session.execute(insert(SupplierOfferRow), [_offer_detail(o) for o in offers])
    append_event(session, now, actor, "purchase_orders.posted", "order", "*", {"ids": ids})
    return ids


def _head(
    oid: str, kind: str, coop: str, unit: str, amount: int, valid: date | None, now: datetime
) -> dict[str, object]:
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
        "arrival": 0,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _need_detail(n: PurchaseNeed) -> dict[str, object]:
    return {
        "order_id": n.id,
        "product": n.product,
        "deliver_by": n.deliver_by,
        "max_price_satang_per_unit": n.max_price_satang_per_unit,
        "lat_e5": n.lat_e5,
        "lon_e5": n.lon_e5,
    }


def _offer_detail(o: SupplierOffer) -> dict[str, object]:
    tiers = [[t.min_units, t.max_units, t.price_satang_per_unit] for t in o.tiers]
    return {
        "order_id": o.id,
        "product": o.product,
        "schedule_kind": o.kind.value,
        "tiers_json": json.dumps(tiers, separators=(",", ":")),
        "min_order_units": o.min_order_units,
        "lat_e5": o.lat_e5,
        "lon_e5": o.lon_e5,
        "truck_capacity_units": o.truck_capacity_units,
        "truck_satang": o.truck_satang,
        "truck_satang_per_km": o.truck_satang_per_km,
        "lead_days": o.lead_days,
        "max_distance_m": o.max_distance_m,
    }


def open_purchase_orders(
    session: Session, network_ids: list[str], business_date: date
) -> tuple[list[PurchaseNeed], list[SupplierOffer]]:
    """Whole open needs (nothing reserved, deliver-by not past) and open offers (their free
    capacity) of the subtree's coops, in id order."""
    members = member_coops(network_ids)
    need_rows = session.execute(
        select(OrderRow, InputNeedRow)
        .join(InputNeedRow, col(InputNeedRow.order_id) == col(OrderRow.id))
        .where(
            col(OrderRow.coop_id).in_(members),
            col(OrderRow.status) == "open",
            col(OrderRow.reserved) == 0,
            col(OrderRow.committed) == 0,
            col(InputNeedRow.deliver_by) >= business_date,
        )
        .order_by(col(OrderRow.id))
    ).all()
    offer_rows = session.execute(
        select(OrderRow, SupplierOfferRow)
        .join(SupplierOfferRow, col(SupplierOfferRow.order_id) == col(OrderRow.id))
        .where(col(OrderRow.coop_id).in_(members), col(OrderRow.status).in_(("open", "reserved")))
        .order_by(col(OrderRow.id))
    ).all()
    needs = [
        PurchaseNeed(
            h.id,
            h.coop_id,
            d.product,
            h.amount,
            d.deliver_by,
            d.max_price_satang_per_unit,
            d.lat_e5,
            d.lon_e5,
        )
        for h, d in need_rows
    ]
    offers = [
        offer
        for h, d in offer_rows
        if (offer := _offer(h, d)).capacity_units >= max(offer.min_order_units, 1)
    ]
    return needs, offers


def _offer(h: OrderRow, d: SupplierOfferRow) -> SupplierOffer:
    """A stored offer with its free capacity (amount − reserved − committed)."""
    return SupplierOffer(
        h.id,
        h.coop_id,
        d.product,
        ScheduleKind(d.schedule_kind),
        tuple(PriceTier(a, b, p) for a, b, p in json.loads(d.tiers_json)),
        d.min_order_units,
        h.amount - h.reserved - h.committed,
        d.lat_e5,
        d.lon_e5,
        d.truck_capacity_units,
        d.truck_satang,
        d.truck_satang_per_km,
        d.lead_days,
        d.max_distance_m,
    )
