"""The min-cost flow of one tier: each network of the level is an independent component
(solved in small batches of components, which the cost-scaling algorithm handles fastest).

Graph (all capacities in satang)::

    S ─▶ lender ─▶ offer ─▶ [offer×borrower] ─▶ need ═▶ borrower ─▶ T        (and S ─▶ T)

* ``S → lender``: what the lender may still lend (liquid funds − reserve − lent so far).
* ``lender → offer``: the offer's remaining amount; unit cost = the offer's rate rank, so the
  cheapest funds are used first (the joint fund ranks last: lender of last resort).
* ``offer → offer×borrower``: only for offers with a cap per borrower (exposure cap).
* ``→ need``: one arc per compatible pair (see :mod:`matcher.liquidity.levels`).
* ``need ⇒ borrower``: parallel *segment* arcs. Segment k covers the fill ratio
  ((k−1)/K, k/K] (policy ``maxmin``) with unit cost ``−(u·A + w_k)``, ``w_k`` strictly
  decreasing in k. Any exchange of flow between needs moves one unit from one segment to
  another, so the solver fills every need's first step before any need's second (leximin
  over fill ratios to a resolution of 1/K), and the urgency term ``u·A`` dominates it.
* ``borrower → T``: the registrar-approved limit minus what is outstanding and borrowed so far.

Weights are chosen so the priorities never mix: rate ranks lie in [0, P], fairness gaps are
P+1, and the urgency unit A exceeds every fairness weight plus every rate rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.liquidity.levels import LevelPairs
from matcher.liquidity.state import I64, UNLIMITED, LiquidityState
from matcher.results import FairnessPolicy

COST_BUDGET = 2**61
"""Bound on |unit cost| × total flow so int64 arithmetic inside the solver cannot overflow."""


class SolverFailure(RuntimeError):
    """The flow solver reported a status that a valid model cannot produce."""


@dataclass(frozen=True)
class FlowOutcome:
    """Flow on every pair of the level and whether resolution had to be reduced."""

    pair_flow: I64
    reduced_resolution: bool


def segment_bounds(
    amount: I64, minimum: I64, policy: FairnessPolicy, steps: int
) -> tuple[I64, int]:
    """Cumulative segment bounds, shape (needs, K+1), and K.

    ``maxmin``: bound_k = ceil(a·k/K). ``proportional``: bound_1 = the minimum useful amount,
    then the rest in K−1 equal ratio steps. ``coverage``: one segment.

    >>> b, k = segment_bounds(np.array([100]), np.array([30]), FairnessPolicy.PROPORTIONAL, 3)
    >>> b.tolist(), k
    ([[0, 30, 65, 100]], 3)
    """
    a = amount[:, None]
    if policy is FairnessPolicy.COVERAGE or steps == 1:
        return np.concatenate([np.zeros_like(a), a], axis=1), 1
    k = np.arange(steps + 1, dtype=np.int64)[None, :]
    if policy is FairnessPolicy.MAXMIN:
        return -((-a * k) // steps), steps
    m = minimum[:, None]
    rest = np.maximum(k - 1, 0)
    upper = m + (-((-(a - m) * rest) // (steps - 1)))
    bounds = np.where(k == 0, 0, upper)
    return bounds.astype(np.int64), steps


def solve_level_flow(
    state: LiquidityState,
    pairs: LevelPairs,
    policy: FairnessPolicy,
    steps: int,
) -> FlowOutcome:
    """Build and solve the level's min-cost flow; returns the flow on each pair."""
    if pairs.pair_off.size == 0:
        return FlowOutcome(np.zeros(0, dtype=np.int64), False)
    total = _total_supply(state, pairs)
    reduced = False
    rank_levels, k = rate_ranks(state, pairs), steps
    while True:
        n_ranks = int(rank_levels.max()) + 1
        a_unit = (k + 2) * (n_ranks + 1)
        if 6 * a_unit * max(total, 1) <= COST_BUDGET or (k == 1 and n_ranks == 1):
            break
        reduced = True
        if k > 1:
            k = max(1, k // 2)
        else:
            rank_levels = (rank_levels > 0).astype(np.int64)
    flow = np.zeros(pairs.pair_off.size, dtype=np.int64)
    # Components are independent; solving them one by one is much faster than one big
    # graph for the cost-scaling algorithm. Small components are grouped to save overhead.
    for sel in _component_batches(pairs.pair_comp):
        sub = LevelPairs(
            pairs.level,
            pairs.pair_off[sel],
            pairs.pair_need[sel],
            pairs.pair_comp[sel],
            pairs.pair_rate[sel],
            (),
        )
        flow[sel] = _Graph(state, sub, rank_levels).solve(policy, k, total)
    return FlowOutcome(flow, reduced)


BATCH_PAIRS = 500


def _component_batches(comp: I64) -> list[I64]:
    """Index arrays of consecutive groups of components holding about BATCH_PAIRS pairs."""
    order = np.argsort(comp, kind="stable")
    sorted_comp = comp[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_comp)) + 1, sorted_comp.size]
    batches: list[I64] = []
    first = 0
    for i in range(1, starts.size):
        if starts[i] - starts[first] >= BATCH_PAIRS or i == starts.size - 1:
            batches.append(order[starts[first] : starts[i]])
            first = i
    return batches


