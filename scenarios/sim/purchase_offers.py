"""Suppliers' standing offers of a scenario's joint purchases, and their load-time checks.

Kept apart from :mod:`scenarios.sim.purchase` so the loader can check a scenario's joint
purchases (buyers, depots, tiers) without importing the weekly simulation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matcher.errors import InputError, IssueCollector
from matcher.purchase.checks import check_problem
from matcher.purchase.model import PriceTier, PurchaseProblem, ScheduleKind, SupplierOffer
from scenarios.sim.schema import JointPurchaseSpec, ScenarioSpec, SupplierSpec

if TYPE_CHECKING:
    from scenarios.sim.loader import District


def offers_of(spec: JointPurchaseSpec, table: dict[str, District]) -> tuple[SupplierOffer, ...]:
    """The suppliers' standing offers as matcher offers."""
    return tuple(_offer(spec.product_id, s, table) for s in spec.suppliers)


def _offer(product: str, s: SupplierSpec, table: dict[str, District]) -> SupplierOffer:
    tiers = tuple(
        PriceTier(
            t.min_units,
            s.tiers[k + 1].min_units - 1 if k + 1 < len(s.tiers) else None,
            t.price_baht,
        )
        for k, t in enumerate(s.tiers)
    )
    place = table[s.district]
    return SupplierOffer(
        s.id,
        s.id,
        product,
        ScheduleKind(s.kind),
        tiers,
        s.min_order_units,
        s.capacity_units,
        place.lat_e5,
        place.lon_e5,
        s.truck_capacity_units,
        s.truck_baht,
        s.truck_baht_per_km,
        s.lead_days,
        s.max_distance_m,
    )


def check_purchases(
    spec: ScenarioSpec, group_ids: set[str], table: dict[str, District], col: IssueCollector
) -> None:
    """Buyers are known groups, depots known districts, offers pass the matcher's checks."""
    for i, jp in enumerate(spec.joint_purchases):
        w = f"joint_purchases[{i}]"
        col.require(jp.buyers in group_ids, f"{w}.buyers", f"unknown group {jp.buyers!r}")
        bad = [k for k, s in enumerate(jp.suppliers) if s.district not in table]
        for k in bad:
            col.add(
                f"{w}.suppliers[{k}].district", f"district {jp.suppliers[k].district!r} unknown"
            )
        if bad:
            continue
        probe = PurchaseProblem(spec.season.start, (), offers_of(jp, table))
        try:
            check_problem(probe)
        except InputError as exc:
            for issue in exc.issues:
                col.add(f"{w}.suppliers{issue.field.removeprefix('offers')}", issue.message)
