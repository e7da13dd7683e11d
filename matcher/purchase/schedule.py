"""Price schedules by total volume: which tier a volume reaches and what it costs.

Tiers are contiguous inclusive ranges from 0 (the checker enforces it): tier k covers
volumes ``min_k … max_k`` with ``min_{k+1} = max_k + 1``, prices non-increasing.

* **all-units**: every unit costs the price of the tier containing the total V:
  ``cost(V) = V · p_k`` with ``min_k ≤ V ≤ max_k``.
* **incremental**: the units from ``min_k`` up to ``min_{k+1}`` cost ``p_k``:
  ``cost(V) = Σ_k p_k · max(0, min(V, min_{k+1}) − min_k)``, concave in V.

>>> t = (PriceTier(0, 999, 3000), PriceTier(1000, None, 2900))
>>> tier_of(t, 1500), goods_cost(ScheduleKind.ALL_UNITS, t, 1500)
(1, 4350000)
>>> goods_cost(ScheduleKind.INCREMENTAL, t, 1500)
4450000
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher.purchase.model import PriceTier, ScheduleKind, SupplierOffer


def tier_of(tiers: Sequence[PriceTier], volume: int) -> int:
    """Index of the tier whose range contains ``volume`` (the last one past the end)."""
    for k, tier in enumerate(tiers):
        if tier.max_units is None or volume <= tier.max_units:
            return k
    return len(tiers) - 1


def goods_cost(kind: ScheduleKind, tiers: Sequence[PriceTier], volume: int) -> int:
    """Cost in satang of ``volume`` units under the schedule (exact integers)."""
    if volume <= 0:
        return 0
    if kind is ScheduleKind.ALL_UNITS:
        return volume * tiers[tier_of(tiers, volume)].price_satang_per_unit
    total = 0
    for k, tier in enumerate(tiers):
        upper = tiers[k + 1].min_units if k + 1 < len(tiers) else volume
        total += tier.price_satang_per_unit * max(0, min(volume, upper) - tier.min_units)
    return total


def offer_cost(offer: SupplierOffer, volume: int) -> int:
    """Goods cost of ``volume`` units bought from ``offer``."""
    return goods_cost(offer.kind, offer.tiers, volume)


def lowest_price(offer: SupplierOffer) -> int:
    """The lowest unit price any volume up to the capacity can reach."""
    reachable = [t for t in offer.tiers if t.min_units <= offer.capacity_units]
    return min(t.price_satang_per_unit for t in reachable)


def segments(offer: SupplierOffer) -> list[tuple[int, int, int]]:
    """Feasible volume ranges per tier ``(k, low, high)``, clipped to [min order, capacity].

    For all-units these are the volume windows of each tier; a tier entirely below the
    minimum order or above the capacity is left out.
    """
    out: list[tuple[int, int, int]] = []
    for k, tier in enumerate(offer.tiers):
        low = max(tier.min_units, offer.min_order_units, 1)
        high = offer.capacity_units if tier.max_units is None else tier.max_units
        high = min(high, offer.capacity_units)
        if low <= high:
            out.append((k, low, high))
    return out


def tier_windows(offer: SupplierOffer) -> list[tuple[int, int, int, int, int]]:
    """Per reachable tier ``(k, lo, hi, price, fixed)``: for a volume V in [lo, hi] the goods
    cost is ``fixed + price · V``.

    All-units: fixed = 0. Incremental: the cost is affine inside a tier,
    cost(V) = cost(min_k) + p_k·(V − min_k), so fixed = cost(min_k) − p_k·min_k ≥ 0.

    >>> o = SupplierOffer("s", "x", "diesel", ScheduleKind.INCREMENTAL,
    ...     (PriceTier(0, 999, 3000), PriceTier(1000, None, 2900)), 0, 5000, 0, 0, 1000)
    >>> tier_windows(o)
    [(0, 1, 999, 3000, 0), (1, 1000, 5000, 2900, 100000)]
    """
    out = []
    for k, low, high in segments(offer):
        price = offer.tiers[k].price_satang_per_unit
        fixed = 0
        if offer.kind is ScheduleKind.INCREMENTAL:
            start = offer.tiers[k].min_units
            fixed = offer_cost(offer, start) - price * start
        out.append((k, low, high, price, fixed))
    return out
