"""Seeded produce (surplus) instances: graded longan lots and orders across a network tree.

Coops sit in area networks of about 12 inside provinces inside regions under one national
network; coordinates are clustered around province and area centres inside Thailand's
bounding box. Lots and orders are log-normal around 2 tonnes, three grades (AA, A, B) with
reserves near the 2025 farm-gate prices and buyers bidding a little above them. Families:
``province`` (300 lots and orders), ``province-trucks`` (the same with integer trucks),
``national`` (50,000 lots and orders, tiered) and ``national-flat`` (the same without the
tree: one component with about 1.5 M candidate lanes).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from benchmarks.registry import family
from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce.model import (
    GradeBid,
    ProduceProblem,
    Product,
    PurchaseOrder,
    StockLot,
    Transport,
)
from matcher.results import FairnessPolicy

DAY = date(2025, 8, 12)
GRADES = ("AA", "A", "B")
RESERVE = np.array([1800, 1100, 650])
"""Satang per kg: AA 18, A 11, B 6.50 baht (July–August 2025 farm gate)."""
PRODUCT = Product("longan", "ลำไยสด", "fresh longan", "kg", 5, GRADES)
AREA_SIZE = 12


def _tree(
    rng: np.random.Generator, n_coops: int, n_prov: int, n_regions: int
) -> tuple[tuple[Coop, ...], tuple[Network, ...]]:
    """Coops with clustered coordinates and the area → province → region → national tree."""
    n_areas = max(1, n_coops // AREA_SIZE)
    prov_lat = rng.uniform(7.0, 19.5, n_prov)
    prov_lon = rng.uniform(98.5, 104.5, n_prov)
    area_prov = np.sort(rng.integers(0, n_prov, n_areas))
    area_prov[: min(n_prov, n_areas)] = np.arange(min(n_prov, n_areas))
    area_lat = prov_lat[area_prov] + rng.normal(0, 0.25, n_areas)
    area_lon = prov_lon[area_prov] + rng.normal(0, 0.25, n_areas)
    coop_area = np.arange(n_coops) % n_areas
    lat = np.round((area_lat[coop_area] + rng.normal(0, 0.08, n_coops)) * 1e5).astype(int)
    lon = np.round((area_lon[coop_area] + rng.normal(0, 0.08, n_coops)) * 1e5).astype(int)
    coops = tuple(
        Coop(f"C{i:05d}", f"สหกรณ์ {i:05d}", f"Coop {i:05d}", lat_e5=int(lat[i]), lon_e5=int(lon[i]))
        for i in range(n_coops)
    )
    nets: list[Network] = [Network("TH", "ประเทศ", "National", NetworkLevel.NATIONAL)]
    nets += [
        Network(f"R{r}", f"ภาค {r}", f"Region {r}", NetworkLevel.REGION, "TH")
        for r in range(n_regions)
    ]
    nets += [
        Network(
            f"P{p:02d}", f"จังหวัด {p}", f"Province {p}", NetworkLevel.PROVINCE, f"R{p % n_regions}"
        )
        for p in range(n_prov)
    ]
    members: list[list[str]] = [[] for _ in range(n_areas)]
    for i in range(n_coops):
        members[int(coop_area[i])].append(coops[i].id)
    nets += [
        Network(
            f"A{a:04d}",
            f"เขต {a}",
            f"Area {a}",
            NetworkLevel.AREA,
            f"P{int(area_prov[a]):02d}",
            tuple(members[a]),
        )
        for a in range(n_areas)
    ]
    return coops, tuple(nets)


def build_produce_instance(
    seed: int,
    n_lots: int,
    n_orders: int,
    n_coops: int,
    n_prov: int,
    n_regions: int,
    trucks: bool = False,
    reach_m: int = 100_000,
) -> ProduceProblem:
    """A seeded random surplus day (see the module docstring)."""
    rng = np.random.default_rng(seed)
    coops, nets = _tree(rng, n_coops, n_prov, n_regions)
    grade = rng.integers(0, 3, n_lots)
    qty = np.maximum(np.round(np.exp(rng.normal(np.log(2000), 0.8, n_lots))), 50).astype(int)
    reserve = RESERVE[grade] + rng.integers(-150, 150, n_lots)
    ready = rng.integers(-2, 1, n_lots)
    keep = rng.integers(1, 5, n_lots)
    seller = rng.integers(0, n_coops, n_lots)
    lots = tuple(
        StockLot(
            f"L{k:06d}",
            coops[int(seller[k])].id,
            "longan",
            GRADES[int(grade[k])],
            int(qty[k]),
            int(reserve[k]),
            DAY + timedelta(int(ready[k])),
            DAY + timedelta(int(ready[k] + keep[k])),
            int(rng.integers(10, 60)),
            k,
        )
        for k in range(n_lots)
    )
    buyer = rng.integers(0, n_coops, n_orders)
    oq = np.maximum(np.round(np.exp(rng.normal(np.log(2000), 0.8, n_orders))), 50).astype(int)
    orders = []
    for k in range(n_orders):
        first = int(rng.integers(0, 3))
        accepted = range(first, min(3, first + int(rng.integers(1, 3))))
        bids = tuple(GradeBid(GRADES[g], int(RESERVE[g] + rng.integers(50, 450))) for g in accepted)
        orders.append(
            PurchaseOrder(
                f"O{k:06d}",
                coops[int(buyer[k])].id,
                "longan",
                bids,
                int(oq[k]),
                DAY + timedelta(int(rng.integers(0, 3))),
                0,
                k,
            )
        )
    transport = Transport(
        cost_satang_per_unit_km=2,
        max_distance_m=reach_m,
        km_per_day=300,
        truck_cost_satang=100_000 if trucks else 0,
        truck_capacity_units=5_000 if trucks else 0,
    )
    return ProduceProblem(
        DAY,
        coops,
        nets,
        (PRODUCT,),
        lots,
        tuple(orders),
        transport,
        policy=FairnessPolicy.MAXMIN,
        time_limit_ms=2_000,
        max_lanes_per_order=60,
    )


@family("produce", "province", seed=20250812, target_ms=100)
def province(seed: int) -> ProduceProblem:
    """One province: 150 lots and 150 orders (300 in all), 3 grades, 60 coops in 5 areas."""
    return build_produce_instance(seed, 150, 150, 60, 1, 1)


@family("produce", "province-trucks", seed=20250812, target_ms=2000)
def province_trucks(seed: int) -> ProduceProblem:
    """The province family with integer trucks (5 t, 1,000 baht a truck per lane)."""
    # 1.6 s for CP-SAT leaves room for building the model inside the 2 s target.
    return replace(
        build_produce_instance(seed, 150, 150, 60, 1, 1, trucks=True), time_limit_ms=1_600
    )


@family("produce", "national", seed=20250812, target_ms=5000)
def national(seed: int) -> ProduceProblem:
    """50,000 lots and orders (25,000 each), 9,600 coops, 77 provinces, 4 regions."""
    return build_produce_instance(seed, 25_000, 25_000, 9_600, 77, 4)


def smoke_instance(seed: int, trucks: bool = False) -> ProduceProblem:
    """40 lots and 40 orders, for the smoke run with benchmarks disabled."""
    return build_produce_instance(seed, 40, 40, 24, 2, 1, trucks=trucks)


@family("produce", "national-flat", seed=20250812, target_ms=5000)
def national_flat(seed: int) -> ProduceProblem:
    """The national family without the network tree: one component, about 1.5 M lanes."""
    return replace(build_produce_instance(seed, 25_000, 25_000, 9_600, 77, 4), networks=())
