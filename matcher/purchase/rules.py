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
    olat = np.array([o.lat_e5 for o in problem.offers], dtype=np.int64)
    olon = np.array([o.lon_e5 for o in problem.offers], dtype=np.int64)
    nlat = np.array([n.lat_e5 for n in problem.needs], dtype=np.int64)
    nlon = np.array([n.lon_e5 for n in problem.needs], dtype=np.int64)
    gc = great_circle_m(
        np.repeat(olat, n_need), np.repeat(olon, n_need), np.tile(nlat, n_off), np.tile(nlon, n_off)
    )
    return road_m(gc, problem.road_factor_bps).reshape(n_off, n_need)


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
    """Every (need, offer) pair that passes all four rules, need-major, offer order."""
    by_product: dict[str, list[int]] = {}
    for j, offer in enumerate(problem.offers):
        by_product.setdefault(offer.product, []).append(j)
    pairs: list[Pair] = []
    for i, need in enumerate(problem.needs):
        for j in by_product.get(need.product, ()):
            offer, d = problem.offers[j], int(dist[j, i])
            if (
                in_reach(offer, d)
                and in_time(offer, need, problem.round_date)
                and fits(offer, need)
            ):
                delivery = delivery_cost(offer, need.quantity, d)
                trucks = trucks_for(offer, need.quantity)
                value = reference_value(need) - delivery
                pairs.append(Pair(i, j, d, trucks, delivery, value))
    return pairs
