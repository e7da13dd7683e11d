"""One min-cost flow per tier (no truck integrality); every network is a disjoint component.

Graph (capacities in base units)::

    S ─▶ hub(lot) ═▶ lot_d ─▶ order ─▶ T           (and S ─▶ T for what stays unsold)
            └──────────────▶ pin(proc) ─▶ pout(proc) ─▶ order / pin(next proc)

* ``S → hub``: the lot's open quantity; unit cost = the lot's expiry rank, so older stock
  ships first when all else is equal.
* ``hub ⇒ lot_d``: under ``maxmin``/``proportional``, K parallel *segment* arcs; segment k
  covers the lot's sold share ((k−1)/K, k/K] at unit cost −(K+1−k)·M. M exceeds what any
  exchange, along a path of any length, can change in gains and age
  (:func:`cycle_gain_bound`), so the step score is maximised exactly before gains decide
  (the smallest share sold is within one step 1/K of the max-min share); where that M
  would overflow int64 the stages are solved one after another
  (:mod:`matcher.produce.staged`). Under ``coverage`` one arc, cost 0.
  See docs/produce-guarantees.md.
* lanes: unit cost −gain·G (G = expiry ranks + 1, so gain dominates age).
* ``pin → pout``: the processor's remaining capacity at its processing cost × G; flow in
  equals flow out (transshipment, upstream → midstream → downstream).
* ``order → T``: the order's open quantity.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.produce import staged
from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.state import ProduceState
from matcher.results import FairnessPolicy, SolveStatus

COST_BUDGET = 2**61
LOCALITY_ARCS = 100_000
"""From this many arcs on, nodes are renumbered by latitude before the solve."""


class FlowSolverError(RuntimeError):
    """The flow solver reported a status a valid model cannot produce."""


@dataclass(frozen=True)
class FlowOutcome:
    """Flow on each lane, the solver's status and whether resolution was reduced."""

    flow: I64
    status: SolveStatus
    reduced: bool