def _total_supply(state: LiquidityState, pairs: LevelPairs) -> int:
    offers = np.unique(pairs.pair_off)
    return int(state.off_rem[offers].sum())


def rate_ranks(state: LiquidityState, pairs: LevelPairs) -> I64:
    """Dense rank of each offer's rate among the level's offers; the joint fund ranks last."""
    offers = np.unique(pairs.pair_off)
    ranks = np.zeros(len(state.offer_ids), dtype=np.int64)
    plain = offers[~state.off_is_fund[offers]]
    if plain.size:
        _, dense = np.unique(state.off_rate[plain], return_inverse=True)
        ranks[plain] = dense
    fund = offers[state.off_is_fund[offers]]
    ranks[fund] = (int(ranks[plain].max()) + 1) if plain.size else 0
    return ranks


class _Graph:
    """Node numbering and arc arrays of one level's flow network."""

    def __init__(self, state: LiquidityState, pairs: LevelPairs, ranks: I64) -> None:
        self.state, self.pairs, self.ranks = state, pairs, ranks
        self.offers = np.unique(pairs.pair_off)
        self.needs = np.unique(pairs.pair_need)
        self.lenders = np.unique(state.off_lender[self.offers])
        self.borrowers = np.unique(state.need_borrower[self.needs])
        self.tails: list[I64] = []
        self.heads: list[I64] = []
        self.caps: list[I64] = []
        self.costs: list[I64] = []

    def arcs(self, tails: I64, heads: I64, caps: I64, costs: I64 | int) -> tuple[int, int]:
        start = sum(t.size for t in self.tails)
        self.tails.append(tails.astype(np.int64))
        self.heads.append(heads.astype(np.int64))
        self.caps.append(np.minimum(caps, UNLIMITED).astype(np.int64))
        self.costs.append(np.broadcast_to(np.asarray(costs, dtype=np.int64), tails.shape).copy())
        return start, start + tails.size

    def solve(self, policy: FairnessPolicy, steps: int, total: int) -> I64:
        st, pr = self.state, self.pairs
        base = 2
        lender_node = base + np.searchsorted(self.lenders, st.off_lender[self.offers])
        base += self.lenders.size
        offer_node = base + np.arange(self.offers.size)
        base += self.offers.size
        ob_keys, pair_src = self._exposure_nodes(offer_node, base)
        base += ob_keys.size
        need_node = base + np.arange(self.needs.size)
        base += self.needs.size
        borrower_base = base
        borrower_node = base + np.searchsorted(self.borrowers, st.need_borrower[self.needs])
        n_nodes = base + self.borrowers.size
        # S → lender, capped by what the lender may still lend and what it offers here.
        offered = np.zeros(self.lenders.size, dtype=np.int64)
        np.add.at(offered, lender_node - 2, st.off_rem[self.offers])
        self.arcs(
            np.zeros(self.lenders.size, np.int64),
            2 + np.arange(self.lenders.size),
            np.minimum(st.lend_rem[self.lenders], offered),
            0,
        )
        self.arcs(lender_node, offer_node, st.off_rem[self.offers], self.ranks[self.offers])
        self._add_exposure_arcs(ob_keys, offer_node)
        need_pos = np.searchsorted(self.needs, pr.pair_need)
        rem = st.need_rem()
        pair_span = self.arcs(pair_src, need_node[need_pos], rem[pr.pair_need], 0)
        self._add_segments(need_node, borrower_node, policy, steps)
        self.arcs(
            borrower_base + np.arange(self.borrowers.size),
            np.ones(self.borrowers.size, np.int64),
            st.borrow_rem[self.borrowers],
            0,
        )
        return self._run(n_nodes, total, pair_span)

    def _exposure_nodes(self, offer_node: I64, base: int) -> tuple[I64, I64]:
        st, pr = self.state, self.pairs
        capped = st.off_cap[pr.pair_off] < UNLIMITED
        n_coops = len(st.coop_ids)
        keys = pr.pair_off * n_coops + st.need_borrower[pr.pair_need]
        ob_keys = np.unique(keys[capped])
        src = offer_node[np.searchsorted(self.offers, pr.pair_off)]
        src = np.where(capped, base + np.searchsorted(ob_keys, keys), src)
        return ob_keys, src

    def _add_exposure_arcs(self, ob_keys: I64, offer_node: I64) -> None:
        if ob_keys.size == 0:
            return
        st = self.state
        n_coops = len(st.coop_ids)
        off, bor = ob_keys // n_coops, ob_keys % n_coops
        used = np.array(
            [st.exposure_used.get((int(o), int(b)), 0) for o, b in zip(off, bor, strict=True)],
            dtype=np.int64,
        )
        base = int(offer_node[-1]) + 1
        self.arcs(
            offer_node[np.searchsorted(self.offers, off)],
            base + np.arange(ob_keys.size),
            np.minimum(st.off_rem[off], st.off_cap[off] - used),
            0,
        )

    def _add_segments(
        self, need_node: I64, borrower_node: I64, policy: FairnessPolicy, steps: int
    ) -> None:
        st = self.state
        n = self.needs
        bounds, k = segment_bounds(st.need_amount[n], st.need_min[n], policy, steps)
        filled = st.need_filled[n][:, None]
        lower = np.maximum(bounds[:, :-1], filled)
        size = np.maximum(bounds[:, 1:] - lower, 0)
        n_ranks = int(self.ranks[self.offers].max()) + 1
        gap = n_ranks + 1
        weight = (k - np.arange(k, dtype=np.int64)) * gap if k > 1 else np.zeros(1, np.int64)
        a_unit = (k + 2) * gap
        cost = -(st.need_urgency[n][:, None] * a_unit + weight[None, :])
        rows, cols = np.nonzero(size > 0)
        self.arcs(need_node[rows], borrower_node[rows], size[rows, cols], cost[rows, cols])

    def _run(self, n_nodes: int, total: int, pair_span: tuple[int, int]) -> I64:
        smcf = min_cost_flow.SimpleMinCostFlow()
        idx = smcf.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(self.tails),
            np.concatenate(self.heads),
            np.concatenate(self.caps),
            np.concatenate(self.costs),
        )
        # Every unit that reaches T earns more than any rate rank costs, and the weights form
        # a polymatroid (per-need concave segments), so a maximum flow of least cost is also
        # the least-cost flow: solve it directly, with no bypass arc.
        smcf.set_node_supply(0, total)
        smcf.set_node_supply(1, -total)
        status = smcf.solve_max_flow_with_min_cost()
        if status != smcf.OPTIMAL:
            raise SolverFailure(f"min-cost flow ended with status {status!r}")
        flows: I64 = smcf.flows(idx[pair_span[0] : pair_span[1]]).astype(np.int64)
        return flows
