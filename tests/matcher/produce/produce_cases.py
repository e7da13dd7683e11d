"""Shared builders and the independent LP oracle for the produce tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce.model import (
    GradeBid,
    Processor,
    ProduceProblem,
    ProduceResult,
    Product,
    PurchaseOrder,
    StockLot,
    Transport,
)
from matcher.produce.solver import solve_produce
from matcher.produce.validator import distance_m, validate
from matcher.results import FairnessPolicy

DAY = date(2025, 8, 5)
LONGAN = Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A", "B", "C"))
# District centroids from th_districts.csv (1e-5 degrees).
PLACES = {
    "lamphun": (1855230, 9905934),
    "pasang": (1841906, 9888671),
    "banhong": (1826703, 9882343),
    "li": (1778798, 9888449),
    "cm": (1879083, 9895560),
    "saraphi": (1869787, 9901964),
}


def coop(ident: str, place: str) -> Coop:
    """A coop at a district centroid."""
    lat, lon = PLACES[place]
    return Coop(ident, f"สหกรณ์ {ident}", f"Coop {ident}", lat_e5=lat, lon_e5=lon)


def lot(ident: str, seller: str, qty: int, reserve: int, grade: str = "AA", **kw: Any) -> StockLot:
    """A longan lot ready today, keeping three days."""
    base = StockLot(ident, seller, "longan", grade, qty, reserve, DAY, DAY + timedelta(days=3))
    return replace(base, **kw)


def order(ident: str, buyer: str, qty: int, bids: dict[str, int], **kw: Any) -> PurchaseOrder:
    """A longan order due in two days."""
    gb = tuple(GradeBid(g, p) for g, p in bids.items())
    return replace(PurchaseOrder(ident, buyer, "longan", gb, qty, DAY + timedelta(days=2)), **kw)


def problem(
    coops: list[Coop],
    lots: list[StockLot],
    orders: list[PurchaseOrder],
    networks: tuple[Network, ...] = (),
    processors: tuple[Processor, ...] = (),
    products: tuple[Product, ...] = (LONGAN,),
    **kw: Any,
) -> ProduceProblem:
    """A round on :data:`DAY` with 2 satang per kg per km unless told otherwise."""
    transport = kw.pop("transport", Transport(cost_satang_per_unit_km=2))
    return ProduceProblem(
        DAY,
        tuple(coops),
        networks,
        products,
        tuple(lots),
        tuple(orders),
        transport,
        processors,
        **kw,
    )


def truck_day(
    seed: int, n: int, truck_cost: int, qty: tuple[int, int], min_lots: bool = False
) -> ProduceProblem:
    """A seeded day with 5 t trucks: n lots and n orders of ``qty`` units (low, high) at the
    six district centroids; with ``min_lots`` every third order wants at least half."""
    rng = np.random.default_rng(seed)
    coops = [coop(f"c{i}", place) for i, place in enumerate(PLACES)]
    sizes = rng.integers(qty[0], qty[1], 2 * n)
    lots = [
        lot(f"l{k}", f"c{rng.integers(0, 6)}", int(sizes[k]), int(rng.integers(1_650, 1_950)))
        for k in range(n)
    ]
    orders = [
        order(
            f"o{k}",
            f"c{rng.integers(0, 6)}",
            int(sizes[n + k]),
            {"AA": int(rng.integers(1_900, 2_300))},
            min_lot_units=int(sizes[n + k]) // 2 if min_lots and k % 3 == 0 else 0,
        )
        for k in range(n)
    ]
    transport = Transport(2, truck_cost_satang=truck_cost, truck_capacity_units=5_000)
    return problem(coops, lots, orders, transport=transport)


def seeded_round(
    seed: int, n_coops: int, n_areas: int, n_lots: int, n_orders: int
) -> ProduceProblem:
    """A seeded random longan day: ``n_lots`` lots and ``n_orders`` orders of grades AA/A/B
    at ``n_coops`` coops in ``n_areas`` areas (round robin), with one processor (B → A at
    c00); reach 60 km, 40 km a day, at most 7 lanes per order."""
    rng = np.random.default_rng(seed)
    lat = rng.integers(1_750_000, 1_900_000, n_coops)
    lon = rng.integers(9_850_000, 9_950_000, n_coops)
    coops = [
        Coop(f"c{i:02d}", f"สหกรณ์ {i}", f"Coop {i}", lat_e5=int(lat[i]), lon_e5=int(lon[i]))
        for i in range(n_coops)
    ]
    grades = ("AA", "A", "B")
    lots = [
        lot(
            f"l{k:03d}",
            f"c{rng.integers(0, n_coops):02d}",
            int(rng.integers(200, 3_000)),
            int(rng.integers(1_000, 1_900)),
            grades[int(rng.integers(0, 3))],
            ready_date=DAY - timedelta(int(rng.integers(0, 2))),
            spoilage_satang_per_unit_day=int(rng.integers(0, 40)),
        )
        for k in range(n_lots)
    ]
    orders = [
        order(
            f"o{k:03d}",
            f"c{rng.integers(0, n_coops):02d}",
            int(rng.integers(200, 3_000)),
            {g: int(rng.integers(1_500, 2_300)) for g in grades if rng.random() < 0.6}
            or {"A": 2_000},
            deliver_by=DAY + timedelta(int(rng.integers(0, 3))),
        )
        for k in range(n_orders)
    ]
    areas = tuple(
        Network(
            f"a{j}",
            f"เขต {j}",
            f"Area {j}",
            NetworkLevel.AREA,
            None,
            tuple(c.id for c in coops[j::n_areas]),
        )
        for j in range(n_areas)
    )
    proc = Processor("p1", "c00", "longan", "B", "longan", "A", 3_000, 150)
    return problem(
        coops,
        lots,
        orders,
        networks=areas,
        processors=(proc,),
        transport=Transport(2, max_distance_m=60_000, km_per_day=40),
        max_lanes_per_order=7,
    )


def solve_valid(p: ProduceProblem) -> ProduceResult:
    """Solve and assert that the independent validator finds nothing wrong."""
    r = solve_produce(p)
    errs = validate(p, r)
    assert errs == [], errs
    return r


def reasons(r: ProduceResult, ident: str) -> tuple[str, ...]:
    """Reason codes of one lot or order."""
    return next(x.reasons for x in r.explanations if x.order_id == ident)


def lamphun_tree(members_a: tuple[str, ...], members_b: tuple[str, ...]) -> tuple[Network, ...]:
    """Two area networks under the Lamphun province network."""
    return (
        Network("lp", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE),
        Network("a1", "เขต 1", "Area 1", NetworkLevel.AREA, "lp", members_a),
        Network("a2", "เขต 2", "Area 2", NetworkLevel.AREA, "lp", members_b),
    )


def lp_gains(p: ProduceProblem) -> int:
    """Optimal gains from trade by an LP built here (GLOP), one component, no processors.

    max Σ (bid − reserve − transport − spoilage)·x over lanes that are in reach, in time
    and accept the grade; Σ_lot x ≤ quantity, Σ_order x ≤ quantity.
    """
    assert p.policy is FairnessPolicy.COVERAGE and not p.processors and not p.networks
    solver = pywraplp.Solver.CreateSolver("GLOP")
    t = p.transport
    terms = []
    by_lot: dict[str, list[Any]] = {x.id: [] for x in p.lots}
    by_order: dict[str, list[Any]] = {x.id: [] for x in p.orders}
    for lt in p.lots:
        if lt.expiry_date < p.round_date:
            continue
        for o in p.orders:
            bid = {b.grade: b.max_price_satang_per_unit for b in o.bids}.get(lt.grade)
            if bid is None or o.buyer == lt.seller or o.product != lt.product:
                continue
            dist = distance_m(p, lt.seller, o.buyer)
            if dist > t.max_distance_m:
                continue
            day = max(lt.ready_date, p.round_date) + timedelta(days=dist // (t.km_per_day * 1000))
            if day > min(lt.expiry_date, o.deliver_by):
                continue
            tr = round(dist * t.cost_satang_per_unit_km / 1000)
            gain = (
                bid
                - lt.reserve_satang_per_unit
                - tr
                - lt.spoilage_satang_per_unit_day * (day - p.round_date).days
            )
            if gain <= 0:
                continue
            x = solver.NumVar(0, solver.infinity(), "")
            by_lot[lt.id].append(x)
            by_order[o.id].append(x)
            terms.append(gain * x)
    for lt in p.lots:
        if by_lot[lt.id]:
            solver.Add(sum(by_lot[lt.id]) <= lt.quantity)
    for o in p.orders:
        if by_order[o.id]:
            solver.Add(sum(by_order[o.id]) <= o.quantity)
    if not terms:
        return 0
    solver.Maximize(sum(terms))
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return round(solver.Objective().Value())
