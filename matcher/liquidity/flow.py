"""The min-cost flow of one tier: each network of the level is an independent component
(each solved on its own: the cost-scaling algorithm's work grows faster than the graph, so
many small solves beat one large one; the arcs of all of them are built at once with numpy).

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
P+1, and the urgency unit A exceeds every fairness weight plus every rate rank. Every path
through a need has negative cost, and the bypass ``S → T`` (cost 0) carries what is not lent,
so the least-cost flow is the lexicographic optimum: urgency-weighted amount, then fairness,
then rate rank (see ``_LevelGraph._run``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.liquidity.levels import LevelPairs
from matcher.liquidity.state import (
    I64,
    UNLIMITED,
    LiquidityState,
    exposure_used_of,
    unique_indices,
    unique_sorted,
)
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
    return FlowOutcome(_LevelGraph(state, pairs, rank_levels).solve(policy, k, total), reduced)


BATCH_PAIRS = 1
"""Components are grouped until a batch holds this many pairs; 1 solves each on its own
(measured on the national family: fastest, and no worse in coverage than batches of 500)."""


def _component_batches(comp: I64) -> tuple[I64, I64]:
    """Pairs ordered by component, and the batch of each: consecutive groups of components
    holding about BATCH_PAIRS pairs each (small components are grouped to save overhead)."""
    if comp.size == 0 or bool((comp == comp[0]).all()):
        return np.arange(comp.size, dtype=np.int64), np.zeros(comp.size, dtype=np.int64)
    if bool((comp[1:] >= comp[:-1]).all()):
        # Level pairs come grouped by component already (the usual case): nothing to sort.
        order = np.arange(comp.size, dtype=np.int64)
    else:
        order = np.argsort(comp, kind="stable")
    sorted_comp = comp[order]
    starts = np.concatenate(([0], np.flatnonzero(np.diff(sorted_comp)) + 1, [sorted_comp.size]))
    batch_of_comp = np.zeros(starts.size - 1, dtype=np.int64)
    first, batch = 0, 0
    for i in range(1, starts.size):
        batch_of_comp[i - 1] = batch
        if starts[i] - starts[first] >= BATCH_PAIRS:
            first, batch = i, batch + 1
    sizes = np.diff(starts)
    return order.astype(np.int64), np.repeat(batch_of_comp, sizes)


def _total_supply(state: LiquidityState, pairs: LevelPairs) -> int:
    offers = unique_indices(pairs.pair_off, len(state.offer_ids))
    return int(state.off_rem[offers].sum())


def rate_ranks(state: LiquidityState, pairs: LevelPairs) -> I64:
    """Dense rank of each offer's rate among the level's offers; the joint fund ranks last."""
    offers = unique_indices(pairs.pair_off, len(state.offer_ids))
    ranks = np.zeros(len(state.offer_ids), dtype=np.int64)
    plain = offers[~state.off_is_fund[offers]]
    if plain.size:
        rates = state.off_rate[plain]
        ranks[plain] = np.searchsorted(unique_sorted(rates), rates)
    fund = offers[state.off_is_fund[offers]]
    ranks[fund] = (int(ranks[plain].max()) + 1) if plain.size else 0
    return ranks


class _Index:
    """The distinct items of each batch, sorted by (batch, item), with ranks inside a batch.

    Every item lies in exactly one batch (an offer, need or coop belongs to one network of
    the level), so with a small item range (``dense``) positions are looked up in a table
    indexed by item instead of searched for.
    """

    def __init__(self, batch: I64, item: I64, width: int, n_batches: int, dense: bool) -> None:
        self.width = width
        self.pos_at: I64 | None = None
        if dense:
            present = np.zeros(width, dtype=np.bool_)
            present[item] = True
            items = np.flatnonzero(present).astype(np.int64)
            batch_at = np.zeros(width, dtype=np.int64)
            batch_at[item] = batch
            if not np.array_equal(batch_at[item], batch):
                raise ValueError("an item of a flow index lies in more than one batch")
            item_batch = batch_at[items]
            if n_batches > 1:
                order = np.argsort(item_batch, kind="stable")
                items, item_batch = items[order], item_batch[order]
            self.item, self.batch = items, item_batch
            self.pos_at = np.zeros(width, dtype=np.int64)
            self.pos_at[items] = np.arange(items.size, dtype=np.int64)
        else:
            self.keys = unique_sorted(batch * width + item)
            self.batch = self.keys // width
            self.item = self.keys - self.batch * width
        self.start = np.searchsorted(self.batch, np.arange(n_batches + 1)).astype(np.int64)
        self.rank = np.arange(self.item.size, dtype=np.int64) - self.start[self.batch]
        self.count = self.start[1:] - self.start[:-1]

    def pos(self, batch: I64, item: I64) -> I64:
        """Position in the index of each (batch, item), which must be present."""
        if self.pos_at is not None:
            return self.pos_at[item]
        return np.searchsorted(self.keys, batch * self.width + item).astype(np.int64)

    def rank_of(self, batch: I64, item: I64) -> I64:
        """Rank inside its batch of each (batch, item)."""
        return self.pos(batch, item) - self.start[batch]


class _LevelGraph:
    """Node numbering and arcs of every batch of one level, built at once with numpy.

    Each batch is a flow network of its own: S = 0, T = 1, then its lenders, offers,
    offer×borrower nodes, needs and borrowers, each in index order. The arcs of all batches
    are built together, family by family, then placed by batch (:meth:`_batch_major`), so each
    batch's arcs are one contiguous slice.
    """

    def __init__(self, state: LiquidityState, pairs: LevelPairs, ranks: I64) -> None:
        self.state, self.ranks = state, ranks
        self.order, self.pair_batch = _component_batches(pairs.pair_comp)
        nb = int(self.pair_batch[-1]) + 1 if self.pair_batch.size else 0
        self.n_batches = nb
        self.po = pairs.pair_off[self.order]
        self.pn = pairs.pair_need[self.order]
        st, pb = state, self.pair_batch
        n_coops = len(st.coop_ids)
        self.offers = _Index(pb, self.po, len(st.offer_ids), nb, True)
        self.needs = _Index(pb, self.pn, len(st.need_ids), nb, True)
        self.lenders = _Index(self.offers.batch, st.off_lender[self.offers.item], n_coops, nb, True)
        self.borrowers = _Index(
            self.needs.batch, st.need_borrower[self.needs.item], n_coops, nb, True
        )
        self.capped = st.off_cap[self.po] < UNLIMITED
        self.ob_item = self.po * n_coops + st.need_borrower[self.pn]
        self.obs = _Index(
            pb[self.capped], self.ob_item[self.capped], len(st.offer_ids) * n_coops, nb, False
        )
        self.offer_base = 2 + self.lenders.count
        self.ob_base = self.offer_base + self.offers.count
        self.need_base = self.ob_base + self.obs.count
        self.borrower_base = self.need_base + self.needs.count
        self.parts: list[tuple[I64, I64, I64, I64, I64]] = []

    def add(self, batch: I64, tails: I64, heads: I64, caps: I64, costs: I64 | int) -> None:
        """Add a family of arcs; ``batch`` must be nondecreasing (every family is built in
        batch order)."""
        costs_arr = np.full(tails.size, costs, dtype=np.int64) if isinstance(costs, int) else costs
        self.parts.append((batch, tails, heads, np.minimum(caps, UNLIMITED), costs_arr))

    def _batch_major(self) -> tuple[I64, I64, I64, I64, I64]:
        """Tails, heads, capacities and costs of all arcs ordered by batch, each batch's
        arcs in the order the families were added (what a stable sort by batch gives), and
        where each batch starts. Each family is already in batch order, so every arc's place
        is counted, not sorted: start of its batch + that batch's arcs in earlier families +
        its rank among its family's arcs of the batch."""
        nb = self.n_batches
        counts = np.array([np.bincount(p[0], minlength=nb) for p in self.parts], np.int64)
        arc_start = np.zeros(nb + 1, dtype=np.int64)
        np.cumsum(counts.sum(axis=0), out=arc_start[1:])
        before = np.cumsum(counts, axis=0) - counts
        size = int(arc_start[-1])
        cols = [np.empty(size, dtype=np.int64) for _ in range(4)]
        for f, (batch, *values) in enumerate(self.parts):
            if batch.size == 0:
                continue
            if bool((batch[1:] < batch[:-1]).any()):
                raise ValueError("an arc family must be added in batch order")
            fam_start = np.cumsum(counts[f]) - counts[f]
            dest = (
                np.arange(batch.size, dtype=np.int64)
                + (arc_start[:-1] + before[f] - fam_start)[batch]
            )
            for col, v in zip(cols, values, strict=True):
                col[dest] = v
        return cols[0], cols[1], cols[2], cols[3], arc_start

    def solve(self, policy: FairnessPolicy, steps: int, total: int) -> I64:
        """Solve every batch; returns the flow on each pair (in the level's pair order)."""
        st = self.state
        off, lend = self.offers, self.lenders
        offered = np.zeros(lend.item.size, dtype=np.int64)
        off_lender_pos = lend.pos(off.batch, st.off_lender[off.item])
        np.add.at(offered, off_lender_pos, st.off_rem[off.item])
        self.add(
            lend.batch,
            np.zeros(lend.item.size, np.int64),
            2 + lend.rank,
            np.minimum(st.lend_rem[lend.item], offered),
            0,
        )
        self.add(
            off.batch,
            2 + off_lender_pos - lend.start[off.batch],
            self.offer_base[off.batch] + off.rank,
            st.off_rem[off.item],
            self.ranks[off.item],
        )
        self._add_exposure_arcs()
        self._add_pair_arcs()
        self._add_segments(policy, steps)
        bor = self.borrowers
        self.add(
            bor.batch,
            self.borrower_base[bor.batch] + bor.rank,
            np.ones(bor.item.size, np.int64),
            st.borrow_rem[bor.item],
            0,
        )
        return self._run(total)

    def _add_exposure_arcs(self) -> None:
        obs, st = self.obs, self.state
        n_coops = len(st.coop_ids)
        o, b = obs.item // n_coops, obs.item % n_coops
        self.add(
            obs.batch,
            self.offer_base[obs.batch] + self.offers.rank_of(obs.batch, o),
            self.ob_base[obs.batch] + obs.rank,
            np.minimum(st.off_rem[o], st.off_cap[o] - exposure_used_of(st, o, b)),
            0,
        )

    def _add_pair_arcs(self) -> None:
        st, pb = self.state, self.pair_batch
        offers, needs = self.offers, self.needs
        # Node of each distinct offer and need, then looked up per pair.
        offer_node = self.offer_base[offers.batch] + offers.rank
        need_node = self.need_base[needs.batch] + needs.rank
        src = offer_node[offers.pos(pb, self.po)]
        c = self.capped
        src[c] = self.ob_base[pb[c]] + self.obs.rank_of(pb[c], self.ob_item[c])
        head = need_node[needs.pos(pb, self.pn)]
        self.add(pb, src, head, st.need_rem()[self.pn], 0)

    def _add_segments(self, policy: FairnessPolicy, steps: int) -> None:
        st, needs = self.state, self.needs
        n = needs.item
        bounds, k = segment_bounds(st.need_amount[n], st.need_min[n], policy, steps)
        lower = np.maximum(bounds[:, :-1], st.need_filled[n][:, None])
        size = np.maximum(bounds[:, 1:] - lower, 0)
        # Weights per batch: fairness gaps exceed the batch's largest rate rank.
        top = np.maximum.reduceat(self.ranks[self.offers.item], self.offers.start[:-1])
        gap = top + 2
        col = np.arange(k, dtype=np.int64)[None, :]
        weight = (k - col) * gap[needs.batch][:, None] if k > 1 else np.zeros((1, 1), np.int64)
        a_unit = (k + 2) * gap[needs.batch]
        cost = -((st.need_urgency[n] * a_unit)[:, None] + weight)
        need_node = self.need_base[needs.batch] + needs.rank
        borrower_node = self.borrower_base[needs.batch] + self.borrowers.rank_of(
            needs.batch, st.need_borrower[n]
        )
        # Non-empty segments, need by need (row-major order of the needs × K table).
        cells = np.flatnonzero(size > 0)
        rows = cells // k
        cost_flat = np.broadcast_to(cost, size.shape).ravel()
        self.add(
            needs.batch[rows],
            need_node[rows],
            borrower_node[rows],
            size.ravel()[cells],
            cost_flat[cells],
        )

    def _run(self, total: int) -> I64:
        tails, heads, caps, costs, arc_start = self._batch_major()
        pair_start = np.searchsorted(self.pair_batch, np.arange(self.n_batches + 1))
        lead = self.lenders.count + self.offers.count + self.obs.count
        flow = np.zeros(self.order.size, dtype=np.int64)
        for b in range(self.n_batches):
            a0, a1 = int(arc_start[b]), int(arc_start[b + 1])
            smcf = min_cost_flow.SimpleMinCostFlow()
            idx = smcf.add_arcs_with_capacity_and_unit_cost(
                tails[a0:a1], heads[a0:a1], caps[a0:a1], costs[a0:a1]
            )
            # A bypass S → T at zero cost carries whatever is not lent, so the solve is the
            # least-cost flow of these weights: urgency-weighted amount covered first, then
            # fairness, then rate rank. (A maximum flow of least cost would rank the plain
            # amount lent first and could move funds from one urgent need to two less urgent
            # ones where a borrower limit, exposure cap or lender limit makes needs compete.)
            smcf.add_arc_with_capacity_and_unit_cost(0, 1, total, 0)
            smcf.set_node_supply(0, total)
            smcf.set_node_supply(1, -total)
            status = smcf.solve()
            if status != smcf.OPTIMAL:
                raise SolverFailure(f"min-cost flow ended with status {status!r}")
            p0, p1 = int(pair_start[b]), int(pair_start[b + 1])
            first = int(lead[b])
            flow[p0:p1] = smcf.flows(idx[first : first + p1 - p0])
        out = np.zeros_like(flow)
        out[self.order] = flow
        return out
