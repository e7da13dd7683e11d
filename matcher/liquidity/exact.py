"""Exact CP-SAT solve of one component when the flow breaks an integer rule.

The flow relaxation ignores two rules: a need is filled not at all or at least up to its
minimum useful amount, and a need may be split over at most k lenders. When the flow answer
breaks either inside a component, that component is solved again here, exactly, with the same
priorities applied as lexicographic stages:

1. maximise Σ urgency·fill;
2. holding 1, maximise the fairness score Σ (2(K−k)+1)·s[n,k] (as the flow does);
3. holding 2, minimise Σ rate_rank·lent;
4. holding 3, minimise the number of loans.

A repaired flow answer (violating needs dropped) is the hint and the fallback, so the result
is always valid; a stage stopped by the time limit keeps its best answer and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from matcher.liquidity.flow import band_weights, segment_bounds
from matcher.liquidity.state import I64, UNLIMITED, LiquidityState, unique_sorted
from matcher.results import CP_SAT_DET_PER_SECOND, FairnessPolicy, SolveStatus

OBJECTIVE_BOUND = 2**60

Expr = Any
"""A CP-SAT linear expression (or the constant 0 when a stage has no terms)."""


@dataclass(frozen=True)
class ExactOutcome:
    """Flow per pair of the component and how the stages ended."""

    pair_flow: I64
    status: SolveStatus


def violations(state: LiquidityState, pn: I64, flow: I64) -> I64:
    """Needs (indices) whose new fill breaks the minimum amount or the lender count."""
    lent = np.flatnonzero(flow)
    fill, count = _fill_and_count(state, pn[lent], flow[lent])
    fresh = state.need_filled == 0
    below = fresh & (fill > 0) & (fill < state.need_min)
    too_many = state.need_lenders + count > state.max_lenders[state.need_borrower]
    return np.flatnonzero(below | too_many).astype(np.int64)


def _fill_and_count(state: LiquidityState, pn: I64, x: I64) -> tuple[I64, I64]:
    """New fill and number of new loans of each need, from loans ``x`` > 0 to needs ``pn``."""
    fill = np.zeros(len(state.need_ids), dtype=np.int64)
    count = np.zeros(len(state.need_ids), dtype=np.int64)
    np.add.at(fill, pn, x)
    np.add.at(count, pn, 1)
    return fill, count


def repair(state: LiquidityState, po: I64, pn: I64, flow: I64) -> I64:
    """Drop flow until no need breaks an integer rule (keeps each need's largest loans)."""
    flow = flow.copy()
    allowed = state.max_lenders[state.need_borrower] - state.need_lenders
    is_bad = np.zeros(len(state.need_ids), dtype=np.bool_)
    while True:
        bad = violations(state, pn, flow)
        if bad.size == 0:
            return flow
        is_bad[:] = False
        is_bad[bad] = True
        lent = np.flatnonzero(flow)
        hit = lent[is_bad[pn[lent]]]
        # Rank each bad need's loans by size (largest first, ties by offer) and cut the tail.
        order = hit[np.lexsort((po[hit], -flow[hit], pn[hit]))]
        group_start = np.searchsorted(pn[order], pn[order], side="left")
        rank = np.arange(order.size) - group_start
        flow[order[rank >= allowed[pn[order]]]] = 0
        lent = np.flatnonzero(flow)
        kept, _ = _fill_and_count(state, pn[lent], flow[lent])
        below = (state.need_filled == 0) & (kept > 0) & (kept < state.need_min)
        flow[lent[below[pn[lent]]]] = 0


def solve_component_exact(
    state: LiquidityState,
    po: I64,
    pn: I64,
    ranks: I64,
    flow_hint: I64,
    policy: FairnessPolicy,
    steps: int,
    seconds: float,
) -> ExactOutcome:
    """Solve one component exactly; ``po``/``pn`` are its pairs, ``ranks`` rate ranks."""
    hint = repair(state, po, pn, flow_hint)
    model = _Model(state, po, pn, ranks, policy, steps)
    model.hint(hint)
    stages = model.stages()
    status = SolveStatus.OPTIMAL
    best = hint
    per_stage = max(seconds / len(stages), 0.01)
    for sense, expr in stages:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = per_stage * CP_SAT_DET_PER_SECOND
        solver.parameters.max_time_in_seconds = 2 * per_stage
        if sense > 0:
            model.cp.maximize(expr)
        else:
            model.cp.minimize(expr)
        result = solver.solve(model.cp)
        if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # UNKNOWN (time) keeps the last valid answer; INFEASIBLE/MODEL_INVALID cannot
            # happen because the hint is feasible, but are treated the same way.
            status = SolveStatus.TIME_LIMITED
            break
        if result == cp_model.FEASIBLE:
            status = SolveStatus.TIME_LIMITED
        value = round(solver.objective_value)
        best = np.array([solver.value(v) for v in model.x], dtype=np.int64)
        model.fix(sense, expr, value)
        model.hint(best)
    if model.cost_scaled and status is SolveStatus.OPTIMAL:
        status = SolveStatus.FEASIBLE
    return ExactOutcome(best, status)


class _Model:
    """The CP-SAT model of one component."""

    def __init__(
        self,
        state: LiquidityState,
        po: I64,
        pn: I64,
        ranks: I64,
        policy: FairnessPolicy,
        steps: int,
    ) -> None:
        self.cp = cp_model.CpModel()
        self.cost_scaled = False
        self.state, self.po, self.pn = state, po, pn
        rem = state.need_rem()
        b = state.need_borrower[pn]
        ub = np.minimum.reduce(
            [state.off_rem[po], rem[pn], state.lend_rem[state.off_lender[po]], state.borrow_rem[b]]
        )
        self.x = [self.cp.new_int_var(0, int(u), f"x{i}") for i, u in enumerate(ub.tolist())]
        self.z = [self.cp.new_bool_var(f"z{i}") for i in range(po.size)]
        for xi, zi, u in zip(self.x, self.z, ub.tolist(), strict=True):
            self.cp.add(xi <= u * zi)
        self._capacity_rows(b)
        self.fill = self._need_rows(rem)
        self.urgency = sum(int(state.need_urgency[n]) * f for n, f in self.fill.items())
        self.fairness = self._segments(policy, steps)
        self.cost = self._rate_cost(ranks)

    def _group(self, keys: I64) -> dict[int, list[int]]:
        groups: dict[int, list[int]] = {}
        for i, k in enumerate(keys.tolist()):
            groups.setdefault(k, []).append(i)
        return groups

    def _capacity_rows(self, b: I64) -> None:
        st = self.state
        for o, idx in self._group(self.po).items():
            self.cp.add(sum(self.x[i] for i in idx) <= int(st.off_rem[o]))
        for lender, idx in self._group(st.off_lender[self.po]).items():
            if st.lend_rem[lender] < UNLIMITED:
                self.cp.add(sum(self.x[i] for i in idx) <= int(st.lend_rem[lender]))
        for bor, idx in self._group(b).items():
            if st.borrow_rem[bor] < UNLIMITED:
                self.cp.add(sum(self.x[i] for i in idx) <= int(st.borrow_rem[bor]))
        n_coops = len(st.coop_ids)
        for key, idx in self._group(self.po * n_coops + b).items():
            o, bor = divmod(key, n_coops)
            if st.off_cap[o] < UNLIMITED:
                room = int(st.off_cap[o]) - st.exposure.get(o, bor)
                self.cp.add(sum(self.x[i] for i in idx) <= room)

    def _need_rows(self, rem: I64) -> dict[int, Expr]:
        st = self.state
        fill: dict[int, Expr] = {}
        for n, idx in self._group(self.pn).items():
            total = sum(self.x[i] for i in idx)
            fill[n] = total
            if st.need_filled[n] == 0 and st.need_min[n] > 0:
                y = self.cp.new_bool_var(f"y{n}")
                self.cp.add(total >= int(st.need_min[n]) * y)
                self.cp.add(total <= int(rem[n]) * y)
            allowed = st.max_lenders[st.need_borrower[n]] - st.need_lenders[n]
            if allowed < len(idx):
                self.cp.add(sum(self.z[i] for i in idx) <= int(allowed))
        return fill

    def _segments(self, policy: FairnessPolicy, steps: int) -> Expr:
        st = self.state
        needs = np.array(sorted(self.fill), dtype=np.int64)
        bounds, k = segment_bounds(st.need_amount[needs], st.need_min[needs], policy, steps)
        weight = band_weights(k).tolist()
        terms = []
        for row, n in enumerate(needs.tolist()):
            filled = int(st.need_filled[n])
            segs = []
            for j in range(k):
                size = max(0, int(bounds[row, j + 1]) - max(int(bounds[row, j]), filled))
                if size:
                    s = self.cp.new_int_var(0, size, f"s{n}_{j}")
                    segs.append(s)
                    terms.append(weight[j] * s)
            self.cp.add(sum(segs) == self.fill[n])
        return sum(terms) if k > 1 else 0

    def _rate_cost(self, ranks: I64) -> Expr:
        r = ranks[self.po]
        top = int(r.max()) if r.size else 0
        volume = int(self.state.off_rem[unique_sorted(self.po)].sum())
        if top and top * volume > OBJECTIVE_BOUND:
            # Ranks scaled down to fit: the cost stage is no longer the stated one.
            self.cost_scaled = True
            r = r * (OBJECTIVE_BOUND // volume) // (top + 1)
        return sum(int(c) * xi for c, xi in zip(r.tolist(), self.x, strict=True) if c)

    def stages(self) -> list[tuple[int, Expr]]:
        out: list[tuple[int, Expr]] = [(1, self.urgency)]
        if not isinstance(self.fairness, int):
            out.append((1, self.fairness))
        if not isinstance(self.cost, int):
            out.append((-1, self.cost))
        out.append((-1, sum(self.z)))
        return out

    def fix(self, sense: int, expr: Expr, value: int) -> None:
        self.cp.add(expr >= value if sense > 0 else expr <= value)

    def hint(self, flow: I64) -> None:
        self.cp.clear_hints()  # type: ignore[no-untyped-call]
        for xi, zi, v in zip(self.x, self.z, flow.tolist(), strict=True):
            self.cp.add_hint(xi, v)
            self.cp.add_hint(zi, v > 0)
