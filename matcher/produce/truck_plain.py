"""Plain truck components: which go to HiGHS, and how one is solved there.

A plain component (:func:`matcher.produce.truck_mip.is_plain`) goes to HiGHS's root
(:mod:`matcher.produce.truck_mip`) while the predicted work of the tier's plain components,
run :data:`MIP_THREADS` at a time, stays within :data:`MIP_OVERRUN` times the tier's share of
the limit (:func:`fitting`); the others go to CP-SAT (:mod:`matcher.produce.trucks`). The
units come from a min-cost flow with HiGHS's trucks fixed, or from a hint where that is worth
more; where the component's share is not spent, HiGHS searches again with as many nodes as
the rest allows (:func:`solve_plain`). Everything counted is deterministic: simplex
iterations and nodes, never the clock.
"""

from __future__ import annotations

import numpy as np

from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.state import ProduceState
from matcher.produce.truck_mip import flow_for_trucks, is_plain, mip_trucks, paying, search_nodes
from matcher.produce.truck_result import TruckOutcome, grade, truck_value
from matcher.results import SolveStatus

MIP_THREADS = 2
"""Plain components solved at the same time (HiGHS releases the GIL; the answers do not
depend on it)."""
MIP_GUARD = 20
MIP_GUARD_MIN_S = 10.0
"""HiGHS's wall-clock guard: this many times the component's share, at least this long."""
SEARCH_MIN_NODES = 2
SEARCH_GAP = 1e-4
"""HiGHS searches again (more than its root) when the share left allows at least this many
nodes (:func:`matcher.produce.truck_mip.search_nodes`) and the proven gap is above this
(0.01 %: not for the satang of the bound's rounding margin)."""
MIP_MS_PER_LANE = 1.8
"""Predicted HiGHS work per paying lane, in counted milliseconds (province-trucks family:
13,197 iterations on 1,266 paying lanes, at :data:`matcher.produce.truck_mip.ITERATIONS_PER_MS`)."""
MIP_OVERRUN = 2.0
"""How far HiGHS's predicted work may run past the tier's share of the limit (the prediction
is rough, and the solver keeps a tenth of the limit for each later tier, which the leftovers
seldom need: on the province-trucks family the areas get 1.12 s of 1.6 s and HiGHS's counted
makespan there is 1.21 s)."""
MIP_FLOOR_MS = 500.0
"""Predicted makespan a tier may always give HiGHS, whatever its share: a later tier's
leftovers are small, but the areas may have spent the limit (province-trucks seed 7: the
province tier got 50 ms, and CP-SAT proved 9.4 % overall instead of 0.9 %)."""
MIP_MAX_LANES = 5_000
"""Plain components up to this many lanes go to HiGHS's root (:mod:`matcher.produce.truck_mip`),
larger ones (and any with processors or minimum lots) to CP-SAT."""


def makespan(efforts: list[int], workers: int) -> int:
    """Counted wall time of efforts run in order, each on the first worker to be free."""
    loads = [0] * max(1, workers)
    for e in efforts:
        loads[loads.index(min(loads))] += e
    return max(loads)


def fitting(
    st: ProduceState,
    lanes: TierLanes,
    ub: I64,
    comps: list[I64],
    capacity: int,
    truck_cost: int,
    time_limit_s: float,
) -> list[int]:
    """Plain components for HiGHS, in order, while their predicted work fits the limit.

    HiGHS's root work is not cut to a time limit, so it is predicted from the paying lanes
    (:data:`MIP_MS_PER_LANE`); a component that would take the predicted makespan on
    :data:`MIP_THREADS` workers past :data:`MIP_OVERRUN` times the limit (and past
    :data:`MIP_FLOOR_MS`) goes to CP-SAT, whose limit is deterministic."""
    out: list[int] = []
    load = 0.0
    for k, sel in enumerate(comps):
        part = lanes.take(sel)
        if not goes_to_mip(st, part, truck_cost):
            continue
        pred = MIP_MS_PER_LANE * paying(part, ub[sel], capacity, truck_cost).size
        if (load + pred) / MIP_THREADS <= max(MIP_OVERRUN * time_limit_s * 1000, MIP_FLOOR_MS):
            out.append(k)
            load += pred
    return out


def goes_to_mip(st: ProduceState, lanes: TierLanes, truck_cost: int) -> bool:
    """Whether HiGHS can take the component (see :data:`MIP_MAX_LANES`)."""
    return truck_cost > 0 and 0 < lanes.size <= MIP_MAX_LANES and is_plain(st, lanes)


def solve_plain(
    st: ProduceState,
    lanes: TierLanes,
    ub: I64,
    capacity: int,
    truck_cost: int,
    time_limit_s: float,
    hints: tuple[I64, ...],
) -> TruckOutcome | None:
    """A plain component through HiGHS (:mod:`matcher.produce.truck_mip`).

    Args:
        st: The round's state (open quantities).
        lanes: The component's lanes (plain, see :func:`goes_to_mip`).
        ub: Units each lane can carry at most.
        capacity: Truck capacity in units.
        truck_cost: Cost of one truck in satang.
        time_limit_s: The component's share of the limit (reference seconds).
        hints: Valid flows (the flow answer, truck-aware) kept where they are worth more.

    Returns:
        HiGHS's trucks with exact integer units (or a better hint), HiGHS's proven bound
        (the smaller of root and search), the status graded by the gap, and the counted
        effort; None when HiGHS gives no answer (the caller then uses CP-SAT).
    """
    # HiGHS's work is fixed by its node limit; the wall-clock guard is wide so that it does
    # not cut a slow or loaded machine short (the result would then depend on the load).
    guard = max(MIP_GUARD * time_limit_s, MIP_GUARD_MIN_S)
    mip = mip_trucks(st, lanes, ub, capacity, truck_cost, guard)
    if mip is None:
        return None
    flows = [flow_for_trucks(st, lanes, ub, mip.trucks, capacity), *hints]
    values = [truck_value(lanes, f, capacity, truck_cost) for f in flows]
    k = int(np.argmax(values))  # the first of equal values: HiGHS's
    flow, best, bound, effort = flows[k], values[k], mip.bound, mip.effort_ms
    stopped = mip.stopped
    left_ms = time_limit_s * 1000 - effort
    kept = int(paying(lanes, ub, capacity, truck_cost).size)
    nodes = search_nodes(left_ms, kept)
    if grade(best, max(bound, best))[1] > SEARCH_GAP and nodes >= SEARCH_MIN_NODES:
        # Time left in the share (small components): HiGHS searches again, with that many
        # nodes; its answer is kept where it is worth more, the smaller bound in any case.
        more = mip_trucks(st, lanes, ub, capacity, truck_cost, guard, nodes)
        if more is not None:
            effort += more.effort_ms
            bound = min(bound, more.bound)
            stopped = mip.stopped or more.stopped
            again = flow_for_trucks(st, lanes, ub, more.trucks, capacity)
            if truck_value(lanes, again, capacity, truck_cost) > best:
                flow, best = again, truck_value(lanes, again, capacity, truck_cost)
    bound = max(bound, best)
    status, gap = grade(best, bound)
    if stopped and status is not SolveStatus.OPTIMAL:
        status = SolveStatus.TIME_LIMITED
    trucks = -(-flow // capacity)
    return TruckOutcome(flow, trucks, status, gap, effort, best, bound, stopped)
