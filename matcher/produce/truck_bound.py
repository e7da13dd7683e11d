"""A second proven bound for the integer-truck model: SCIP's root node with cutting planes.

CP-SAT's bound on a fixed-charge transport model stays near the LP relaxation, where a
truck costs F/u per unit on a lane of bound u, so a lot split over several buyers pays
for a fraction of each truck. SCIP's root cuts (complemented MIR, Gomory, flow covers and
network cuts on the lot and order rows) close much of that gap in a fraction of a second.

The model here is the truck model of :mod:`matcher.produce.trucks` with the shipped units
relaxed to real numbers (a relaxation, so its bound is still valid): maximise
Σ gain_l·x_l − processing − F·Σ y_l subject to ``x_l ≤ min(C, u_l)·y_l``, the lot, order,
processor and minimum-lot rows. Only the root node is solved, with primal heuristics off
and a fixed number of separation rounds, so the work (and the bound) is the same on every
run; a wall-clock limit only guards against a stalled solve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.state import ProduceState

SEPARATION_ROUNDS = 10
"""Root separation rounds. On the province-trucks family (seeds 20250812, 1, 2) 10 rounds
with half of each component's time gave the smallest proven gaps; 20 cost CP-SAT more
search time than their tighter bound was worth."""
LP_ITERATIONS_PER_MS = 5
"""Simplex iterations (with their cuts) counted as one wall-clock millisecond of the reference
2-core machine (measured on the province-trucks family: 0.17–0.33 s per component root), so
the effort counted against the budget is deterministic and close to the real time."""
SAFETY = 1e-6
"""Relative margin added to SCIP's floating-point bound so that it stays an upper bound."""
HEURISTICS_OFF = (
    *("adaptivediving", "alns", "clique", "completesol", "crossover", "dins", "feaspump"),
    *("gins", "localbranching", "locks", "lpface", "mutation", "ofins", "padm", "rens"),
    *("rins", "shiftandpropagate", "trustregion", "undercover", "vbounds"),
)
"""Primal heuristics switched off: only the bound is wanted, CP-SAT finds the solutions."""


@dataclass(frozen=True)
class RootBound:
    """An upper bound on the truck model's optimum and the effort spent on it."""

    bound: float
    effort_ms: int


def root_bound(
    st: ProduceState,
    lanes: TierLanes,
    ub: I64,
    capacity: int,
    truck_cost: int,
    wall_limit_s: float,
) -> RootBound | None:
    """SCIP's root bound for one component's truck model, or None if SCIP gives none.

    Args:
        st: The round's state (open quantities, processors, minimum lots).
        lanes: The component's lanes.
        ub: Units each lane can carry at most (both ends' open quantities).
        capacity: Truck capacity in units.
        truck_cost: Cost of one truck in satang.
        wall_limit_s: Guard against a stalled solve (the work is bounded by rounds).

    Returns:
        The bound, rounded up with a safety margin, and the effort in milliseconds
        counted from the simplex iterations; None if SCIP is missing or has no bound, or
        a processor has a yield other than one (this model conserves units one for one).
    """
    if bool((st.proc_yield != 10_000).any()):
        return None
    solver = pywraplp.Solver.CreateSolver("SCIP")
    if solver is None:
        return None
    x = [solver.NumVar(0.0, float(u), "") for u in ub.tolist()]
    y = [solver.IntVar(0.0, float(-(-u // capacity)), "") for u in ub.tolist()]
    for i, u in enumerate(ub.tolist()):
        solver.Add(x[i] <= min(capacity, u) * y[i])
    _rows(solver, st, lanes, x)
    cost = np.zeros(lanes.size, np.int64)
    to_proc = lanes.d >= st.n_orders
    cost[to_proc] = st.proc_cost[lanes.d[to_proc] - st.n_orders]
    unit = (lanes.gain - cost).tolist()
    objective = solver.Objective()
    for i in range(lanes.size):
        objective.SetCoefficient(x[i], float(unit[i]))
        objective.SetCoefficient(y[i], -float(truck_cost))
    objective.SetMaximization()
    settings = [
        "limits/nodes = 1",
        f"separating/maxroundsroot = {SEPARATION_ROUNDS}",
        *(f"heuristics/{h}/freq = -1" for h in HEURISTICS_OFF),
    ]
    solver.SetSolverSpecificParametersAsString("\n".join(settings) + "\n")
    solver.SetTimeLimit(max(1, int(wall_limit_s * 1000)))
    code = solver.Solve()
    if code not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    raw = objective.BestBound()
    if not math.isfinite(raw):
        return None
    bound = math.ceil(raw + SAFETY * max(1.0, abs(raw)))
    return RootBound(float(bound), int(solver.iterations()) // LP_ITERATIONS_PER_MS)


def _rows(
    solver: pywraplp.Solver, st: ProduceState, lanes: TierLanes, x: list[pywraplp.Variable]
) -> None:
    """Lot, order (with minimum lots), and processor rows, as in the CP-SAT model."""
    for s in np.unique(lanes.s[lanes.s < st.n_lots]):
        idx = np.flatnonzero(lanes.s == s).tolist()
        solver.Add(solver.Sum([x[i] for i in idx]) <= int(st.lot_rem[s]))
    for d in np.unique(lanes.d[lanes.d < st.n_orders]):
        total = solver.Sum([x[i] for i in np.flatnonzero(lanes.d == d).tolist()])
        rem = int(st.order_rem[d])
        need = int(st.order_min[d]) - (st.orders[d].quantity - rem)
        solver.Add(total <= rem)
        if need > 0:
            z = solver.BoolVar("")
            solver.Add(total >= need * z)
            solver.Add(total <= rem * z)
    procs = np.unique(
        np.concatenate(
            [
                lanes.s[lanes.s >= st.n_lots] - st.n_lots,
                lanes.d[lanes.d >= st.n_orders] - st.n_orders,
            ]
        )
    )
    for p in procs.tolist():
        inflow = solver.Sum([x[i] for i in np.flatnonzero(lanes.d == p + st.n_orders).tolist()])
        outflow = solver.Sum([x[i] for i in np.flatnonzero(lanes.s == p + st.n_lots).tolist()])
        solver.Add(inflow == outflow)
        solver.Add(inflow <= int(st.proc_rem[p]))
