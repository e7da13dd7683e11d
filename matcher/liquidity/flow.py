"""The min-cost flow of one tier, solved as exact lexicographic stages.

Each network of the level is an independent component (a *batch*; each solved on its own:
the cost-scaling algorithm's work grows faster than the graph, so many small solves beat one
large one; the arcs of all of them are built at once with numpy).

Graph (all capacities in satang)::

    S ─▶ lender ─▶ offer ─▶ [offer×borrower] ─▶ need ═▶ borrower ─▶ T        (and S ─▶ T)

* ``S → lender``: what the lender may still lend (liquid funds − reserve − lent so far).
* ``lender → offer``: the offer's remaining amount; it carries the offer's rate rank (the
  dense rank of its rate among the level's offers; the joint fund ranks last).
* ``offer → offer×borrower``: only for offers with a cap per borrower (exposure cap).
* ``→ need``: one arc per compatible pair (see :mod:`matcher.liquidity.levels`).
* ``need ⇒ borrower``: parallel *band* arcs. Band k of need n holds the part of its amount
  between the bounds b_{k−1}(n) and b_k(n) of :func:`segment_bounds` (``maxmin``: fill
  ratios ((k−1)/K, k/K]; ``proportional``: the minimum useful amount, then K−1 equal steps
  of the rest; ``coverage``: one band).
* ``borrower → T``: the registrar-approved limit minus what is outstanding and borrowed so far.
* ``S → T``: a bypass that carries whatever is not lent.

Stages, each exact on the optimal face of the one before (:mod:`matcher.liquidity.lexflow`):

1. **urgency**: maximise U = Σₙ uₙ·xₙ (stage cost −uₙ on every band arc of need n);
2. **fairness** (``maxmin`` and ``proportional``): for k = 1 … K in turn, maximise the amount
   lent inside band k over all needs (stage cost −1 on band-k arcs), holding U and bands
   1 … k−1 — the band-lexicographic order. It guarantees: if some allocation with the optimal
   U brings every need to fill ratio j/K, every need gets there; so the smallest fill ratio is
   within one step (1/K) of the best possible;
3. **cost**: minimise Σ rank(offer)·x (cheapest offers first, the joint fund last).
"""

from __future__ import annotations

import numpy as np

from matcher.liquidity.levels import LevelPairs
from matcher.liquidity.lexflow import solve_lexicographic
from matcher.liquidity.state import (
    I64,
    UNLIMITED,
    LiquidityState,
    exposure_used_of,
    unique_sorted,
)
from matcher.results import FairnessPolicy


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
) -> I64:
    """Build the level's flow network and solve its stages; returns the flow on each pair."""
    if pairs.pair_off.size == 0:
        return np.zeros(0, dtype=np.int64)
    return _LevelGraph(state, pairs, rate_ranks(state, pairs)).solve(policy, steps)


def band_weights(k: int) -> I64:
    """Fairness weight of bands 1 … K: 2(K−k)+1, the slope of the concave score
    a·(2t − t²) of fill ratio t at the middle of band k (the derivative, times K).

    >>> band_weights(3).tolist()
    [5, 3, 1]
    """
    return 2 * (k - np.arange(1, k + 1, dtype=np.int64)) + 1


def fairness_score(
    amount: I64, minimum: I64, before: I64, added: I64, policy: FairnessPolicy, steps: int
) -> int:
    """Fairness score of lending ``added`` to needs already filled ``before``: the satang
    landing in each band, lowest bands first, times the band's weight (0 under coverage).

    >>> a, m = np.array([100]), np.array([0])
    >>> fairness_score(a, m, np.array([0]), np.array([60]), FairnessPolicy.MAXMIN, 2)
    160
    """
    bounds, k = segment_bounds(amount, minimum, policy, steps)
    if k == 1:
        return 0
    lo = np.clip(before[:, None], bounds[:, :-1], bounds[:, 1:])
    hi = np.clip((before + added)[:, None], bounds[:, :-1], bounds[:, 1:])
    return int(((hi - lo) * band_weights(k)[None, :]).sum())


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


