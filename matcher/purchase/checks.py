"""Input rules of a joint-purchase round, checked before anything is solved.

Every problem is reported with its field path (``offers[2].tiers[1].price_satang_per_unit``)
and a Thai and English message; all are collected and raised together as one
:class:`~matcher.errors.InputError`. Rules: unique ids; positive quantities and prices; a
need states its highest price; deliver-by not before the round; a schedule starts at 0, its
tiers neither overlap nor leave gaps, its prices never rise with volume and it reaches the
capacity; the minimum order is not above the capacity.

>>> from datetime import date
>>> from matcher.purchase.model import PurchaseNeed
>>> n = PurchaseNeed("n1", "c1", "diesel", 100, date(2026, 1, 9), None, 1_800_000, 9_900_000)
>>> check_problem(PurchaseProblem(date(2026, 1, 5), (n,), ()))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
matcher.errors.InputError: needs[0].max_price_satang_per_unit: ไม่ได้ระบุราคาสูงสุดต่อหน่วย / a need ...
"""

from __future__ import annotations

from matcher.errors import IssueCollector
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    ScheduleKind,
    SharingRule,
    SupplierOffer,
)

MAX_UNITS = 100_000_000
"""Largest quantity or capacity in base units (keeps every model coefficient below 1e15)."""
MAX_PRICE = 10_000_000
"""Largest price per unit in satang (100,000 baht)."""
MAX_COST = 10**10
MAX_DISTANCE_M = 50_000_000


def check_problem(p: PurchaseProblem) -> None:
    """Raise :class:`InputError` naming every field that breaks a rule."""
    col = IssueCollector()
    col.unique_ids("needs", [n.id for n in p.needs])
    col.unique_ids("offers", [o.id for o in p.offers])
    for i, need in enumerate(p.needs):
        _check_need(col, f"needs[{i}]", need, p)
    for i, offer in enumerate(p.offers):
        _check_offer(col, f"offers[{i}]", offer)
    col.require(
        isinstance(p.sharing, SharingRule),
        "sharing",
        f"กฎการแบ่งส่วนประหยัดไม่ถูกต้อง / must be one of {[r.value for r in SharingRule]}",
    )
    col.int_in("road_factor_bps", p.road_factor_bps, 10_000, 30_000)
    col.int_in("time_limit_ms", p.time_limit_ms, 1, 3_600_000)
    col.int_in("gap_bps", p.gap_bps, 0, 10_000)
    col.int_in("max_offers_per_need", p.max_offers_per_need, 0, 100_000)
    col.raise_if_any()


def _check_need(col: IssueCollector, w: str, need: PurchaseNeed, p: PurchaseProblem) -> None:
    col.require(bool(need.buyer), f"{w}.buyer", "ต้องระบุผู้ซื้อ / buyer must not be empty")
    col.require(bool(need.product), f"{w}.product", "ต้องระบุสินค้า / product must not be empty")
    col.int_in(f"{w}.quantity", need.quantity, 1, MAX_UNITS)
    if need.max_price_satang_per_unit is None:
        col.add(
            f"{w}.max_price_satang_per_unit",
            "ไม่ได้ระบุราคาสูงสุดต่อหน่วย / a need must state its highest unit price",
        )
    else:
        col.int_in(f"{w}.max_price_satang_per_unit", need.max_price_satang_per_unit, 1, MAX_PRICE)
    if need.deliver_by < p.round_date:
        col.add(
            f"{w}.deliver_by",
            f"วันที่ต้องการก่อนวันรอบจับคู่ / deliver-by date is before the round date {p.round_date}",
        )
    col.place(w, need.lat_e5, need.lon_e5)


