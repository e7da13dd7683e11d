"""The rules that decide whether an offer can serve a need, and what delivery costs.

One named predicate per rule, shared by the candidate pairs, the buy-alone baseline, the
explanations and the validator:

* ``same product``  — offer.product = need.product;
* ``in reach``      — road distance d ≤ offer.max_distance_m;
* ``in time``       — round date + offer.lead_days ≤ need.deliver_by;
* ``fits``          — need.quantity ≤ offer.capacity_units (a need is served whole).

Delivery of a need is by its own trucks from the depot:
``trucks = ⌈q / truck capacity⌉`` and
``delivery = trucks · (truck_satang + round½(truck_satang_per_km · d / 1000))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from matcher.money import div_round_half_even
from matcher.produce.distance import I64, great_circle_m, road_m
from matcher.purchase.model import PurchaseNeed, PurchaseProblem, SupplierOffer


def in_reach(offer: SupplierOffer, distance_m: int) -> bool:
    """The need's delivery point lies within the offer's reach."""
    return distance_m <= offer.max_distance_m


def in_time(offer: SupplierOffer, need: PurchaseNeed, round_date: date) -> bool:
    """The offer delivers on or before the need's deliver-by date."""
    return delivery_date(offer, round_date) <= need.deliver_by


def fits(offer: SupplierOffer, need: PurchaseNeed) -> bool:
    """The need alone does not exceed the offer's capacity."""
    return need.quantity <= offer.capacity_units


def delivery_date(offer: SupplierOffer, round_date: date) -> date:
    """The day the offer delivers."""
    return round_date + timedelta(days=offer.lead_days)


def trucks_for(offer: SupplierOffer, quantity: int) -> int:
    """Trucks that carry ``quantity`` units: ⌈q / truck capacity⌉."""
    return -(-quantity // offer.truck_capacity_units)


def delivery_cost(offer: SupplierOffer, quantity: int, distance_m: int) -> int:
    """Delivery cost in satang of one need at ``distance_m`` metres from the depot."""
    per_truck = offer.truck_satang + div_round_half_even(
        offer.truck_satang_per_km * distance_m, 1000
    )
    return trucks_for(offer, quantity) * per_truck


def reference_value(need: PurchaseNeed) -> int:
    """What the need costs at the buyer's highest price: quantity × highest unit price."""
    return need.quantity * (need.max_price_satang_per_unit or 0)


def distances(problem: PurchaseProblem) -> I64:
    """Road distance in metres from every offer's depot (rows) to every need (columns)."""
    n_off, n_need = len(problem.offers), len(problem.needs)
    if n_off == 0 or n_need == 0:
        return np.zeros((n_off, n_need), dtype=np.int64)
    olat = np.array([o.lat_e5 for o in problem.offers], dtype=np.int64)[:, None]
    olon = np.array([o.lon_e5 for o in problem.offers], dtype=np.int64)[:, None]
    nlat = np.array([n.lat_e5 for n in problem.needs], dtype=np.int64)[None, :]
    nlon = np.array([n.lon_e5 for n in problem.needs], dtype=np.int64)[None, :]
    # (offers × 1) against (1 × needs): radians and cosines are taken once per point.
    gc = great_circle_m(olat, olon, nlat, nlon)
    return road_m(gc, problem.road_factor_bps)


@dataclass(frozen=True)
class Pair:
    """An offer that can serve a need under every rule, with its delivery terms."""

    need: int
    offer: int
    distance_m: int
    trucks: int
    delivery_satang: int
    value_satang: int
    """reference value − delivery: what the need is worth after delivery from this offer."""


def candidate_pairs(problem: PurchaseProblem, dist: I64) -> list[Pair]:
    """Every (need, offer) pair that passes all four rules, need-major, offer order.

    The rules and the delivery cost are evaluated on arrays per product; the scalar
    predicates above state the same rules for one pair (the explanations use them).
    """
    offers_of: dict[str, list[int]] = {}
    for j, offer in enumerate(problem.offers):
        offers_of.setdefault(offer.product, []).append(j)
    needs_of: dict[str, list[int]] = {}
    for i, need in enumerate(problem.needs):
        needs_of.setdefault(need.product, []).append(i)
    found: list[tuple[int, ...]] = []
    for product, js in offers_of.items():
        if product in needs_of:
            found.extend(_product_pairs(problem, dist, needs_of[product], js))
    found.sort()
    return [Pair(*row) for row in found]


def _column(offers: list[SupplierOffer], attr: str) -> I64:
    """One integer field of the offers as a column vector."""
    out: I64 = np.array([getattr(o, attr) for o in offers], dtype=np.int64)[:, None]
    return out


def _product_pairs(
    problem: PurchaseProblem, dist: I64, need_idx: list[int], offer_idx: list[int]
) -> list[tuple[int, ...]]:
    """(need, offer, distance, trucks, delivery, value) rows of one product's allowed pairs."""
    ii, jj = np.array(need_idx, dtype=np.int64), np.array(offer_idx, dtype=np.int64)
    offers = [problem.offers[j] for j in offer_idx]
    needs = [problem.needs[i] for i in need_idx]
    qty = np.array([n.quantity for n in needs], dtype=np.int64)
    due = np.array([n.deliver_by.toordinal() for n in needs], dtype=np.int64)
    limit = np.array([n.max_price_satang_per_unit or 0 for n in needs], dtype=np.int64)
    d = dist[np.ix_(jj, ii)]
    ok = (
        (d <= _column(offers, "max_distance_m"))
        & (problem.round_date.toordinal() + _column(offers, "lead_days") <= due[None, :])
        & (qty[None, :] <= _column(offers, "capacity_units"))
    )
    trucks = np.broadcast_to(-(-qty[None, :] // _column(offers, "truck_capacity_units")), ok.shape)
    per_km = _half_even_div(_column(offers, "truck_satang_per_km") * d, 1000)
    delivery = trucks * (_column(offers, "truck_satang") + per_km)
    value = (qty * limit)[None, :] - delivery
    rows, cols = np.nonzero(ok)
    return list(
        zip(
            ii[cols].tolist(),
            jj[rows].tolist(),
            d[rows, cols].tolist(),
            trucks[rows, cols].tolist(),
            delivery[rows, cols].tolist(),
            value[rows, cols].tolist(),
            strict=True,
        )
    )


def _half_even_div(num: I64, den: int) -> I64:
    """num / den rounded half-even, element-wise (num ≥ 0)."""
    q, r = np.divmod(num, den)
    up = (2 * r > den) | ((2 * r == den) & (q % 2 == 1))
    out: I64 = (q + up).astype(np.int64)
    return out