def rate_ranks(state: LiquidityState, pairs: LevelPairs) -> I64:
    """Dense rank of each offer's rate among the offers of its network (component) at this
    level, 0 for the cheapest; the joint fund ranks after every other offer of its network.

    >>> from types import SimpleNamespace as NS
    >>> st = NS(offer_ids=list("abcd"), off_rate=np.array([500, 300, 500, 100]),
    ...         off_is_fund=np.array([False, False, False, True]))
    >>> pairs = NS(pair_off=np.array([0, 1, 2, 3]), pair_comp=np.array([0, 0, 1, 1]))
    >>> rate_ranks(st, pairs).tolist()
    [1, 0, 0, 1]
    """
    n = len(state.offer_ids)
    comp = np.full(n, -1, dtype=np.int64)
    comp[pairs.pair_off] = pairs.pair_comp
    offers = np.flatnonzero(comp >= 0)
    ranks = np.zeros(n, dtype=np.int64)
    plain = offers[~state.off_is_fund[offers]]
    if plain.size:
        key = comp[plain] * (int(state.off_rate[plain].max()) + 1) + state.off_rate[plain]
        keys = unique_sorted(key)
        first = np.searchsorted(keys // (int(state.off_rate[plain].max()) + 1), comp[plain])
        ranks[plain] = np.searchsorted(keys, key) - first
    fund = offers[state.off_is_fund[offers]]
    if fund.size:
        top = np.full(int(comp.max()) + 1, -1, dtype=np.int64)
        np.maximum.at(top, comp[plain], ranks[plain])
        ranks[fund] = top[comp[fund]] + 1
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
    batch's arcs are one contiguous slice. Every arc carries three stage weights: its rate
    rank, its need's urgency and its band (1 … K; 0 where it is not a band arc).
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
        self.n_nodes = self.borrower_base + self.borrowers.count
        self.parts: list[tuple[I64, ...]] = []

    def add(
        self,
        batch: I64,
        tails: I64,
        heads: I64,
        caps: I64,
        rank: I64 | int = 0,
        urgency: I64 | int = 0,
        band: I64 | int = 0,
    ) -> None:
        """Add a family of arcs; ``batch`` must be nondecreasing (every family is built in
        batch order)."""

        def col(v: I64 | int) -> I64:
            return np.full(tails.size, v, dtype=np.int64) if isinstance(v, int) else v

        self.parts.append(
            (batch, tails, heads, np.minimum(caps, UNLIMITED), col(rank), col(urgency), col(band))
        )

    def _batch_major(self) -> tuple[list[I64], I64]:
        """Columns (tails, heads, capacities, rank, urgency, band) of all arcs ordered by
        batch, each batch's arcs in the order the families were added (what a stable sort by
        batch gives), and where each batch starts. Each family is already in batch order, so
        every arc's place is counted, not sorted: start of its batch + that batch's arcs in
        earlier families + its rank among its family's arcs of the batch."""
        nb = self.n_batches
        counts = np.array([np.bincount(p[0], minlength=nb) for p in self.parts], np.int64)
        arc_start = np.zeros(nb + 1, dtype=np.int64)
        np.cumsum(counts.sum(axis=0), out=arc_start[1:])
        before = np.cumsum(counts, axis=0) - counts
        size = int(arc_start[-1])
        cols = [np.empty(size, dtype=np.int64) for _ in range(len(self.parts[0]) - 1)]
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
            for c, v in zip(cols, values, strict=True):
                c[dest] = v
        return cols, arc_start

    def solve(self, policy: FairnessPolicy, steps: int) -> I64:
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
        )
        self.add(
            off.batch,
            2 + off_lender_pos - lend.start[off.batch],
            self.offer_base[off.batch] + off.rank,
            st.off_rem[off.item],
            rank=self.ranks[off.item],
        )
        self._add_exposure_arcs()
        self._add_pair_arcs()
        k = self._add_bands(policy, steps)
        bor = self.borrowers
        self.add(
            bor.batch,
            self.borrower_base[bor.batch] + bor.rank,
            np.ones(bor.item.size, np.int64),
            st.borrow_rem[bor.item],
        )
        # The bypass S → T of each batch carries whatever its offers do not lend.
        totals = np.bincount(off.batch, st.off_rem[off.item], minlength=self.n_batches)
        totals = totals.astype(np.int64)
        batches = np.arange(self.n_batches, dtype=np.int64)
        self.add(batches, np.zeros_like(batches), np.ones_like(batches), totals)
        return self._run(totals, k)

    def _add_exposure_arcs(self) -> None:
        obs, st = self.obs, self.state
        n_coops = len(st.coop_ids)
        o, b = obs.item // n_coops, obs.item % n_coops
        self.add(
            obs.batch,
            self.offer_base[obs.batch] + self.offers.rank_of(obs.batch, o),
            self.ob_base[obs.batch] + obs.rank,
            np.minimum(st.off_rem[o], st.off_cap[o] - exposure_used_of(st, o, b)),
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
        self.add(pb, src, head, st.need_rem()[self.pn])

    def _add_bands(self, policy: FairnessPolicy, steps: int) -> int:
        """The band arcs of every need; returns K, the number of bands."""
        st, needs = self.state, self.needs
        n = needs.item
        bounds, k = segment_bounds(st.need_amount[n], st.need_min[n], policy, steps)
        lower = np.maximum(bounds[:, :-1], st.need_filled[n][:, None])
        size = np.maximum(bounds[:, 1:] - lower, 0)
        need_node = self.need_base[needs.batch] + needs.rank
        borrower_node = self.borrower_base[needs.batch] + self.borrowers.rank_of(
            needs.batch, st.need_borrower[n]
        )
        # Non-empty bands, need by need (row-major order of the needs × K table).
        cells = np.flatnonzero(size > 0)
        rows = cells // k
        self.add(
            needs.batch[rows],
            need_node[rows],
            borrower_node[rows],
            size.ravel()[cells],
            urgency=st.need_urgency[n][rows],
            band=cells % k + 1,
        )
        return k

    def _run(self, totals: I64, k: int) -> I64:
        (tails, heads, caps, rank, urgency, band), arc_start = self._batch_major()
        objectives = [-urgency]
        # Cycle bounds: a simple cycle passes each borrower (lender) once, using two of its
        # band (rank) arcs in opposite directions, or one of them next to T (S), at most twice.
        top_rank = np.maximum.reduceat(rank, arc_start[:-1]) if rank.size else rank
        bounds = [np.zeros(self.n_batches, dtype=np.int64)]
        if k > 1:
            objectives.append(np.where(band > 0, -band_weights(k)[np.maximum(band, 1) - 1], 0))
            bounds.append((2 * k - 2) * self.borrowers.count + 2 * (2 * k - 1))
        objectives.append(rank)
        bounds.append(top_rank * (self.lenders.count + 2))
        flow = solve_lexicographic(
            tails,
            heads,
            caps,
            arc_start,
            self.n_nodes,
            totals,
            objectives,
            np.stack(bounds, axis=1),
        )
        # Pair arcs follow the lender, offer and exposure arcs inside each batch.
        lead = arc_start[:-1] + self.lenders.count + self.offers.count + self.obs.count
        pair_start = np.searchsorted(self.pair_batch, np.arange(self.n_batches + 1))
        pos = lead[self.pair_batch] + np.arange(self.order.size) - pair_start[self.pair_batch]
        out = np.zeros(self.order.size, dtype=np.int64)
        out[self.order] = flow[pos]
        return out
