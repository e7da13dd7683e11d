"""Independent check of a joint-purchase result: no solver, no code of the solver's path.

It recomputes with :mod:`math` and plain integers: distances, reach, dates, capacity,
trucks and delivery of every allocation; each group's volume, tier, goods cost (its own
reading of the schedule), saving and minimum order; every need's buy-alone saving; that
shares add up to the group's saving, lie between the buy-alone saving and the need's value
(so no buyer pays more than its highest price or is worse off than alone) and follow the
sharing rule; one explanation per need; and every objective term.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from datetime import timedelta

from matcher.money import div_round_half_even
from matcher.purchase.model import (
    Allocation,
    PurchaseNeed,
    PurchaseProblem,
    PurchaseResult,
    ScheduleKind,
    SharingRule,
    SupplierOffer,
)

R_EARTH = 6_371_008.8


def road_distance_m(p: PurchaseProblem, offer: SupplierOffer, need: PurchaseNeed) -> int:
    """Haversine between depot and delivery point × road factor, in whole metres."""
    la1, lo1 = math.radians(offer.lat_e5 / 1e5), math.radians(offer.lon_e5 / 1e5)
    la2, lo2 = math.radians(need.lat_e5 / 1e5), math.radians(need.lon_e5 / 1e5)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    gc = round(2 * R_EARTH * math.asin(math.sqrt(min(max(h, 0.0), 1.0))))
    return div_round_half_even(gc * p.road_factor_bps, 10_000)


def cost_of(offer: SupplierOffer, volume: int) -> int:
    """Goods cost read straight from the schedule (tiers by their own ranges)."""
    if volume <= 0:
        return 0
    if offer.kind is ScheduleKind.ALL_UNITS:
        price = [t.price_satang_per_unit for t in offer.tiers if t.min_units <= volume][-1]
        return price * volume
    total = 0
    for t in offer.tiers:
        width = volume if t.max_units is None else t.max_units + 1 - t.min_units
        total += t.price_satang_per_unit * min(max(volume - t.min_units, 0), width)
    return total


def delivery_of(p: PurchaseProblem, offer: SupplierOffer, need: PurchaseNeed) -> int | None:
    """Delivery cost of the pair, or None when a rule forbids the pair."""
    if offer.product != need.product:
        return None
    d = road_distance_m(p, offer, need)
    ok = (
        d <= offer.max_distance_m
        and p.round_date + timedelta(days=offer.lead_days) <= need.deliver_by
        and need.quantity <= offer.capacity_units
    )
    if not ok:
        return None
    trucks = math.ceil(need.quantity / offer.truck_capacity_units)
    return trucks * (offer.truck_satang + div_round_half_even(offer.truck_satang_per_km * d, 1000))


def alone_of(p: PurchaseProblem, need: PurchaseNeed) -> int:
    """The need's best buy-alone saving (0 if none is positive)."""
    best = 0
    limit = need.quantity * (need.max_price_satang_per_unit or 0)
    for offer in p.offers:
        delivery = delivery_of(p, offer, need)
        if delivery is not None and need.quantity >= offer.min_order_units:
            best = max(best, limit - cost_of(offer, need.quantity) - delivery)
    return best


def validate(p: PurchaseProblem, r: PurchaseResult) -> list[str]:
    """Every rule ``r`` breaks, as readable lines; an empty list means valid."""
    errs: list[str] = []
    needs = {n.id: n for n in p.needs}
    offers = {o.id: o for o in p.offers}
    alone = {n.id: alone_of(p, n) for n in p.needs}
    members: dict[str, list[Allocation]] = defaultdict(list)
    seen: set[str] = set()
    for a in r.allocations:
        need, offer = needs.get(a.need_id), offers.get(a.offer_id)
        if need is None or offer is None:
            errs.append(f"allocation {a.need_id}→{a.offer_id}: unknown need or offer")
            continue
        if a.need_id in seen:
            errs.append(f"{a.need_id}: served more than once")
        seen.add(a.need_id)
        members[a.offer_id].append(a)
        errs.extend(_check_allocation(p, need, offer, a, alone[need.id]))
    for oid, group in members.items():
        errs.extend(_check_group(p, offers[oid], group, r))
    errs.extend(_check_objective(p, r, alone))
    return errs


