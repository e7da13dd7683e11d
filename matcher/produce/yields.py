"""Processors with a yield other than one for one: a tier component solved exactly by CP-SAT.

A processor p with yield y_p (output units per 10,000 input units) turns the tier's
transshipment into a *generalised* flow, which a min-cost flow cannot express. A tier's
lanes split into parts that share no node: one per network and *product group* (products
joined by some processor's input and output, :func:`product_groups`). The parts holding a
processor whose yield is not one are solved as an integer program; every other part keeps
the min-cost flow of :mod:`matcher.produce.flow` unchanged (a round whose processors all
have yield one never reaches CP-SAT, so its answer is byte-identical to before). Each
CP-SAT part starts from a full solution, the min-cost flow of the part without the lanes of
those processors, and keeps it when nothing better is found in time.

Variables: units x_l ∈ [0, u_l] on each lane; under ``maxmin``/``proportional`` the K
segment units σ_{s,k} ∈ [0, cap_{s,k}] of each lot (:func:`matcher.produce.flow.segment_caps`).
Rows:

* lot s:        Σ_{l out of s} x_l ≤ open(s);  Σ_k σ_{s,k} = Σ_{l: s → order} x_l
* order d:      Σ_{l into d} x_l ≤ open(d)
* processor p:  in_p = Σ_{l into p} x_l ≤ open capacity(p) (input units),
                out_p = Σ_{l out of p} x_l,
                10,000·out_p ≤ y_p·in_p ≤ 10,000·out_p + 9,999, i.e. out_p = ⌊in_p·y_p / 10,000⌋

The stages are solved one after another, each on the optimum of the one before, as the
flow's weights order them (issue 15): (1) the fairness step score Σ (K − k)·σ_{s,k}
(skipped under ``coverage``); (2) gains from trade Σ gain_l·x_l − Σ_p cost_p·out_p
(processing is paid per output unit); (3) older stock first, min Σ_s age_s·sold_s. A stage
proven optimal is fixed at its value; one that is only feasible is kept at least at its
value and the part is ``feasible``; one with no solution in time leaves the previous
stage's answer (the starting solution before the first) and the part is ``time_limited``.
CP-SAT runs on one worker with a deterministic time limit, so the answer does not depend on
the machine's load (a wall-clock guard only stops a stalled solve).
"""

from __future__ import annotations

import numpy as np
from ortools.sat.python import cp_model

from matcher.produce.distance import I64, Bool
from matcher.produce.flow import FlowOutcome, segment_caps, solve_tier_flow
from matcher.produce.lanes import TierLanes
from matcher.produce.model import YIELD_ONE_BPS
from matcher.produce.state import ProduceState
from matcher.results import CP_SAT_DET_PER_SECOND as DET_PER_SECOND
from matcher.results import FairnessPolicy, SolveStatus

GUARD = 10
GUARD_MIN_S = 2.0
"""Wall-clock guard of each CP-SAT solve: this many times its deterministic limit, at least
this long (it only stops a stalled solve)."""
_RANK = [SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIME_LIMITED]


def any_yield(st: ProduceState) -> bool:
    """Whether some processor of the round converts other than one unit for one."""
    return bool((st.proc_yield != YIELD_ONE_BPS).any())


