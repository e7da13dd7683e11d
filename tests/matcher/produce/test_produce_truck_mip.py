"""HiGHS's root for plain truck components: its solution ≤ the optimum ≤ its bound.

The oracle is an independent exact model built here (CP-SAT with integer units and trucks,
run to the end) on small seeded plain days: lots and orders at the six district centroids,
no processors and no minimum lots. Also: dropping lanes whose full truck cannot pay keeps
the optimum, the min-cost flow with fixed trucks equals the LP with those trucks, the tier
answer is the same with one thread or two, and every solve passes the validator.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model
from produce_cases import coop, lot, order, problem, truck_day

from matcher.domain import Network, NetworkLevel
from matcher.produce import truck_plain, trucks
from matcher.produce.checks import check_problem
from matcher.produce.lanes import TierLanes, has_trade, tier_lanes
from matcher.produce.model import Processor, ProduceProblem, Product, Transport
from matcher.produce.solver import solve_produce
from matcher.produce.state import ProduceState, build_state
from matcher.produce.truck_mip import flow_for_trucks, is_plain, mip_trucks, paying
from matcher.produce.validator import validate
from matcher.results import SolveStatus

CAP = 5_000


def _day(seed: int, n: int, truck_cost: int, min_lots: bool = False) -> ProduceProblem:
    """A seeded plain day: n lots and n orders of 0.2–9 t (some need two trucks)."""
    return truck_day(seed, n, truck_cost, (200, 9000), min_lots)


def _first_tier(p: ProduceProblem) -> tuple[ProduceState, TierLanes]:
    st = build_state(p, check_problem(p))
    level = next(lv for lv in st.levels if has_trade(st, lv))
    lanes = tier_lanes(st, level, p.transport, p.max_lanes_per_order, np.zeros(0, np.int64))
    return st, lanes


def _ub(st: ProduceState, lanes: TierLanes) -> np.ndarray:
    return np.minimum(st.lot_rem[lanes.s], st.order_rem[lanes.d]).astype(np.int64)


def _exact(st: ProduceState, lanes: TierLanes, cost: int, keep: np.ndarray | None = None) -> float:
    """max Σ g·x − F·Σ y over integer x, y (x ≤ C·y, lot and order rows), to the end."""
    idx = np.arange(lanes.size) if keep is None else keep
    ub = _ub(st, lanes)
    m = cp_model.CpModel()
    x = {i: m.new_int_var(0, int(ub[i]), "") for i in idx}
    y = {i: m.new_int_var(0, -(-int(ub[i]) // CAP), "") for i in idx}
    for i in idx:
        m.add(x[i] <= CAP * y[i])
    for s in np.unique(lanes.s):
        m.add(sum(x[i] for i in idx if lanes.s[i] == s) <= int(st.lot_rem[s]))
    for d in np.unique(lanes.d):
        m.add(sum(x[i] for i in idx if lanes.d[i] == d) <= int(st.order_rem[d]))
    m.maximize(sum(int(lanes.gain[i]) * x[i] - cost * y[i] for i in idx))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 120
    assert solver.solve(m) == cp_model.OPTIMAL
    return float(solver.objective_value)


def _value(lanes: TierLanes, flow: np.ndarray, cost: int) -> float:
    return float((lanes.gain * flow).sum() - cost * (-(-flow // CAP)).sum())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=hs.integers(0, 10_000),
    n=hs.integers(2, 8),
    cost=hs.sampled_from([30_000, 100_000, 300_000]),
)
def test_mip_path_brackets_the_optimum(seed: int, n: int, cost: int) -> None:
    p = _day(seed, n, cost)
    st, lanes = _first_tier(p)
    if lanes.size == 0:
        return
    assert is_plain(st, lanes)
    out = trucks._solve_one(st, lanes, CAP, cost, np.zeros(lanes.size, np.int64), 0.2, True)
    exact = _exact(st, lanes, cost)
    assert out.best == pytest.approx(_value(lanes, out.flow, cost))
    assert out.best <= exact + 1e-6 <= out.bound + 2e-6
    assert (out.trucks == -(-out.flow // CAP)).all()
    r = solve_produce(replace(p, time_limit_ms=200))
    assert validate(p, r) == []


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=hs.integers(0, 10_000), n=hs.integers(2, 7))
def test_dropping_lanes_that_cannot_pay_keeps_the_optimum(seed: int, n: int) -> None:
    cost = 400_000  # a high truck cost, so that many lanes cannot pay
    st, lanes = _first_tier(_day(seed, n, cost))
    if lanes.size == 0:
        return
    keep = paying(lanes, _ub(st, lanes), CAP, cost)
    assert _exact(st, lanes, cost, keep) == _exact(st, lanes, cost)


@pytest.mark.parametrize("seed", [1, 5, 9])
def test_flow_for_fixed_trucks_equals_the_lp(seed: int) -> None:
    st, lanes = _first_tier(_day(seed, 8, 100_000))
    ub = _ub(st, lanes)
    fixed = (np.arange(lanes.size) % 3 != 0).astype(np.int64) * -(-ub // CAP)
    flow = flow_for_trucks(st, lanes, ub, fixed, CAP)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    x = [lp.NumVar(0, float(min(CAP * t, u)), "") for t, u in zip(fixed, ub, strict=True)]
    for s in np.unique(lanes.s):
        lp.Add(lp.Sum([x[i] for i in np.flatnonzero(lanes.s == s)]) <= int(st.lot_rem[s]))
    for d in np.unique(lanes.d):
        lp.Add(lp.Sum([x[i] for i in np.flatnonzero(lanes.d == d)]) <= int(st.order_rem[d]))
    lp.Maximize(lp.Sum([float(lanes.gain[i]) * x[i] for i in range(lanes.size)]))
    assert lp.Solve() == pywraplp.Solver.OPTIMAL
    assert float((lanes.gain * flow).sum()) == pytest.approx(lp.Objective().Value(), abs=1e-3)
    assert (flow <= np.minimum(CAP * fixed, ub)).all() and (flow >= 0).all()


def test_mip_bound_at_least_the_optimum_on_a_split_day() -> None:
    """Twelve lots, twelve orders: the bound is above the optimum, and below the LP's."""
    st, lanes = _first_tier(_day(7, 12, 100_000))
    ub = _ub(st, lanes)
    mip = mip_trucks(st, lanes, ub, CAP, 100_000, 30.0)
    assert mip is not None and not mip.stopped and mip.effort_ms >= 0
    exact = _exact(st, lanes, 100_000)
    assert mip.bound >= exact - 1e-6
    flow = flow_for_trucks(st, lanes, ub, mip.trucks, CAP)
    assert _value(lanes, flow, 100_000) <= exact + 1e-6