def _check_allocation(
    p: PurchaseProblem, need: PurchaseNeed, offer: SupplierOffer, a: Allocation, alone: int
) -> list[str]:
    errs: list[str] = []
    delivery = delivery_of(p, offer, need)
    limit = need.quantity * (need.max_price_satang_per_unit or 0)
    if delivery is None:
        return [
            f"{a.need_id}: offer {a.offer_id} may not serve it (product, reach, date, capacity)"
        ]
    if (a.delivery_satang, a.quantity, a.buyer) != (delivery, need.quantity, need.buyer):
        errs.append(f"{a.need_id}: delivery, quantity or buyer differ from a recomputation")
    if a.pays_satang > limit:
        errs.append(f"{a.need_id}: pays {a.pays_satang} above its limit {limit}")
    if a.saving_satang != limit - a.pays_satang or a.goods_satang != a.pays_satang - delivery:
        errs.append(f"{a.need_id}: saving, pays and goods do not add up")
    if a.saving_satang < alone or a.alone_saving_satang != alone:
        errs.append(f"{a.need_id}: saving {a.saving_satang} below buying alone ({alone})")
    if a.goods_satang < 0:
        errs.append(f"{a.need_id}: negative goods share")
    return errs


def _check_group(
    p: PurchaseProblem, offer: SupplierOffer, group: list[Allocation], r: PurchaseResult
) -> list[str]:
    errs: list[str] = []
    vol = sum(a.quantity for a in group)
    cost = cost_of(offer, vol)
    g = next((x for x in r.groups if x.offer_id == offer.id), None)
    if g is None:
        return [f"offer {offer.id}: allocations but no group order"]
    if not offer.min_order_units <= vol <= offer.capacity_units:
        errs.append(f"offer {offer.id}: volume {vol} outside [minimum order, capacity]")
    if (g.volume, g.goods_satang) != (vol, cost):
        errs.append(f"offer {offer.id}: volume or goods cost differ from a recomputation")
    tier = max(k for k, t in enumerate(offer.tiers) if t.min_units <= vol)
    if g.tier != tier or g.unit_price_satang != offer.tiers[tier].price_satang_per_unit:
        errs.append(f"offer {offer.id}: tier {g.tier} reported, volume {vol} reaches {tier}")
    saving = sum(a.saving_satang for a in group)
    if saving != g.saving_satang or sum(a.goods_satang for a in group) != cost:
        errs.append(f"offer {offer.id}: shares do not add up to the group's saving and cost")
    if sorted(g.members) != sorted(a.need_id for a in group):
        errs.append(f"offer {offer.id}: members differ from the allocations")
    errs.extend(_check_rule(p.sharing, offer.id, group))
    return errs


def _check_rule(rule: SharingRule, oid: str, group: list[Allocation]) -> list[str]:
    """Members strictly inside their bounds share one level per unit (±1 satang rounding)."""
    inside = [
        a
        for a in group
        if a.alone_saving_satang < a.saving_satang < a.saving_satang + a.goods_satang
    ]
    base = {a.need_id: a.alone_saving_satang if rule is SharingRule.PRO_RATA else 0 for a in group}
    for a, b in itertools.pairwise(inside):
        lhs = (a.saving_satang - base[a.need_id]) * b.quantity
        rhs = (b.saving_satang - base[b.need_id]) * a.quantity
        if abs(lhs - rhs) >= a.quantity + b.quantity:
            return [
                f"offer {oid}: shares of {a.need_id} and {b.need_id} break the {rule.value} rule"
            ]
    return []


def _check_objective(p: PurchaseProblem, r: PurchaseResult, alone: dict[str, int]) -> list[str]:
    errs: list[str] = []
    o = r.objective
    served = {a.need_id for a in r.allocations}
    needs = {n.id: n for n in p.needs}
    expect = (
        sum(a.saving_satang for a in r.allocations),
        sum(alone.values()),
        sum(alone[i] for i in served),
        sum(needs[i].quantity * (needs[i].max_price_satang_per_unit or 0) for i in served),
        sum(a.goods_satang for a in r.allocations),
        sum(a.delivery_satang for a in r.allocations),
        sum(a.quantity for a in r.allocations),
        sum(n.quantity for n in p.needs),
    )
    got = (
        o.saving_satang,
        o.alone_saving_satang,
        o.alone_saving_served_satang,
        o.reference_satang,
        o.goods_satang,
        o.delivery_satang,
        o.units_served,
        o.units_needed,
    )
    if expect != got:
        errs.append(f"objective terms {got} differ from a recomputation {expect}")
    explained = [e.need_id for e in r.explanations]
    if sorted(explained) != sorted(needs) or len(set(explained)) != len(explained):
        errs.append("there must be exactly one explanation per need")
    for e in r.explanations:
        if e.served != (e.need_id in served) or e.alone_saving_satang != alone.get(e.need_id):
            errs.append(f"{e.need_id}: explanation disagrees with the allocations or baseline")
    return errs