def segment_caps(quantity: I64, sold: I64, steps: int) -> I64:
    """Open capacity of each of K ratio segments, shape (lots, K).

    >>> segment_caps(np.array([10]), np.array([3]), 4).tolist()
    [[0, 2, 3, 2]]
    """
    k = np.arange(steps + 1, dtype=np.int64)[None, :]
    bounds = -((-quantity[:, None] * k) // steps)
    lower = np.maximum(bounds[:, :-1], sold[:, None])
    caps: I64 = np.maximum(bounds[:, 1:] - lower, 0).astype(np.int64)
    return caps


def solve_tier_flow(
    st: ProduceState, lanes: TierLanes, policy: FairnessPolicy, steps: int
) -> FlowOutcome:
    """Solve the tier's min-cost flow and return the flow on every lane.

    Components share no node but S and T, so each is solved on its own (smaller graphs,
    smaller cost ranges); the answer is the same as one solve over all of them. OR-Tools'
    solve holds the GIL (9.15), so the components are solved one after another.
    """
    if lanes.size == 0:
        return FlowOutcome(np.zeros(0, np.int64), SolveStatus.OPTIMAL, False)
    ends = _Ends(st)
    if lanes.comp[0] == lanes.comp[-1] and (lanes.comp == lanes.comp[0]).all():
        return _solve_component(st, lanes, policy, steps, ends)
    flow = np.zeros(lanes.size, np.int64)
    status, reduced = SolveStatus.OPTIMAL, False
    # A stable sort keeps each component's lanes in their order: one take, then slices.
    order = np.argsort(lanes.comp, kind="stable")
    by_comp = lanes.take(order)
    starts = np.flatnonzero(np.r_[True, by_comp.comp[1:] != by_comp.comp[:-1]])
    bounds = [*starts.tolist(), lanes.size]
    for a, b in pairwise(bounds):
        out = _solve_component(st, by_comp.take(slice(a, b)), policy, steps, ends)
        flow[order[a:b]] = out.flow
        reduced |= out.reduced
        if out.status is not SolveStatus.OPTIMAL:
            status = out.status
    return FlowOutcome(flow, status, reduced)


class _Ends:
    """What every component of a tier reads from the state, built once per tier: open
    quantity by supply node (lots, then processors) and by demand node (orders, then
    processors), and the largest processing cost."""

    def __init__(self, st: ProduceState) -> None:
        self.rem_s: I64 = np.concatenate([st.lot_rem, st.proc_rem])
        self.rem_d: I64 = np.concatenate([st.order_rem, st.proc_rem])
        self.max_proc_cost = int(st.proc_cost.max(initial=0))


def _solve_component(
    st: ProduceState, lanes: TierLanes, policy: FairnessPolicy, steps: int, ends: _Ends
) -> FlowOutcome:
    """One component's min-cost flow."""
    lots = np.unique(lanes.s[lanes.s < st.n_lots])
    total = int(st.lot_rem[lots].sum())
    n_age = int(st.s_age[lots].max()) + 1 if lots.size else 1
    k = steps if policy is not FairnessPolicy.COVERAGE else 0
    direct = bool(((lanes.s < st.n_lots) & (lanes.d < st.n_orders)).all())
    if k:
        span = cycle_gain_bound(lanes.d, lanes.gain, direct, ends.max_proc_cost * st.n_procs)
    else:
        # No segments: only the age tie-break's G is at stake, against one lane's cost.
        span = (int(np.abs(lanes.gain).max()) + ends.max_proc_cost) * (st.n_procs + 1)
    k_res, g_res, m, reduced = resolution(k, n_age, total, span)
    graph = _Graph(st, lanes, lots, ends)
    if reduced and k:
        # The exact weights do not fit in int64: solve the stages one after another.
        flow, status = graph.solve_staged(k, n_age)
        return FlowOutcome(flow, status, False)
    flow, status = graph.solve(k_res, m if k_res else 0, g_res, g_res > 1)
    return FlowOutcome(flow, status, reduced)


def cycle_gain_bound(head: I64, gain: I64, direct: bool, processing: int) -> int:
    """The most that one simple cycle of the residual graph can change Σ gain by.

    A simple cycle passes each demand node (order or processor) at most once, so it uses at
    most two lanes into it: one forward, one backward. With direct lanes only (all gains
    positive) their difference is at most the node's largest gain; otherwise each may be
    the largest |gain|, twice over, and each processor's cost may be passed once. Summed
    over the demand nodes: ``direct``·Σ_d max gain + (not direct)·2·Σ_d max |gain| +
    ``processing`` bounds every exchange, however long its path (issue 15).

    ``head`` must list each demand node's lanes together (lanes come sorted by demand).

    >>> cycle_gain_bound(np.array([0, 0, 1]), np.array([5, 9, 4]), True, 0)
    13
    >>> cycle_gain_bound(np.array([0, 0, 1]), np.array([5, -9, 4]), False, 7)
    33
    """
    if head.size == 0:
        return 0
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]])
    top = np.maximum.reduceat(np.abs(gain), starts)
    return int(top.sum()) * (1 if direct else 2) + processing


def resolution(k: int, n_age: int, total: int, span: int) -> tuple[int, int, int, bool]:
    """The fairness steps K, age ranks G and segment unit M that keep costs in budget.

    M = (span + 1)·G + G exceeds the largest change in G·gain + age that one simple cycle of
    the residual graph can make (``span``: :func:`cycle_gain_bound`; a cycle passes S once,
    so its age change is below G). A cycle that raises the fairness score Φ by one unit
    therefore always pays, so the min-cost flow maximises Φ exactly, then gains, then
    minimises age: the three stages are lexicographic, not traded against each other. While
    (K + 1)·M·total exceeds :data:`COST_BUDGET`, K is halved down to 1, then ages are
    dropped (G = 1), then the segments (K = 0: plain coverage, which always fits).

    Returns:
        (K, G, M, whether the resolution was reduced).

    >>> resolution(20, 3, 100, 50)
    (20, 3, 156, False)
    >>> resolution(4, 2, 2**60, 1)
    (0, 1, 3, True)
    """
    reduced = False
    while True:
        g = n_age
        m = (span + 1) * g + g
        if (k + 1) * m * max(total, 1) <= COST_BUDGET or (k == 0 and g == 1):
            return k, n_age, m, reduced
        reduced = True
        if k > 1:
            k //= 2
        elif n_age > 1:
            n_age = 1
        else:
            k = 0


