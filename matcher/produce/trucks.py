"""Integer trucks on a tier: HiGHS's root on plain components, CP-SAT on the others.

Variables per lane l: shipped units x_l ∈ [0, u_l] and trucks y_l ∈ [0, ⌈u_l / C⌉] with
``x_l ≤ C·y_l`` (C = truck capacity). Rows: a lot ships at most its open quantity, an order
receives at most its open quantity, a processor's input equals its output and stays within
its capacity, and an order with a minimum lot gets 0 or at least that many units
(``x(order) ≥ min·z_o``, ``x(order) ≤ q·z_o``, z boolean). Objective: maximise
Σ gain_l·x_l − processing − truck cost·Σ y_l.

A *plain* component (lot → order lanes only, no minimum lot to reach) whose predicted work
fits the time limit goes to :mod:`matcher.produce.truck_mip`: HiGHS's root node, whose cuts
prove a bound within about 1 % of the optimum (CP-SAT's own bound stays near the LP
relaxation, which pays only a fraction of a truck for a lot split over buyers: 5 % on the
province-trucks family) and whose RINS heuristic finds the trucks; where the component's
share of the time is not spent (small components), HiGHS searches again with as many nodes
as the rest allows. The tier's status follows its proven gap over all components (optimal,
feasible within 1 %, else time-limited), and is time-limited whenever a wall-clock guard
stopped a solve.

Other components, and plain ones HiGHS cannot take, go to CP-SAT hinted with the flow
answer, which stops at a 1 % proven gap or at its deterministic limit; every CP-SAT status
is mapped explicitly. SCIP's root bound (:mod:`matcher.produce.truck_bound`) can add a second
bound there (off by default).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from ortools.sat.python import cp_model

from matcher.produce import truck_plain
from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.model import YIELD_ONE_BPS
from matcher.produce.state import ProduceState
from matcher.produce.truck_bound import root_bound
from matcher.produce.truck_result import GAP, TruckOutcome
from matcher.produce.truck_result import grade as _grade
from matcher.produce.yields import supply_caps
from matcher.results import CP_SAT_DET_PER_SECOND as DET_PER_SECOND
from matcher.results import SolveStatus

BOUND_SHARE = 0.0
"""Share of a component's time left to SCIP's root bound when CP-SAT does not prove 1 %.
Off (with :data:`BOUND_MAX_LANES` = 0): measured on the province-trucks family with the budget
held in wall-clock time, CP-SAT alone proves 5.18 % in 2.03 s, while half the time for SCIP's
root bound gives 5.65 % in 2.56 s (its fixed cut rounds overrun the share)."""
BOUND_MAX_LANES = 0
"""Components up to this many lanes add SCIP's root bound (0: never; its model is built lane
by lane in Python, and :mod:`matcher.produce.truck_bound` stays tested on its own)."""
CP_SAT_GUARD = 10
CP_SAT_GUARD_MIN_S = 2.0
"""CP-SAT's wall-clock guard: this many times its deterministic limit, at least this long
(twice the limit was reached under load, and the answer then changed with the load)."""


def solve_tier_trucks(
    st: ProduceState,
    lanes: TierLanes,
    capacity: int,
    truck_cost: int,
    hint: I64,
    time_limit_s: float,
) -> TruckOutcome:
    """Solve the tier component by component (networks share no lane); the gap reported is
    over the whole tier, and so is the status (optimal, else feasible within :data:`GAP`).

    Plain components that fit (:func:`matcher.produce.truck_plain.fitting`) go first, each
    with a share of the limit fixed in advance (its lanes over the tier's), up to
    :data:`matcher.produce.truck_plain.MIP_THREADS` at a time: each answer depends only on its
    own component, so the order they finish in does not matter; their counted time is the
    makespan of that schedule. The others then share what is left in proportion to their
    lanes, one by one."""
    flow, trucks = np.zeros(lanes.size, np.int64), np.zeros(lanes.size, np.int64)
    comps = _components(lanes)
    outs: list[TruckOutcome | None] = [None] * len(comps)
    ub = _lane_bounds(st, lanes)
    plain = truck_plain.fitting(st, lanes, ub, comps, capacity, truck_cost, time_limit_s)

    def one(k: int, limit_s: float, mip: bool = False) -> TruckOutcome:
        sel = comps[k]
        return _solve_one(st, lanes.take(sel), capacity, truck_cost, hint[sel], limit_s, mip)

    fixed = [time_limit_s * comps[k].size / max(1, lanes.size) for k in plain]
    with ThreadPoolExecutor(max_workers=truck_plain.MIP_THREADS) as pool:
        for k, out in zip(plain, pool.map(one, plain, fixed, [True] * len(plain)), strict=True):
            outs[k] = out
    efforts = [o.effort_ms for o in outs if o is not None]
    wall = truck_plain.makespan(efforts, truck_plain.MIP_THREADS)
    rest = [k for k in range(len(comps)) if outs[k] is None]
    for j, k in enumerate(rest):
        todo = sum(comps[r].size for r in rest[j:])
        left = max(time_limit_s - wall / 1000, 0.02)
        outs[k] = one(k, left * comps[k].size / max(1, todo))
        wall += outs[k].effort_ms  # type: ignore[union-attr]
    done = [o for o in outs if o is not None]
    for sel, out in zip(comps, done, strict=True):
        flow[sel], trucks[sel] = out.flow, out.trucks
    best, bound = sum(o.best for o in done), sum(o.bound for o in done)
    status, gap = _grade(best, bound)
    if all(o.status is SolveStatus.OPTIMAL for o in done):
        status = SolveStatus.OPTIMAL
    elif status is SolveStatus.OPTIMAL:
        status = SolveStatus.FEASIBLE
    if any(o.stopped for o in done):
        status = SolveStatus.TIME_LIMITED
    return TruckOutcome(flow, trucks, status, gap, wall, best, bound)


def _components(lanes: TierLanes) -> list[I64]:
    """Lane indices (ascending) of each component, in component order."""
    order = np.argsort(lanes.comp, kind="stable")
    _, starts = np.unique(lanes.comp[order], return_index=True)
    cuts = [*starts.tolist(), lanes.size]
    return [np.sort(order[cuts[c] : cuts[c + 1]]) for c in range(len(cuts) - 1)]


def _solve_one(
    st: ProduceState,
    lanes: TierLanes,
    capacity: int,
    truck_cost: int,
    hint: I64,
    time_limit_s: float,
    mip: bool = False,
) -> TruckOutcome:
    """Solve the tier with integer trucks (see the module docstring): with ``mip``, a plain
    component goes to HiGHS (:func:`_solve_mip`), otherwise to CP-SAT."""
    if lanes.size == 0:
        e = np.zeros(0, np.int64)
        return TruckOutcome(e, e, SolveStatus.OPTIMAL, 0.0)
    ub = _lane_bounds(st, lanes)
    flow_answer = np.minimum(hint, ub).astype(np.int64)
    aware = _truck_aware(st, lanes, flow_answer, capacity, truck_cost)
    if mip and truck_plain.goes_to_mip(st, lanes, truck_cost):
        hints = (flow_answer, aware)
        out = truck_plain.solve_plain(st, lanes, ub, capacity, truck_cost, time_limit_s, hints)
        if out is not None:
            return out
    m, x = _model(st, lanes, ub, capacity, truck_cost, aware)
    solver = _cp_sat(max(time_limit_s * (1 - BOUND_SHARE), 0.05))
    code = solver.solve(m)
    status, gap = _map(solver, code)
    wall = int(solver.deterministic_time / DET_PER_SECOND * 1000)
    bound = float(solver.best_objective_bound) if code != cp_model.INFEASIBLE else None
    if status is not SolveStatus.OPTIMAL and code != cp_model.INFEASIBLE:
        # SCIP's work is fixed by its rounds; the wall-clock guard is wide so that it does
        # not cut a slow machine short (the result would then depend on the load).
        extra = (
            root_bound(st, lanes, ub, capacity, truck_cost, max(4 * time_limit_s, 2.0))
            if lanes.size <= BOUND_MAX_LANES
            else None
        )
        if extra is not None:
            wall += extra.effort_ms
            bound = extra.bound if bound is None else min(bound, extra.bound)
    if status is SolveStatus.INFEASIBLE:
        # No solution within the limit: the flow answer (already within every minimum lot)
        # is valid; the truck-aware hint may not be, as it drops money-losing lanes.
        flow = flow_answer
        value = float((lanes.gain * flow).sum() - truck_cost * (-(-flow // capacity)).sum())
        return TruckOutcome(
            flow,
            -(-flow // capacity),
            SolveStatus.TIME_LIMITED,
            1.0,
            wall,
            value,
            bound if bound is not None else value,
            stopped=True,
        )
    flow = np.array([solver.value(v) for v in x], dtype=np.int64)
    trucks = np.where(flow > 0, -(-flow // capacity), 0)
    best = float(solver.objective_value)
    bound = best if bound is None else bound
    # Neither optimal, nor at the gap, nor at the deterministic limit: the guard stopped it.
    guarded = code == cp_model.FEASIBLE and gap > GAP and _short(solver)
    if status is not SolveStatus.OPTIMAL:
        status, gap = _grade(best, bound)
    if guarded:
        status = SolveStatus.TIME_LIMITED
    return TruckOutcome(flow, trucks, status, gap, wall, best, bound, guarded)


def _short(solver: cp_model.CpSolver) -> bool:
    """Whether CP-SAT stopped before its deterministic limit."""
    return bool(solver.deterministic_time < 0.99 * solver.parameters.max_deterministic_time)


def _model(
    st: ProduceState, lanes: TierLanes, ub: I64, capacity: int, truck_cost: int, hint: I64
) -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    """The CP-SAT truck model (see the module docstring), hinted; returns it and x."""
    n = lanes.size
    m = cp_model.CpModel()
    x = [m.new_int_var(0, int(ub[i]), f"x{i}") for i in range(n)]
    y = [m.new_int_var(0, -(-int(ub[i]) // capacity), f"y{i}") for i in range(n)]
    for i in range(n):
        # x ≤ min(C, u)·y is valid and much tighter than x ≤ C·y for lots below a truckload.
        m.add(x[i] <= min(capacity, int(ub[i])) * y[i])
        m.add_hint(x[i], int(min(hint[i], ub[i])))
        m.add_hint(y[i], -(-int(min(hint[i], ub[i])) // capacity))
    _rows(m, st, lanes, x)
    terms = [int(lanes.gain[i]) * x[i] - truck_cost * y[i] for i in range(n)]
    for p in np.unique(lanes.d[lanes.d >= st.n_orders]):
        cost = int(st.proc_cost[p - st.n_orders])
        # Processing is paid per output unit (per input unit too when the yield is one).
        one = int(st.proc_yield[p - st.n_orders]) == YIELD_ONE_BPS
        side = lanes.d == p if one else lanes.s == p - st.n_orders + st.n_lots
        terms += [-cost * x[i] for i in np.flatnonzero(side)]
    m.maximize(sum(terms))
    return m, x


def _cp_sat(limit_s: float) -> cp_model.CpSolver:
    """One worker and a deterministic time limit: the same input gives the same answer
    (a wall-clock limit, :data:`CP_SAT_GUARD` times as long, only guards against a stalled
    solve). ``limit_s`` is in seconds of the reference machine, converted with
    :data:`DET_PER_SECOND`."""
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = limit_s * DET_PER_SECOND
    solver.parameters.max_time_in_seconds = max(CP_SAT_GUARD * limit_s, CP_SAT_GUARD_MIN_S)
    solver.parameters.relative_gap_limit = GAP
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    return solver


def _truck_aware(st: ProduceState, lanes: TierLanes, flow: I64, cap: int, cost: int) -> I64:
    """The flow answer without direct lanes whose trucks cost more than their gain."""
    loss = lanes.gain * flow < cost * (-(-flow // cap))
    direct = (lanes.s < st.n_lots) & (lanes.d < st.n_orders)
    out: I64 = np.where(loss & direct, 0, flow).astype(np.int64)
    return out


def _lane_bounds(st: ProduceState, lanes: TierLanes) -> I64:
    rem_s = supply_caps(st)
    rem_d = np.concatenate([st.order_rem, st.proc_rem])
    out: I64 = np.minimum(rem_s[lanes.s], rem_d[lanes.d]).astype(np.int64)
    return out


def _rows(
    m: cp_model.CpModel, st: ProduceState, lanes: TierLanes, x: list[cp_model.IntVar]
) -> None:
    for s in np.unique(lanes.s[lanes.s < st.n_lots]):
        m.add(sum(x[i] for i in np.flatnonzero(lanes.s == s)) <= int(st.lot_rem[s]))
    for d in np.unique(lanes.d[lanes.d < st.n_orders]):
        idx = np.flatnonzero(lanes.d == d)
        total = sum(x[i] for i in idx)
        rem, lo = int(st.order_rem[d]), int(st.order_min[d])
        filled = st.orders[d].quantity - rem
        m.add(total <= rem)
        need = lo - filled
        if need > 0:
            z = m.new_bool_var(f"z{d}")
            m.add(total >= need * z)
            m.add(total <= rem * z)
    procs = np.unique(
        np.concatenate(
            [
                lanes.s[lanes.s >= st.n_lots] - st.n_lots,
                lanes.d[lanes.d >= st.n_orders] - st.n_orders,
            ]
        )
    )
    for p in procs:
        inflow = sum(x[i] for i in np.flatnonzero(lanes.d == p + st.n_orders))
        outflow = sum(x[i] for i in np.flatnonzero(lanes.s == p + st.n_lots))
        y = int(st.proc_yield[p])
        if y == YIELD_ONE_BPS:
            m.add(inflow == outflow)
        else:  # out = ⌊in·y / 10,000⌋ (matcher.produce.yields)
            m.add(YIELD_ONE_BPS * outflow <= y * inflow)
            m.add(y * inflow <= YIELD_ONE_BPS * outflow + YIELD_ONE_BPS - 1)
        m.add(inflow <= int(st.proc_rem[p]))


def _map(solver: cp_model.CpSolver, code: object) -> tuple[SolveStatus, float]:
    """Every CP-SAT status, mapped explicitly; gap = (bound − best) / max(1, |best|)."""
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best, bound = solver.objective_value, solver.best_objective_bound
        gap = max(0.0, bound - best) / max(1.0, abs(best))
        if code == cp_model.OPTIMAL and gap <= 1e-9:
            return SolveStatus.OPTIMAL, 0.0
        if gap <= GAP:
            return SolveStatus.FEASIBLE, gap
        return SolveStatus.TIME_LIMITED, gap
    if code == cp_model.INFEASIBLE:
        return SolveStatus.INFEASIBLE, 1.0
    if code == cp_model.UNKNOWN:
        return SolveStatus.INFEASIBLE, 1.0
    raise RuntimeError(f"CP-SAT model invalid (status {code!r})")
