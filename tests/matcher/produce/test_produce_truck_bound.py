"""SCIP's root bound for integer trucks: never below the true optimum, never above the LP.

The optimum of each tier's truck model is found by CP-SAT run to completion on small
seeded instances (an independent exact solve); the root bound must be at least that and
at most the plain LP relaxation (cuts only tighten it). The matcher's reported bound must
be at least its reported solution, and every result must pass the validator.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model
from produce_cases import LONGAN, coop, lot, order, problem, truck_day

from matcher.produce import trucks
from matcher.produce.checks import check_problem
from matcher.produce.lanes import TierLanes, has_trade, tier_lanes
from matcher.produce.model import Processor, ProduceProblem, Product, Transport
from matcher.produce.solver import solve_produce
from matcher.produce.state import ProduceState, build_state
from matcher.produce.truck_bound import root_bound
from matcher.produce.validator import validate

EGG = Product("egg", "ไข่ไก่", "egg", "egg", 14, ("raw", "graded"))


def _round(seed: int, n: int, truck_cost: int, min_lots: bool = False) -> ProduceProblem:
    """A seeded day: n lots and n orders of 0.3–4 t at the six district centroids."""
    return truck_day(seed, n, truck_cost, (300, 4000), min_lots)


def _first_tier(p: ProduceProblem) -> tuple[ProduceState, TierLanes]:
    st = build_state(p, check_problem(p))
    level = next(lv for lv in st.levels if has_trade(st, lv))
    lanes = tier_lanes(st, level, p.transport, p.max_lanes_per_order, np.zeros(0, np.int64))
    return st, lanes


def _exact(st: ProduceState, lanes: TierLanes, cap: int, cost: int) -> float:
    """The truck model's optimum, solved to the end by CP-SAT (no gap limit)."""
    ub = trucks._lane_bounds(st, lanes)
    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(u), "") for u in ub]
    y = [m.new_int_var(0, -(-int(u) // cap), "") for u in ub]
    for i in range(lanes.size):
        m.add(x[i] <= cap * y[i])
    trucks._rows(m, st, lanes, x)
    proc = np.zeros(lanes.size, np.int64)
    into = lanes.d >= st.n_orders
    proc[into] = st.proc_cost[lanes.d[into] - st.n_orders]
    unit = (lanes.gain - proc).tolist()
    m.maximize(sum(int(unit[i]) * x[i] - cost * y[i] for i in range(lanes.size)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    assert solver.solve(m) == cp_model.OPTIMAL
    return float(solver.objective_value)


def _lp(st: ProduceState, lanes: TierLanes, cap: int, cost: int) -> float:
    """The plain LP relaxation (GLOP) of the same model, without minimum lots."""
    ub = trucks._lane_bounds(st, lanes)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x = [lp.NumVar(0, float(u), "") for u in ub]
    y = [lp.NumVar(0, float(-(-int(u) // cap)), "") for u in ub]
    for i, u in enumerate(ub):
        lp.Add(x[i] <= min(cap, int(u)) * y[i])
    for s in np.unique(lanes.s):
        lp.Add(lp.Sum([x[i] for i in np.flatnonzero(lanes.s == s)]) <= int(st.lot_rem[s]))
    for d in np.unique(lanes.d):
        lp.Add(lp.Sum([x[i] for i in np.flatnonzero(lanes.d == d)]) <= int(st.order_rem[d]))
    lp.Maximize(lp.Sum([float(lanes.gain[i]) * x[i] - cost * y[i] for i in range(lanes.size)]))
    assert lp.Solve() == pywraplp.Solver.OPTIMAL
    return float(lp.Objective().Value())


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=hs.integers(0, 10_000),
    n=hs.integers(3, 9),
    cost=hs.sampled_from([50_000, 200_000]),
    min_lots=hs.booleans(),
)
def test_root_bound_between_optimum_and_lp(seed: int, n: int, cost: int, min_lots: bool) -> None:
    p = _round(seed, n, cost, min_lots)
    st, lanes = _first_tier(p)
    if lanes.size == 0:
        return
    cap = p.transport.truck_capacity_units
    ub = trucks._lane_bounds(st, lanes)
    out = root_bound(st, lanes, ub, cap, cost, 10.0)
    assert out is not None and out.effort_ms >= 0
    assert out.bound >= _exact(st, lanes, cap, cost) - 1e-6
    if not min_lots:  # the LP here leaves minimum lots out, so it bounds only without them
        assert out.bound <= _lp(st, lanes, cap, cost) * (1 + 1e-6) + 1


def test_root_bound_tightens_a_split_lot() -> None:
    """On a seeded 12 × 12 day lots are split over buyers; the LP pays a fraction of a
    truck for each split, the optimum a whole one: the root bound lies between the two and
    strictly below the LP (its cuts close part of the gap)."""
    p = _round(7, 12, 100_000)
    st, lanes = _first_tier(p)
    cap, cost = p.transport.truck_capacity_units, p.transport.truck_cost_satang
    ub = trucks._lane_bounds(st, lanes)
    out = root_bound(st, lanes, ub, cap, cost, 10.0)
    assert out is not None
    exact, lp = _exact(st, lanes, cap, cost), _lp(st, lanes, cap, cost)
    assert exact - 1e-6 <= out.bound < lp


@pytest.mark.parametrize("seed", [3, 11])
def test_reported_bound_brackets_the_optimum(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside the matcher: the solution it keeps ≤ the optimum ≤ the bound it reports."""
    p = replace(_round(seed, 10, 100_000, min_lots=True), time_limit_ms=300)
    seen: list[tuple[float, float, float]] = []
    solve_one = trucks._solve_one

    def spy(st: ProduceState, lanes: TierLanes, *args: Any) -> trucks.TruckOutcome:
        out = solve_one(st, lanes, *args)
        seen.append((out.best, _exact(st, lanes, args[0], args[1]), out.bound))
        return out

    monkeypatch.setattr(trucks, "_solve_one", spy)
    r = solve_produce(p)
    assert validate(p, r) == []
    assert seen and r.truck_gap_bps is not None
    for best, exact, bound in seen:
        assert best <= exact + 1e-6 <= bound + 2e-6


def test_root_bound_with_a_packing_coop() -> None:
    """Farms → packing coop → shops: processor rows and processing cost are in the bound."""
    coops = [coop("f1", "banhong"), coop("f2", "li"), coop("pk", "pasang"), coop("s1", "lamphun")]
    coops.append(coop("s2", "cm"))
    lots = [
        replace(lot("e1", "f1", 3_000, 250, "raw"), product="egg"),
        replace(lot("e2", "f2", 2_500, 240, "raw"), product="egg"),
    ]
    orders = [
        replace(order("o1", "s1", 2_000, {"graded": 420}), product="egg"),
        replace(order("o2", "s2", 3_500, {"graded": 400}), product="egg"),
    ]
    proc = Processor("grade1", "pk", "egg", "raw", "egg", "graded", 5_000, 30)
    transport = Transport(1, truck_cost_satang=60_000, truck_capacity_units=4_000)
    p = problem(coops, lots, orders, (), (proc,), (LONGAN, EGG), transport=transport)
    st, lanes = _first_tier(p)
    assert (lanes.d >= st.n_orders).any()  # the packing coop is on the lanes
    ub = trucks._lane_bounds(st, lanes)
    out = root_bound(st, lanes, ub, 4_000, 60_000, 10.0)
    assert out is not None
    assert out.bound >= _exact(st, lanes, 4_000, 60_000) - 1e-6