class _Graph:
    """Node numbering and arc arrays of one tier's flow network."""

    def __init__(self, st: ProduceState, lanes: TierLanes, lots: I64, ends: _Ends) -> None:
        self.st, self.lanes, self.lots, self.ends = st, lanes, lots, ends
        self.procs = (
            np.unique(
                np.concatenate(
                    [
                        lanes.s[lanes.s >= st.n_lots] - st.n_lots,
                        lanes.d[lanes.d >= st.n_orders] - st.n_orders,
                    ]
                )
            )
            if st.n_procs
            else np.zeros(0, np.int64)
        )
        self.orders = np.unique(lanes.d[lanes.d < st.n_orders])
        self.parts: list[tuple[I64, I64, I64, I64]] = []

    def arcs(self, tails: I64, heads: I64, caps: I64, costs: I64 | int) -> tuple[int, int]:
        start = sum(p[0].size for p in self.parts)
        if isinstance(costs, int):
            cost = np.full(tails.shape, costs, dtype=np.int64)
        else:
            cost = np.asarray(costs, dtype=np.int64)
        self.parts.append(
            (
                np.asarray(tails, dtype=np.int64),
                np.asarray(heads, dtype=np.int64),
                np.asarray(caps, dtype=np.int64),
                cost,
            )
        )
        return start, start + tails.size

    def solve(self, k: int, m: int, g: int, use_age: bool) -> tuple[I64, SolveStatus]:
        """One weighted min-cost flow: segments at −(K + 1 − k)·M, lanes at −gain·G."""
        n_nodes, total, span = self._build(k, m, g, use_age)
        return self._run(k, n_nodes, total, span)

    def solve_staged(self, k: int, g: int) -> tuple[I64, SolveStatus]:
        """Fairness alone, then gains and age on its optimal face (:mod:`staged`)."""
        n_nodes, total, span = self._build(k, 1, 0, False)
        tails, heads, caps, cost1 = (np.concatenate([p[i] for p in self.parts]) for i in range(4))
        self.parts = []
        self._build(k, 0, g, g > 1)
        cost2 = np.concatenate([p[3] for p in self.parts])
        supplies = np.zeros(n_nodes, np.int64)
        supplies[0], supplies[1] = total, -total
        f1, s1 = self._flow(k, n_nodes, (tails, heads, caps, cost1), supplies)
        open_caps, fixed = staged.optimal_face(n_nodes, tails, heads, caps, cost1, f1)
        supplies += staged.fixed_supplies(n_nodes, tails, heads, fixed)
        f2, s2 = self._flow(k, n_nodes, (tails, heads, open_caps, cost2), supplies)
        worst = s1 if s1 is not SolveStatus.OPTIMAL else s2
        lane_flow: I64 = (f2 + fixed)[span[0] : span[1]]
        return lane_flow, worst

    def _build(self, k: int, m: int, g: int, use_age: bool) -> tuple[int, int, tuple[int, int]]:
        """The arcs into ``parts``; returns (nodes, units, the lanes' arc range)."""
        st, ln = self.st, self.lanes
        nl, npr, no = self.lots.size, self.procs.size, self.orders.size
        hub = 2 + np.arange(nl)
        lot_d = hub + nl if k else hub
        base = 2 + (2 * nl if k else nl)
        pin, pout = base + np.arange(npr), base + npr + np.arange(npr)
        onode = base + 2 * npr + np.arange(no)
        rem = st.lot_rem[self.lots]
        total = int(rem.sum())
        age = st.s_age[self.lots] if use_age else np.zeros(nl, np.int64)
        self.arcs(np.zeros(nl, np.int64), hub, rem, age)
        if k:
            qty = st.lot_qty[self.lots]
            caps = segment_caps(qty, qty - rem, k)
            rows, cols = np.nonzero(caps > 0)
            self.arcs(hub[rows], lot_d[rows], caps[rows, cols], -(k - cols) * m)
        self.arcs(pin, pout, st.proc_rem[self.procs], st.proc_cost[self.procs] * g)
        self.arcs(onode, np.ones(no, np.int64), st.order_rem[self.orders], 0)
        is_lot, to_order = ln.s < st.n_lots, ln.d < st.n_orders
        li = np.searchsorted(self.lots, np.where(is_lot, ln.s, 0))
        pi_s = np.searchsorted(self.procs, np.where(is_lot, 0, ln.s - st.n_lots))
        tail = np.where(is_lot, np.where(to_order, _at(lot_d, li), _at(hub, li)), _at(pout, pi_s))
        oi = np.searchsorted(self.orders, np.where(to_order, ln.d, 0))
        pi_d = np.searchsorted(self.procs, np.where(to_order, 0, ln.d - st.n_orders))
        head = np.where(to_order, _at(onode, oi), _at(pin, pi_d))
        # A lane carries at most what both ends still have (tight bounds speed the solver).
        rem_s, rem_d = self.ends.rem_s[ln.s], self.ends.rem_d[ln.d]
        span = self.arcs(tail, head, np.minimum(rem_s, rem_d), -ln.gain * g)
        self.arcs(np.zeros(1, np.int64), np.ones(1, np.int64), np.array([total]), 0)
        return int(onode[-1]) + 1 if no else base + 2 * npr, total, span

    def _node_key(self, k: int) -> I64:
        """Latitude of every node's coop (S and T first), in node order."""
        st, lat = self.st, self.st.dist.lat
        key: I64 = np.concatenate(
            [
                np.full(2, np.iinfo(np.int64).min),
                np.tile(lat[st.s_coop[self.lots]], 2 if k else 1),
                np.tile(lat[st.s_coop[st.n_lots + self.procs]], 2),
                lat[st.d_coop[self.orders]],
            ]
        )
        return key

    def _run(
        self, k: int, n_nodes: int, total: int, span: tuple[int, int]
    ) -> tuple[I64, SolveStatus]:
        """Solve; on large graphs nodes are numbered by latitude (:meth:`_node_key`).

        Push-relabel walks arcs between nearby coops, so numbering nodes by latitude keeps
        its memory accesses local (same optimum, about a third faster on a national tier).
        """
        arcs = tuple(np.concatenate([p[i] for p in self.parts]) for i in range(4))
        supplies = np.zeros(n_nodes, dtype=np.int64)
        supplies[0], supplies[1] = total, -total
        flows, status = self._flow(k, n_nodes, arcs, supplies)
        lane_flow: I64 = flows[span[0] : span[1]]
        return lane_flow, status

    def _flow(
        self, k: int, n_nodes: int, arcs: tuple[I64, ...], supplies: I64
    ) -> tuple[I64, SolveStatus]:
        """The flow on every arc of ``arcs`` (tails, heads, capacities, costs)."""
        smcf = min_cost_flow.SimpleMinCostFlow()
        tails, heads, caps, costs = arcs
        if tails.size >= LOCALITY_ARCS:
            new_id = np.empty(n_nodes, dtype=np.int64)
            new_id[np.argsort(self._node_key(k), kind="stable")] = np.arange(n_nodes)
            tails, heads = new_id[tails], new_id[heads]
            renumbered = np.zeros(n_nodes, np.int64)
            renumbered[new_id] = supplies
            supplies = renumbered
        idx = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
        status = _map_status(smcf, smcf.solve())
        flows: I64 = smcf.flows(idx).astype(np.int64)
        return flows, status


def _at(nodes: I64, idx: I64) -> I64:
    """``nodes[idx]`` that tolerates an empty or short array (masked out by the caller)."""
    if nodes.size == 0:
        return np.zeros(idx.shape, np.int64)
    out: I64 = nodes[np.minimum(idx, nodes.size - 1)]
    return out


def _map_status(smcf: min_cost_flow.SimpleMinCostFlow, code: int) -> SolveStatus:
    """Every min-cost-flow status, mapped explicitly."""
    if code == smcf.OPTIMAL:
        return SolveStatus.OPTIMAL
    if code == smcf.FEASIBLE:
        return SolveStatus.FEASIBLE
    if code in (smcf.INFEASIBLE, smcf.UNBALANCED):
        raise FlowSolverError("min-cost flow is infeasible although S → T absorbs every unit")
    raise FlowSolverError(f"min-cost flow ended with status {code!r} (bad range or result)")
