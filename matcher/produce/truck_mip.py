"""Integer trucks on a plain component: HiGHS's root node (MathOpt), then an exact integer flow.

A *plain* component has only lot → order lanes and no order with a minimum lot still to
reach: the truck model is then the fixed-charge transport problem

    maximise Σ g_l·x_l − F·Σ y_l   s.t.   x_l ≤ min(C, u_l)·y_l,  y_l ∈ {0, …, ⌈u_l / C⌉},
    Σ_{l out of lot s} x_l ≤ a_s,   Σ_{l into order d} x_l ≤ b_d,   x ≥ 0.

Presolve (exact): a lane whose full truck cannot pay for itself (``g_l·min(C, u_l) ≤ F``)
has value ``g_l·x_l − F·y_l ≤ 0`` for every feasible ``(x_l, y_l)``, so dropping its flow never
lowers the objective and keeps every row feasible; such lanes are left out, and the optimum
(and any bound) of the reduced model is that of the full one.

HiGHS solves the root node (node limit 1; a caller with time to spare allows more nodes):
its cutting planes (flow covers, MIR) give the proven upper bound, and RINS, its sub-MIP
heuristic, the trucks. The shipped units are
relaxed to real numbers in the model (a relaxation, so the bound holds for integer units);
with the trucks fixed, the units are recomputed exactly by an integral min-cost flow
(:func:`flow_for_trucks`), which is at least as good as HiGHS's real-valued units. The work is
fixed by the node limit and HiGHS's own counted limits, so the answer does not depend on the
machine's load; a wall-clock limit only guards against a stalled solve. The objective is in
trucks (divided by F), which keeps the model well scaled (in satang, HiGHS had to repair a
postsolved solution on one province-trucks area, and printed a debug line on stdout).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.math_opt.python import mathopt
from ortools.math_opt.solvers import highs_pb2

from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.state import ProduceState

MIP_GAP = 0.01
"""HiGHS may stop its root heuristics once its own gap is this small (half the target)."""
SEARCH_GAP = 1e-4
"""Gap at which a search of more than one node stops."""
ITERATIONS_PER_MS = 6
"""HiGHS simplex iterations (root LPs, cuts and RINS) counted as one wall-clock millisecond of
the reference 2-core machine (measured on the province-trucks family: 2,300–3,500 iterations in
0.4–0.6 s per area), so the effort counted against the budget is deterministic."""
SAFETY = 1e-6
"""Relative margin added to HiGHS's floating-point bound so that it stays an upper bound."""
HEURISTICS_OFF = ("rens", "root_reduced_cost")
"""Root sub-MIP heuristics left out: on the province-trucks family RINS alone finds trucks
within 0.1 % of the optimum, RENS and the reduced-cost sub-MIP triple the time for no gain."""


@dataclass(frozen=True)
class MipTrucks:
    """Trucks per lane from HiGHS's best solution, its proven bound and the effort."""

    trucks: I64
    bound: float
    """Upper bound on Σ g·x − F·Σ y over integer solutions, in satang (rounded up)."""
    effort_ms: int
    stopped: bool
    """True when the wall-clock guard stopped HiGHS (the answer may then depend on load)."""


def is_plain(st: ProduceState, lanes: TierLanes) -> bool:
    """Only lot → order lanes, and no order still below its minimum lot."""
    if bool((lanes.s >= st.n_lots).any() or (lanes.d >= st.n_orders).any()):
        return False
    d = np.unique(lanes.d)
    need = st.order_min[d] - (st.order_qty[d] - st.order_rem[d])
    return not bool((need > 0).any())