def _check_offer(col: IssueCollector, w: str, offer: SupplierOffer) -> None:
    col.require(bool(offer.supplier), f"{w}.supplier", "ต้องระบุผู้ขาย / supplier must not be empty")
    col.require(bool(offer.product), f"{w}.product", "ต้องระบุสินค้า / product must not be empty")
    col.require(
        isinstance(offer.kind, ScheduleKind),
        f"{w}.kind",
        f"ชนิดตารางราคาไม่ถูกต้อง / must be one of {[k.value for k in ScheduleKind]}",
    )
    cap_ok = col.int_in(f"{w}.capacity_units", offer.capacity_units, 1, MAX_UNITS)
    if col.int_in(f"{w}.min_order_units", offer.min_order_units, 0, MAX_UNITS) and cap_ok:
        col.require(
            offer.min_order_units <= offer.capacity_units,
            f"{w}.min_order_units",
            f"ยอดสั่งซื้อขั้นต่ำ {offer.min_order_units:,} เกินกำลังขาย {offer.capacity_units:,}"
            f" / minimum order {offer.min_order_units:,} is above the capacity"
            f" {offer.capacity_units:,}",
        )
    col.int_in(f"{w}.truck_capacity_units", offer.truck_capacity_units, 1, MAX_UNITS)
    col.int_in(f"{w}.truck_satang", offer.truck_satang, 0, MAX_COST)
    col.int_in(f"{w}.truck_satang_per_km", offer.truck_satang_per_km, 0, MAX_PRICE)
    col.int_in(f"{w}.lead_days", offer.lead_days, 0, 365)
    col.int_in(f"{w}.max_distance_m", offer.max_distance_m, 0, MAX_DISTANCE_M)
    col.place(w, offer.lat_e5, offer.lon_e5)
    _check_tiers(col, w, offer.tiers, offer.capacity_units if cap_ok else None)


def _check_tiers(
    col: IssueCollector, w: str, tiers: tuple[PriceTier, ...], capacity: int | None
) -> None:
    """Contiguous from 0, no overlap or gap, open or reaching capacity, prices never rising."""
    if not tiers:
        col.add(f"{w}.tiers", "ต้องมีขั้นราคาอย่างน้อยหนึ่งขั้น / at least one price tier is needed")
        return
    if tiers[0].min_units != 0:
        col.add(f"{w}.tiers[0].min_units", "ขั้นแรกต้องเริ่มที่ 0 / the first tier must start at 0")
    for k, tier in enumerate(tiers):
        t = f"{w}.tiers[{k}]"
        col.int_in(f"{t}.price_satang_per_unit", tier.price_satang_per_unit, 1, MAX_PRICE)
        if not col.int_in(f"{t}.min_units", tier.min_units, 0, MAX_UNITS):
            return
        if tier.max_units is None:
            col.require(
                k == len(tiers) - 1,
                f"{t}.max_units",
                "มีเพียงขั้นสุดท้ายที่ไม่มีเพดาน / only the last tier may be open-ended",
            )
        elif col.int_in(f"{t}.max_units", tier.max_units, tier.min_units, MAX_UNITS):
            pass
        else:
            return
        if k > 0:
            _check_neighbours(col, t, tiers[k - 1], tier)
    last = tiers[-1].max_units
    if capacity is not None and last is not None and last < capacity:
        col.add(
            f"{w}.tiers[{len(tiers) - 1}].max_units",
            f"ตารางราคาสิ้นสุดที่ {last:,} ต่ำกว่ากำลังขาย {capacity:,}"
            f" / the schedule ends at {last:,}, below the capacity {capacity:,}",
        )


def _check_neighbours(col: IssueCollector, t: str, prev: PriceTier, tier: PriceTier) -> None:
    if prev.max_units is None:
        return
    if tier.min_units <= prev.max_units:
        col.add(
            f"{t}.min_units",
            f"ขั้นราคาซ้อนทับกับขั้นก่อนหน้า (สิ้นสุดที่ {prev.max_units:,})"
            f" / tier overlaps the previous tier (which ends at {prev.max_units:,})",
        )
    elif tier.min_units > prev.max_units + 1:
        col.add(
            f"{t}.min_units",
            f"ขั้นราคาเว้นช่วงหลังขั้นก่อนหน้า (สิ้นสุดที่ {prev.max_units:,})"
            f" / gap after the previous tier (which ends at {prev.max_units:,})",
        )
    if tier.price_satang_per_unit > prev.price_satang_per_unit:
        col.add(
            f"{t}.price_satang_per_unit",
            "ราคาต้องไม่สูงขึ้นเมื่อปริมาณมากขึ้น / price must not rise with volume"
            " (schedule is not monotone)",
        )
