"""Seeded joint-purchase instances: coops buying diesel, gasohol and layer feed together.

Buyers sit around a province's centre (provincial family) or across Thailand (national);
each needs each product with probability 1/2, in lots log-uniform over a product's range,
with a highest price 0–4 % above the product's base price. Every supplier offers all three
products from one depot with 5 all-units or incremental tiers (about 1 % cheaper per tier),
a minimum order, a capacity and delivery by 10,000-unit trucks at a fixed and a per-km cost.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from benchmarks.registry import family
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    ScheduleKind,
    SupplierOffer,
)

DAY = date(2026, 12, 7)
PRODUCTS = (
    # id, base price (satang/unit), smallest and largest lot
    ("diesel", 3000, 300, 6_000),
    ("gasohol95", 3500, 300, 4_000),
    ("layer_feed", 1450, 1_000, 12_000),
)
TIER_STARTS = (0, 2_000, 5_000, 12_000, 25_000)


def build_purchase_instance(
    seed: int,
    n_buyers: int,
    n_suppliers: int,
    centre: tuple[float, float],
    spread_deg: float,
    reach_m: int,
    time_limit_ms: int = 10_000,
    gap_bps: int = 50,
) -> PurchaseProblem:
    """A seeded random joint-purchase round."""
    rng = np.random.default_rng(seed)
    lat = centre[0] + rng.uniform(-spread_deg, spread_deg, n_buyers)
    lon = centre[1] + rng.uniform(-spread_deg, spread_deg, n_buyers) * 0.6
    needs: list[PurchaseNeed] = []
    for b in range(n_buyers):
        for product, base, low, high in PRODUCTS:
            if rng.random() < 0.5:
                continue
            qty = int(np.exp(rng.uniform(np.log(low), np.log(high)))) // 10 * 10
            limit = int(base * (1 + rng.uniform(0.0, 0.04)))
            needs.append(
                PurchaseNeed(
                    f"N{b:05d}-{product}",
                    f"B{b:05d}",
                    product,
                    max(qty, 10),
                    DAY + timedelta(days=int(rng.integers(1, 7))),
                    limit,
                    round(lat[b] * 1e5),
                    round(lon[b] * 1e5),
                )
            )
    slat = centre[0] + rng.uniform(-spread_deg, spread_deg, n_suppliers)
    slon = centre[1] + rng.uniform(-spread_deg, spread_deg, n_suppliers) * 0.6
    offers = [
        _offer(rng, s, product, base, (slat[s], slon[s]), reach_m, n_buyers, n_suppliers)
        for s in range(n_suppliers)
        for product, base, _, _ in PRODUCTS
    ]
    return PurchaseProblem(
        DAY, tuple(needs), tuple(offers), time_limit_ms=time_limit_ms, gap_bps=gap_bps
    )


def _offer(
    rng: np.random.Generator,
    s: int,
    product: str,
    base: int,
    where: tuple[float, float],
    reach_m: int,
    n_buyers: int,
    n_suppliers: int,
) -> SupplierOffer:
    start = base * (1 + rng.uniform(-0.01, 0.02))
    prices = [int(start * (1 - 0.01 * k)) for k in range(len(TIER_STARTS))]
    tiers = tuple(
        PriceTier(low, TIER_STARTS[k + 1] - 1 if k + 1 < len(TIER_STARTS) else None, prices[k])
        for k, low in enumerate(TIER_STARTS)
    )
    capacity = int(rng.integers(20_000, 80_000))
    return SupplierOffer(
        f"S{s:03d}-{product}",
        f"S{s:03d}",
        product,
        ScheduleKind.ALL_UNITS if rng.random() < 0.5 else ScheduleKind.INCREMENTAL,
        tiers,
        int(rng.choice([0, 1_000, 3_000])),
        capacity,
        round(where[0] * 1e5),
        round(where[1] * 1e5),
        10_000,
        int(rng.integers(20_000, 50_000)),
        int(rng.integers(1_500, 3_000)),
        int(rng.integers(0, 3)),
        reach_m,
    )


@family("purchase", "provincial-200", seed=20261207, target_ms=1_000)
def provincial(seed: int) -> PurchaseProblem:
    """200 buyers, 10 suppliers, 3 products, 5 tiers each, around Lamphun."""
    return build_purchase_instance(seed, 200, 10, (18.3, 99.0), 0.5, 150_000, 1_000, 50)


@family("purchase", "national-5000", seed=20261208, target_ms=10_000)
def national(seed: int) -> PurchaseProblem:
    """5,000 buyers, 100 suppliers across Thailand, 3 products, 5 tiers each."""
    return build_purchase_instance(seed, 5_000, 100, (14.5, 101.0), 5.0, 200_000, 7_000, 50)


def smoke_instance(seed: int) -> PurchaseProblem:
    """30 buyers and 3 suppliers, for the smoke run with benchmarks disabled."""
    return build_purchase_instance(seed, 30, 3, (18.3, 99.0), 0.5, 150_000, 2_000, 50)
