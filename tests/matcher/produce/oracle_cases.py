"""Seeded instance families for the produce oracle tests (supplied lane distances).

Every coop pair gets a supplied lane, so a lane's gain is shaped by its distance:
gain = bid − reserve − km × cost. Transit is one day per 10,000 km (same day), so dates
only bind through expiry and due dates set on purpose.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from produce_cases import DAY

from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce.model import (
    GradeBid,
    Lane,
    Processor,
    ProduceProblem,
    Product,
    PurchaseOrder,
    StockLot,
    Transport,
)
from matcher.results import FairnessPolicy

FAR_M = 9_000_000
"""A lane this long is out of reach."""
GRADES = ("AA", "A", "B")
STAGES = (
    ("longan", "B", "longan", "A"),
    ("longan", "A", "longan", "AA"),
    ("egg", "M", "egg", "L"),
)
"""(in product, in grade, out product, out grade) of the processors, in turn."""
PRODUCTS = (
    Product("longan", "ลำไย", "longan", "kg", 5, GRADES),
    Product("egg", "ไข่", "egg", "egg", 20, ("L", "M")),
)


def _coops(n: int) -> list[Coop]:
    return [Coop(f"c{i:02d}", f"สหกรณ์ {i}", f"Coop {i}") for i in range(n)]


def _lanes(dist_m: np.ndarray) -> tuple[Lane, ...]:
    n = dist_m.shape[0]
    return tuple(
        Lane(f"c{a:02d}", f"c{b:02d}", int(dist_m[a, b]))
        for a in range(n)
        for b in range(n)
        if a != b
    )


def _areas(n_coops: int, n_areas: int) -> tuple[Network, ...]:
    if n_areas == 0:
        return ()
    top = Network("pv", "จังหวัด", "Province", NetworkLevel.PROVINCE)
    return (
        top,
        *(
            Network(
                f"a{j}",
                f"เขต {j}",
                f"Area {j}",
                NetworkLevel.AREA,
                "pv",
                tuple(f"c{i:02d}" for i in range(j, n_coops, n_areas)),
            )
            for j in range(n_areas)
        ),
    )


def random_round(
    seed: int,
    policy: FairnessPolicy = FairnessPolicy.MAXMIN,
    *,
    n_coops: int = 6,
    n_lots: int = 8,
    n_orders: int = 8,
    n_areas: int = 0,
    steps: int = 10,
    scarce: str = "buyers",
    trucks: int = 0,
    n_procs: int = 0,
    yields: tuple[int, ...] = (),
) -> ProduceProblem:
    """A seeded day: lots and orders of two products and several grades at ``n_coops`` coops
    (a few each), distances 0–800 km with a quarter out of reach, expiry 0–3 days away.
    ``scarce``: "buyers" (more stock than orders), "sellers" or "even". ``n_procs``
    processors at random coops, from :data:`STAGES` in turn (B → A, A → AA: a chain), with
    ``yields`` (output units per 10,000 input units) in turn (none: one for one)."""
    rng = np.random.default_rng(seed)
    dist = rng.integers(0, 800_000, (n_coops, n_coops))
    dist[rng.random((n_coops, n_coops)) < 0.25] = FAR_M
    lot_hi, order_hi = {"buyers": (90, 40), "sellers": (40, 90), "even": (60, 60)}[scarce]
    lots = []
    for k in range(n_lots):
        prod = PRODUCTS[int(rng.random() < 0.25)]
        lots.append(
            StockLot(
                f"l{k:02d}",
                f"c{rng.integers(0, n_coops):02d}",
                prod.id,
                prod.grades[int(rng.integers(0, len(prod.grades)))],
                int(rng.integers(1, lot_hi)),
                int(rng.integers(500, 1_500)),
                DAY,
                DAY + timedelta(int(rng.integers(0, 4))),
                arrival=k,
            )
        )
    orders = []
    for k in range(n_orders):
        prod = PRODUCTS[int(rng.random() < 0.25)]
        bids = tuple(
            GradeBid(g, int(rng.integers(1_000, 2_500))) for g in prod.grades if rng.random() < 0.7
        ) or (GradeBid(prod.grades[0], 2_000),)
        orders.append(
            PurchaseOrder(
                f"o{k:02d}",
                f"c{rng.integers(0, n_coops):02d}",
                prod.id,
                bids,
                int(rng.integers(1, order_hi)),
                DAY + timedelta(int(rng.integers(0, 3))),
                arrival=k,
            )
        )
    transport = Transport(
        cost_satang_per_unit_km=1,
        max_distance_m=FAR_M - 1,
        km_per_day=10_000,
        lanes=_lanes(dist),
        truck_cost_satang=trucks * 100,
        truck_capacity_units=30 if trucks else 0,
    )
    procs = tuple(
        Processor(
            f"p{k}",
            f"c{rng.integers(0, n_coops):02d}",
            *STAGES[k % len(STAGES)],
            int(rng.integers(5, 60)),
            int(rng.integers(0, 300)),
            yields[k % len(yields)] if yields else 10_000,
        )
        for k in range(n_procs)
    )
    return ProduceProblem(
        DAY,
        tuple(_coops(n_coops)),
        _areas(n_coops, n_areas),
        PRODUCTS,
        tuple(lots),
        tuple(orders),
        transport,
        procs,
        policy=policy,
        fairness_steps=steps,
        max_lanes_per_order=10_000,
    )


def chain_round(n: int, policy: FairnessPolicy = FairnessPolicy.MAXMIN) -> ProduceProblem:
    """A long exchange path. Lot ``a`` reaches only order o1 (gain 1); lot b_i sells to o_i
    at gain 1,000 and to o_{i+1} at gain 1; lot b_n reaches only o_n. Every order takes 10,
    every lot has 10. Giving ``a`` one more unit shifts every b_i one order along the chain,
    losing ≈ 1,000 × n of gains for one fairness step: a finite weight M of the order of one
    lane's gain cannot see that the step is worth it, an exact staged solve must."""
    coops = _coops(2 * n + 2)
    # c00 = a, c01..c0n = b_1..b_n (sellers), c(n+1)..c(2n) = o_1..o_n (buyers).
    size = 2 * n + 2
    dist = np.full((size, size), FAR_M, dtype=np.int64)
    buyer = {i: n + i for i in range(1, n + 1)}
    dist[0, buyer[1]] = 999_000  # gain 1
    for i in range(1, n + 1):
        dist[i, buyer[i]] = 0  # gain 1,000
        if i < n:
            dist[i, buyer[i + 1]] = 999_000  # gain 1
    lots = [StockLot("a", "c00", "longan", "AA", 10, 1_000, DAY, DAY + timedelta(3))]
    lots += [
        StockLot(f"b{i}", f"c{i:02d}", "longan", "AA", 10, 1_000, DAY, DAY + timedelta(3))
        for i in range(1, n + 1)
    ]
    orders = [
        PurchaseOrder(
            f"o{i}", f"c{buyer[i]:02d}", "longan", (GradeBid("AA", 2_000),), 10, DAY + timedelta(2)
        )
        for i in range(1, n + 1)
    ]
    transport = Transport(1, max_distance_m=FAR_M - 1, km_per_day=10_000, lanes=_lanes(dist))
    return ProduceProblem(
        DAY,
        tuple(coops),
        (),
        PRODUCTS[:1],
        tuple(lots),
        tuple(orders),
        transport,
        policy=policy,
        max_lanes_per_order=10_000,
    )