def test_minimum_lots_are_not_plain() -> None:
    st, lanes = _first_tier(_day(3, 6, 100_000, min_lots=True))
    assert not is_plain(st, lanes)


def test_same_answer_with_one_thread_or_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """Components run in threads; the answer must not depend on how many, or on the order
    they finish in (a second network makes two components per tier)."""
    base = _day(11, 10, 100_000)
    half = tuple(c.id for c in base.coops[:3])
    rest = tuple(c.id for c in base.coops[3:])
    nets = (
        Network("n", "ชาติ", "National", NetworkLevel.NATIONAL),
        Network("a1", "เขต 1", "Area 1", NetworkLevel.AREA, "n", half),
        Network("a2", "เขต 2", "Area 2", NetworkLevel.AREA, "n", rest),
    )
    p = replace(base, networks=nets)
    seen = []
    for threads in (1, 2, 2):
        monkeypatch.setattr(truck_plain, "MIP_THREADS", threads)
        r = solve_produce(p)
        assert validate(p, r) == []
        seen.append((r.matches, r.truck_gap_bps, r.status, r.notes))
    assert seen[0] == seen[1] == seen[2]


def test_status_follows_the_proven_gap() -> None:
    p = replace(_day(21, 10, 100_000), time_limit_ms=500)
    r = solve_produce(p)
    assert validate(p, r) == []
    assert r.truck_gap_bps is not None
    if r.truck_gap_bps == 0:
        assert r.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    elif r.truck_gap_bps <= 100:
        assert r.status is SolveStatus.FEASIBLE
    else:
        assert r.status is SolveStatus.TIME_LIMITED


def test_counted_time_is_the_makespan() -> None:
    assert truck_plain.makespan([391, 559, 414, 425, 403], 2) == 1208
    assert truck_plain.makespan([391, 559, 414], 1) == 1364
    assert truck_plain.makespan([], 2) == 0


def test_without_highs_cp_sat_takes_the_component(monkeypatch: pytest.MonkeyPatch) -> None:
    p = replace(_day(4, 6, 100_000), time_limit_ms=300)
    monkeypatch.setattr(truck_plain, "mip_trucks", lambda *a, **k: None)
    r = solve_produce(p)
    assert validate(p, r) == []
    assert r.truck_gap_bps is not None


def test_a_guard_stop_is_time_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the wall-clock guard stops HiGHS the answer may depend on the load: it is
    still valid, but its status says time_limited whatever the gap."""
    p = replace(_day(4, 6, 100_000), time_limit_ms=300)
    assert solve_produce(p).status is not SolveStatus.TIME_LIMITED
    real = truck_plain.mip_trucks

    def stopped(*args: object, **kw: object) -> object:
        out = real(*args, **kw)  # type: ignore[arg-type]
        return out and replace(out, stopped=True)

    monkeypatch.setattr(truck_plain, "mip_trucks", stopped)
    r = solve_produce(p)
    assert validate(p, r) == []
    assert r.status is SolveStatus.TIME_LIMITED


def test_a_packing_coop_is_not_plain() -> None:
    """Farms → packing coop → shops: the component goes to CP-SAT (processor rows)."""
    egg = Product("egg", "ไข่ไก่", "egg", "egg", 14, ("raw", "graded"))
    coops = [coop("f1", "banhong"), coop("pk", "pasang"), coop("s1", "lamphun")]
    lots = [replace(lot("e1", "f1", 3_000, 250, "raw"), product="egg")]
    orders = [replace(order("o1", "s1", 2_000, {"graded": 420}), product="egg")]
    proc = Processor("grade1", "pk", "egg", "raw", "egg", "graded", 5_000, 30)
    transport = Transport(1, truck_cost_satang=60_000, truck_capacity_units=4_000)
    p = problem(coops, lots, orders, (), (proc,), (egg,), transport=transport)
    st, lanes = _first_tier(p)
    assert not is_plain(st, lanes)
    r = solve_produce(replace(p, time_limit_ms=300))
    assert validate(p, r) == []


def test_highs_only_where_its_work_fits(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's root is not cut to the limit: a component whose predicted work would overrun
    it goes to CP-SAT (deterministic limit) instead."""
    p = _day(9, 40, 100_000)
    calls: list[int] = []
    real = truck_plain.mip_trucks

    def count(*args: object, **kw: object) -> object:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(truck_plain, "mip_trucks", count)
    r = solve_produce(replace(p, time_limit_ms=1))
    assert validate(p, r) == [] and calls == []
    r = solve_produce(replace(p, time_limit_ms=1_500))
    assert validate(p, r) == [] and calls