def supply_caps(st: ProduceState) -> I64:
    """Open units of each supply node: a lot's open quantity, a processor's output from
    its open input capacity (rounded down)."""
    out: I64 = np.concatenate([st.lot_rem, st.proc_rem * st.proc_yield // YIELD_ONE_BPS])
    return out


def product_groups(st: ProduceState) -> I64:
    """A group id per product: products joined by some processor (its input and output)
    share a group. Lanes of different groups share no node, so they are solved apart.

    Union-find over the processors' (input, output) product pairs; the id is the smallest
    product index of the group.
    """
    parent = list(range(len(st.products)))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    ins = st.d_prod[st.n_orders :].tolist()
    outs = st.s_prod[st.n_lots :].tolist()
    for a, b in zip(ins, outs, strict=True):
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    out: I64 = np.array([root(a) for a in range(len(parent))], dtype=np.int64)
    return out


def odd_lanes(st: ProduceState, lanes: TierLanes) -> Bool:
    """Lanes into or out of a processor whose yield is not one."""
    odd = np.flatnonzero(st.proc_yield != YIELD_ONE_BPS)
    touch: Bool = np.isin(lanes.s - st.n_lots, odd) & (lanes.s >= st.n_lots)
    touch |= np.isin(lanes.d - st.n_orders, odd) & (lanes.d >= st.n_orders)
    return touch


def yield_keys(st: ProduceState, lanes: TierLanes) -> tuple[I64, Bool]:
    """Per lane its (component, product group) key, and which lanes lie in a key that holds
    a processor whose yield is not one (they go to CP-SAT; the others to the flow)."""
    key: I64 = lanes.comp * len(st.products) + product_groups(st)[st.s_prod[lanes.s]]
    mask: Bool = np.isin(key, np.unique(key[odd_lanes(st, lanes)]))
    return key, mask


def solve_tier(
    st: ProduceState, lanes: TierLanes, policy: FairnessPolicy, steps: int, limit_s: float
) -> FlowOutcome:
    """The tier's units on every lane: the min-cost flow, except on the (network, product
    group) parts holding a processor with a yield other than one (CP-SAT, see the module
    docstring), which share ``limit_s`` in proportion to their lanes."""
    if st.n_procs == 0 or lanes.size == 0 or not any_yield(st):
        return solve_tier_flow(st, lanes, policy, steps)
    key, mask = yield_keys(st, lanes)
    if not mask.any():
        return solve_tier_flow(st, lanes, policy, steps)
    flow = np.zeros(lanes.size, np.int64)
    rest = np.flatnonzero(~mask)
    plain = solve_tier_flow(st, lanes.take(rest), policy, steps)
    flow[rest] = plain.flow
    status = plain.status
    picked = np.flatnonzero(mask)
    for c in np.unique(key[picked]).tolist():
        sel = np.flatnonzero(key == c)
        share = max(limit_s * sel.size / picked.size, 0.05)
        sub = lanes.take(sel)
        # A full solution to start from: the flow without the odd processors' lanes.
        hint = np.zeros(sub.size, np.int64)
        keep = np.flatnonzero(~odd_lanes(st, sub))
        hint[keep] = solve_tier_flow(st, sub.take(keep), policy, steps).flow
        got, st_c = solve_component(st, sub, policy, steps, share, hint)
        flow[sel] = got
        if _RANK.index(st_c) > _RANK.index(status):
            status = st_c
    return FlowOutcome(flow, status, plain.reduced)


class _Model:
    """One component's CP-SAT model: lane units, segments and the three stage objectives."""

    def __init__(
        self, st: ProduceState, lanes: TierLanes, policy: FairnessPolicy, steps: int, hint: I64
    ) -> None:
        self.m = m = cp_model.CpModel()
        demand = np.concatenate([st.order_rem, st.proc_rem])
        ub = np.minimum(supply_caps(st)[lanes.s], demand[lanes.d])
        self.x = [m.new_int_var(0, int(u), f"x{i}") for i, u in enumerate(ub.tolist())]
        self.segs: list[cp_model.IntVar] = []
        self.seg_hint: list[int] = []
        x = self.x
        is_lot, to_order = lanes.s < st.n_lots, lanes.d < st.n_orders
        self.score: cp_model.LinearExprT = 0
        k = steps if policy is not FairnessPolicy.COVERAGE else 0
        age_terms = []
        for s in np.unique(lanes.s[is_lot]).tolist():
            out = np.flatnonzero(lanes.s == s)
            sold = cp_model.LinearExpr.sum([x[i] for i in out.tolist()])
            m.add(sold <= int(st.lot_rem[s]))
            age_terms.append(int(st.s_age[s]) * sold)
            if k:
                direct = cp_model.LinearExpr.sum([x[i] for i in out[to_order[out]].tolist()])
                qty, rem = st.lot_qty[s : s + 1], st.lot_rem[s : s + 1]
                caps = segment_caps(qty, qty - rem, k)[0].tolist()
                seg = [m.new_int_var(0, int(c), f"seg{s}_{j}") for j, c in enumerate(caps)]
                self.segs += seg
                # The hint's direct units fill the segments in order, as an optimum does.
                left = int(hint[out[to_order[out]]].sum())
                for c in caps:
                    self.seg_hint.append(min(int(c), left))
                    left -= self.seg_hint[-1]
                m.add(cp_model.LinearExpr.sum(seg) == direct)
                self.score += cp_model.LinearExpr.weighted_sum(seg, [k - j for j in range(k)])
        self.fair = bool(k)
        for d in np.unique(lanes.d[to_order]).tolist():
            into = np.flatnonzero(lanes.d == d).tolist()
            m.add(cp_model.LinearExpr.sum([x[i] for i in into]) <= int(st.order_rem[d]))
        cost_terms = []
        procs = np.unique(
            np.concatenate([lanes.s[~is_lot] - st.n_lots, lanes.d[~to_order] - st.n_orders])
        )
        for p in procs.tolist():
            inflow = cp_model.LinearExpr.sum(
                [x[i] for i in np.flatnonzero(lanes.d == p + st.n_orders).tolist()]
            )
            outflow = cp_model.LinearExpr.sum(
                [x[i] for i in np.flatnonzero(lanes.s == p + st.n_lots).tolist()]
            )
            y = int(st.proc_yield[p])
            m.add(inflow <= int(st.proc_rem[p]))
            m.add(YIELD_ONE_BPS * outflow <= y * inflow)
            m.add(y * inflow <= YIELD_ONE_BPS * outflow + YIELD_ONE_BPS - 1)
            cost_terms.append(int(st.proc_cost[p]) * outflow)
        self.gains = cp_model.LinearExpr.weighted_sum(x, lanes.gain.tolist()) - sum(cost_terms)
        self.age = sum(age_terms)


def solve_component(
    st: ProduceState,
    lanes: TierLanes,
    policy: FairnessPolicy,
    steps: int,
    limit_s: float,
    hint: I64 | None = None,
) -> tuple[I64, SolveStatus]:
    """Units on each lane of one component and its status (see the module docstring).

    ``hint``: units per lane of a feasible answer (none: zero units), kept when CP-SAT finds
    nothing better in time."""
    start = np.zeros(lanes.size, np.int64) if hint is None else hint
    model = _Model(st, lanes, policy, steps, start)
    m = model.m
    x = model.x + model.segs  # every variable is hinted: a full solution
    best = np.concatenate([start, np.array(model.seg_hint, np.int64)])
    status = SolveStatus.OPTIMAL
    stages: list[tuple[cp_model.LinearExprT, bool]] = []
    if model.fair:
        stages.append((model.score, True))
    stages += [(model.gains, True), (model.age, False)]
    per_stage = limit_s / len(stages)
    for expr, maximise in stages:
        if isinstance(expr, int):
            continue  # no term at all (no lot, or no lane): nothing to decide
        if maximise:
            m.maximize(expr)
        else:
            m.minimize(expr)
        m.clear_hints()  # type: ignore[no-untyped-call]
        for v, h in zip(x, best.tolist(), strict=True):
            m.add_hint(v, h)
        solver = _solver(per_stage)
        code = solver.solve(m)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # INFEASIBLE cannot happen (the start satisfies every row); UNKNOWN: out of
            # time; MODEL_INVALID: terms beyond int64 (quantities and prices near their
            # limits): the answer so far stands, unproven.
            return best[: lanes.size], SolveStatus.TIME_LIMITED
        best = np.array([solver.value(v) for v in x], dtype=np.int64)
        value = int(solver.value(expr))  # exact in integers (the float objective may round)
        if code == cp_model.OPTIMAL:
            m.add(expr == value)
        else:
            status = SolveStatus.FEASIBLE if status is SolveStatus.OPTIMAL else status
            m.add(expr >= value if maximise else expr <= value)
    return best[: lanes.size], status


def _solver(limit_s: float) -> cp_model.CpSolver:
    """One worker, a deterministic limit (seconds of the reference machine), no gap: an
    optimum is only reported when proven."""
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = max(limit_s, 0.01) * DET_PER_SECOND
    solver.parameters.max_time_in_seconds = max(GUARD * limit_s, GUARD_MIN_S)
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.relative_gap_limit = 0.0
    solver.parameters.absolute_gap_limit = 0.0
    return solver