def search_nodes(left_ms: float, kept: int) -> int:
    """Nodes a search may take in ``left_ms`` counted milliseconds on ``kept`` lanes (about
    :data:`ITERATIONS_PER_MS` simplex iterations a millisecond, ⌈lanes / 10⌉ + 10 a node)."""
    per_node = -(-max(1, kept) // 10) + 10
    return int(left_ms * ITERATIONS_PER_MS // per_node)


def paying(lanes: TierLanes, ub: I64, capacity: int, truck_cost: int) -> I64:
    """Lanes whose full truck pays for itself (the others are dropped, see the docstring)."""
    out: I64 = np.flatnonzero(lanes.gain * np.minimum(ub, capacity) > truck_cost).astype(np.int64)
    return out


def mip_trucks(
    st: ProduceState,
    lanes: TierLanes,
    ub: I64,
    capacity: int,
    truck_cost: int,
    wall_limit_s: float,
    nodes: int = 1,
) -> MipTrucks | None:
    """HiGHS's root node (or a search of a few nodes) on a plain component (see the module
    docstring).

    Args:
        st: The round's state (open quantities).
        lanes: The component's lanes (plain: :func:`is_plain`).
        ub: Units each lane can carry at most (both ends' open quantities).
        capacity: Truck capacity in units.
        truck_cost: Cost of one truck in satang (positive).
        wall_limit_s: Guard against a stalled solve (the work is bounded by the node limit).
        nodes: HiGHS's node limit (1: the root only).

    Returns:
        Trucks per lane (0 on dropped lanes), the bound and the effort; None when HiGHS is
        missing or returns no solution with a finite bound.
    """
    keep = paying(lanes, ub, capacity, truck_cost)
    trucks = np.zeros(lanes.size, np.int64)
    if keep.size == 0:
        return MipTrucks(trucks, 0.0, 0, False)
    model, y = _model(st, lanes.take(keep), ub[keep], capacity, truck_cost)
    hp = highs_pb2.HighsOptionsProto()
    for name in HEURISTICS_OFF:
        hp.bool_options[f"mip_heuristic_run_{name}"] = False
    params = mathopt.SolveParameters(
        node_limit=nodes,
        relative_gap_tolerance=MIP_GAP if nodes == 1 else SEARCH_GAP,
        time_limit=datetime.timedelta(seconds=wall_limit_s),
        highs=hp,
    )
    try:
        res = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    except (RuntimeError, ValueError, AttributeError):
        # HiGHS missing from this OR-Tools build (9.15 reports a solver error as an
        # AttributeError while translating it): CP-SAT takes the component.
        return None
    raw = res.termination.objective_bounds.dual_bound
    if not res.has_primal_feasible_solution() or not math.isfinite(raw):
        return None
    values = res.variable_values(y)
    trucks[keep] = np.rint(np.asarray(values, dtype=np.float64)).astype(np.int64)
    bound = raw * truck_cost
    bound = float(math.ceil(bound + SAFETY * max(1.0, abs(bound))))
    stopped = res.termination.limit == mathopt.Limit.TIME
    effort = int(res.solve_stats.simplex_iterations) // ITERATIONS_PER_MS
    return MipTrucks(trucks, bound, effort, stopped)


def _model(
    st: ProduceState, lanes: TierLanes, ub: I64, capacity: int, truck_cost: int
) -> tuple[mathopt.Model, list[mathopt.Variable]]:
    """The fixed-charge transport model in trucks (objective divided by F); returns y."""
    m = mathopt.Model(name="trucks")
    cap = np.minimum(ub, capacity).tolist()
    x = [m.add_variable(lb=0.0, ub=float(u)) for u in ub.tolist()]
    y = [m.add_integer_variable(lb=0.0, ub=float(-(-u // capacity))) for u in ub.tolist()]
    for xi, yi, ci in zip(x, y, cap, strict=True):
        m.add_linear_constraint(xi - ci * yi <= 0.0)
    order = np.argsort(lanes.s, kind="stable")
    s_sorted = lanes.s[order]
    for s, lo, hi in _runs(s_sorted):
        m.add_linear_constraint(mathopt.fast_sum(x[i] for i in order[lo:hi]) <= int(st.lot_rem[s]))
    for d, lo, hi in _runs(lanes.d):  # lanes are sorted by demand
        m.add_linear_constraint(mathopt.fast_sum(x[lo:hi]) <= int(st.order_rem[d]))
    unit = (lanes.gain / truck_cost).tolist()
    m.maximize(mathopt.fast_sum(u * xi - yi for u, xi, yi in zip(unit, x, y, strict=True)))
    return m, y


def _runs(keys: I64) -> list[tuple[int, int, int]]:
    """(key, start, end) of each run of equal keys in a sorted array."""
    if keys.size == 0:
        return []
    starts = np.flatnonzero(np.diff(keys)) + 1
    lo = np.concatenate([[0], starts]).tolist()
    hi = np.concatenate([starts, [keys.size]]).tolist()
    return [(int(keys[a]), a, b) for a, b in zip(lo, hi, strict=True)]


def flow_for_trucks(st: ProduceState, lanes: TierLanes, ub: I64, trucks: I64, capacity: int) -> I64:
    """The most valuable integer units on a plain component with the trucks fixed.

    A min-cost flow: source → lot (open quantity), lot → order (``min(C·y_l, u_l)`` at cost
    ``−g_l``), order → sink (open quantity) and a free source → sink bypass, so that units
    are shipped only where they gain. The transport polytope is integral, so the flow is the
    real-valued optimum for these trucks.
    """
    flow = np.zeros(lanes.size, np.int64)
    use = np.flatnonzero((trucks > 0) & (lanes.gain > 0))
    if use.size == 0:
        return flow
    lots, s_node = np.unique(lanes.s[use], return_inverse=True)
    ords, d_node = np.unique(lanes.d[use], return_inverse=True)
    n_l = lots.size
    src, snk = n_l + ords.size, n_l + ords.size + 1
    total = int(st.lot_rem[lots].sum())
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        s_node.astype(np.int64),
        (n_l + d_node).astype(np.int64),
        np.minimum(trucks[use] * capacity, ub[use]).astype(np.int64),
        (-lanes.gain[use]).astype(np.int64),
    )
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([np.full(n_l, src), n_l + np.arange(ords.size), [src]]).astype(np.int64),
        np.concatenate([np.arange(n_l), np.full(ords.size, snk), [snk]]).astype(np.int64),
        np.concatenate([st.lot_rem[lots], st.order_rem[ords], [total]]).astype(np.int64),
        np.zeros(n_l + ords.size + 1, np.int64),
    )
    smcf.set_node_supply(src, total)
    smcf.set_node_supply(snk, -total)
    if smcf.solve() != smcf.OPTIMAL:
        raise RuntimeError("truck flow: min-cost flow with fixed trucks did not solve")
    flow[use] = smcf.flows(arcs)
    return flow
