"""Candidate lanes of one tier: which supply node may ship to which demand node.

At level L every network of that level is an independent component. A lane (s, d) exists
when, in the same component and for the same product,

* grade:   the demand accepts the supply's grade (``bid[d, grade(s)] ≥ 0``);
* reach:   ``0 ≤ distance(s, d) ≤ max_distance``, and seller ≠ buyer (distance, reach and
  transport cost on the product's own terms, :meth:`Transport.of`);
* dates:   ``delivery = max(round, ready) + floor(km / km_per_day) ≤ min(expiry, deliver_by)``;
* price:   for a direct lot → order lane the gain per unit
  ``bid − reserve − transport − spoilage × days`` is positive (lanes touching a processor
  carry their part of the gain, which may be negative; the flow decides).

Each demand node keeps its ``max_lanes_per_order`` best lanes (by gain, then supply index);
cutting any makes the tier *feasible* rather than optimal. Distances, transit days and
transport costs are computed once per coop pair within reach (:mod:`matcher.produce.reach`);
the pairs are then expanded to their nodes in chunks of whole demand coops, so no tier ever
holds every node pair at once. The chunks of a large group run on a few threads
(:mod:`matcher.produce.pool`; numpy releases the GIL in their big operations) and are joined
in order, so the lanes are the same on any number of threads.

While building, each lot and order records the furthest *stage* any candidate reached
(1 grade, 2 reach, 3 dates, 4 price, 5 a lane exists): :mod:`matcher.produce.explain`
turns the stage into a reason code.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from matcher.domain import NetworkLevel
from matcher.produce.distance import I64, Bool, DistanceTable, lane_cost, transit_days
from matcher.produce.model import Transport
from matcher.produce.pool import WORKERS, ordered_map
from matcher.produce.reach import DEG_PER_M, CoopPairs, coop_pairs
from matcher.produce.state import ProduceState

CHUNK_CELLS = 65536
"""Node pairs evaluated per numpy chunk (bounds memory)."""


@dataclass(frozen=True)
class TierLanes:
    """Lanes of one tier, sorted by (demand, supply)."""

    s: I64
    d: I64
    comp: I64
    dist_m: I64
    transport: I64
    spoil: I64
    gain: I64
    """Per unit: bid − reserve − transport − spoilage (processor costs not included)."""
    day: I64
    pruned: bool

    @property
    def size(self) -> int:
        """Number of lanes."""
        return int(self.s.size)

    def take(self, sel: I64 | Bool | slice) -> TierLanes:
        """The lanes picked by an index array, a mask or a slice (views)."""
        return TierLanes(
            self.s[sel],
            self.d[sel],
            self.comp[sel],
            self.dist_m[sel],
            self.transport[sel],
            self.spoil[sel],
            self.gain[sel],
            self.day[sel],
            self.pruned,
        )


def active_supply(st: ProduceState, level: NetworkLevel) -> I64:
    """Lots still open and not expired, and processors with capacity, in a network at L."""
    net = st.coop_net_at[level][st.s_coop]
    rem = np.concatenate([st.lot_rem, st.proc_rem])
    alive = st.s_expiry >= st.round_day
    return np.flatnonzero((rem > 0) & alive & (net >= 0)).astype(np.int64)


def active_demand(st: ProduceState, level: NetworkLevel) -> I64:
    """Orders still open and processors with capacity, in a network at L."""
    net = st.coop_net_at[level][st.d_coop]
    rem = np.concatenate([st.order_rem, st.proc_rem])
    return np.flatnonzero((rem > 0) & (net >= 0)).astype(np.int64)


def has_trade(st: ProduceState, level: NetworkLevel) -> bool:
    """Whether some network of the level has both open supply and open demand of a product.

    A tier without is skipped: it would have no lane and mark no stage.
    """
    sup, dem = active_supply(st, level), active_demand(st, level)
    if sup.size == 0 or dem.size == 0:
        return False
    n_prod = len(st.products)
    s_key = st.coop_net_at[level][st.s_coop[sup]] * n_prod + st.s_prod[sup]
    d_key = st.coop_net_at[level][st.d_coop[dem]] * n_prod + st.d_prod[dem]
    return bool(set(s_key.tolist()) & set(d_key.tolist()))


def tier_lanes(
    st: ProduceState,
    level: NetworkLevel,
    t: Transport,
    max_per_demand: int,
    exclude: I64 | None = None,
    workers: int = WORKERS,
) -> TierLanes:
    """Every candidate lane of the tier (see the module docstring for the rules).

    ``workers``: threads for the chunks of a large group (the lanes do not depend on it).
    """
    sup, dem = active_supply(st, level), active_demand(st, level)
    if exclude is not None and exclude.size:
        dem = np.setdiff1d(dem, exclude)
    s_key = st.coop_net_at[level][st.s_coop[sup]] * len(st.products) + st.s_prod[sup]
    d_key = st.coop_net_at[level][st.d_coop[dem]] * len(st.products) + st.d_prod[dem]
    parts: list[tuple[I64, ...]] = []
    pruned = False
    for key in np.intersect1d(s_key, d_key):
        product = st.products[int(key) % len(st.products)]
        got, cut = _group_lanes(
            st, sup[s_key == key], dem[d_key == key], t.of(product), max_per_demand, workers
        )
        pruned |= cut
        comp = np.full(got[0].size, key // len(st.products), dtype=np.int64)
        parts.append((*got, comp))
    _mark_lonely(st, sup, dem, s_key, d_key)
    if not parts:
        e = np.zeros(0, np.int64)
        return TierLanes(e, e, e, e, e, e, e, e, False)
    cat = (
        list(parts[0]) if len(parts) == 1 else [np.concatenate(c) for c in zip(*parts, strict=True)]
    )
    order = _by_demand_blocks(cat[1], cat[0])
    s, d, dist, tr, sp, gain, day, comp = (c[order] for c in cat)
    return TierLanes(s, d, comp, dist, tr, sp, gain, day, pruned)


def _by_demand_blocks(d: I64, s: I64) -> I64:
    """Permutation sorting lanes by (demand, supply).

    Each group returns a demand node's lanes as one block sorted by supply (a node is in
    one group and one chunk), so sorting the blocks by demand is enough; the result is
    checked and, should that ever not hold, the lanes are sorted in full.

    >>> _by_demand_blocks(np.array([5, 5, 2, 7, 3, 3]), np.array([1, 4, 0, 2, 6, 8])).tolist()
    [2, 4, 5, 0, 1, 3]
    >>> _by_demand_blocks(np.array([1, 0, 1]), np.array([5, 2, 3])).tolist()
    [1, 2, 0]
    """
    if d.size == 0:
        return np.arange(0)
    starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
    lens = np.diff(np.r_[starts, d.size])
    by = np.argsort(d[starts], kind="stable")
    first, size = starts[by], lens[by]
    out: I64 = np.repeat(first - (np.cumsum(size) - size), size) + np.arange(d.size)
    dd, ss = d[out], s[out]
    if bool(((dd[1:] > dd[:-1]) | ((dd[1:] == dd[:-1]) & (ss[1:] > ss[:-1]))).all()):
        return out
    return _by_demand_then_supply(d, s)


def _by_demand_then_supply(d: I64, s: I64) -> I64:
    """Permutation sorting lanes by (demand, supply); one int64 key when it fits."""
    if d.size == 0:
        return np.arange(0)
    n_s = int(s.max()) + 1
    if (int(d.max()) + 1) * n_s < 2**62:
        out: I64 = np.argsort(d * n_s + s)
        return out
    return np.lexsort((s, d))


def _mark_lonely(st: ProduceState, sup: I64, dem: I64, s_key: I64, d_key: I64) -> None:
    """Stage 1 for lots/orders whose product has a counterpart in their component."""
    # Keys are small non-negative ints (network × product): a lookup table is fastest.
    lots = sup[(sup < st.n_lots) & np.isin(s_key, d_key, kind="table")]
    st.stage_lot[lots] = np.maximum(st.stage_lot[lots], 1)
    orders = dem[(dem < st.n_orders) & np.isin(d_key, s_key, kind="table")]
    st.stage_order[orders] = np.maximum(st.stage_order[orders], 1)


def _group_lanes(
    st: ProduceState, sup: I64, dem: I64, t: Transport, max_per_demand: int, workers: int
) -> tuple[tuple[I64, ...], bool]:
    """Lanes between the supply and demand nodes of one component and product.

    The coop pairs within reach (:func:`coop_pairs`, one distance each) are expanded grade
    by grade to the supply nodes of that grade and the demand nodes that accept it, in
    chunks of whole demand coops, so each demand node's best lanes are chosen in one chunk.
    Chunks are independent (the stages they mark are raised under a lock, and a maximum does
    not depend on the order), so they run on up to ``workers`` threads, joined in order.
    """
    _grade_stage(st, sup, dem)
    table = st.dist.with_factor(t.road_factor_bps)
    if sup.size * dem.size <= CHUNK_CELLS:
        ss, dd, dist = _dense_pairs(st, table, sup, dem, t.max_distance_m)
        tdays = transit_days(dist, t.km_per_day)
        tcost = lane_cost(dist, t.cost_satang_per_unit_km)
        return _evaluate(st, ss, dd, dist, tdays, tcost, max_per_demand)
    # By (coop, node) once: each grade's subset below keeps that order.
    sup = sup[np.lexsort((sup, st.s_coop[sup]))]
    dem = dem[np.lexsort((dem, st.d_coop[dem]))]
    s_coops, d_coops = np.unique(st.s_coop[sup]), np.unique(st.d_coop[dem])
    pairs = coop_pairs(table, s_coops, d_coops, t.max_distance_m, workers)
    grades = np.unique(st.s_grade[sup]).tolist()
    sides = [_GradeSide(st, s_coops, d_coops, sup, dem, g) for g in grades]
    total = np.zeros(pairs.si.size, np.int64)
    for side in sides:
        total += side.pair_size(pairs.si, pairs.di)
    # Coop pairs with no grade in common build no node pair.
    some = np.flatnonzero(total)
    pairs = CoopPairs(pairs.si[some], pairs.di[some], pairs.dist_m[some])
    total = total[some]
    tdays = transit_days(pairs.dist_m, t.km_per_day)
    tcost = lane_cost(pairs.dist_m, t.cost_satang_per_unit_km)
    lock = threading.Lock()

    def chunk(ab: tuple[int, int]) -> tuple[tuple[I64, ...], bool]:
        a, b = ab
        got = [side.expand(pairs.si[a:b], pairs.di[a:b]) for side in sides]
        p = np.concatenate([g[0] for g in got]) + a
        ss, dd = np.concatenate([g[1] for g in got]), np.concatenate([g[2] for g in got])
        return _evaluate(st, ss, dd, pairs.dist_m[p], tdays[p], tcost[p], max_per_demand, lock)

    out = ordered_map(chunk, _chunks(pairs.di, total), workers)
    if not out:
        e = np.zeros(0, np.int64)
        return (e, e, e, e, e, e, e), False
    pruned = any(cut for _, cut in out)
    return tuple(np.concatenate([o[0][i] for o in out]) for i in range(7)), pruned


def _dense_pairs(
    st: ProduceState, table: DistanceTable, sup: I64, dem: I64, reach_m: int
) -> tuple[I64, I64, I64]:
    """Node pairs of a small group whose grade matches, within reach, seller ≠ buyer.

    Every pair is tested at once: the grade and a latitude/longitude box (degrees from
    metres with generous margins) filter the block before any distance is computed.
    """
    near = st.d_bid[dem][:, st.s_grade[sup]] >= 0
    near &= st.s_coop[sup][None, :] != st.d_coop[dem][:, None]
    if not st.dist.matrix:
        band = int(reach_m * DEG_PER_M * 1e5) + 1
        lat_s, lat_d = st.dist.lat[st.s_coop[sup]], st.dist.lat[st.d_coop[dem]]
        lon_s, lon_d = st.dist.lon[st.s_coop[sup]], st.dist.lon[st.d_coop[dem]]
        lat_max = int(np.abs(np.concatenate([lat_s, lat_d])).max()) / 1e5
        cos = max(float(np.cos(np.radians(min(lat_max + 1.0, 89.0)))), 0.01)
        near &= np.abs(lat_d[:, None] - lat_s[None, :]) <= band
        near &= np.abs(lon_d[:, None] - lon_s[None, :]) <= int(band / cos) + 1
    rows, cols = np.nonzero(near)
    ss, dd = sup[cols], dem[rows]
    dist = table.between(st.s_coop[ss], st.d_coop[dd])
    ok = (dist >= 0) & (dist <= reach_m)
    return ss[ok], dd[ok], dist[ok]


class _GradeSide:
    """The supply nodes of one grade and the demand nodes accepting it, grouped by coop."""

    def __init__(
        self, st: ProduceState, s_coops: I64, d_coops: I64, sup: I64, dem: I64, grade: int
    ) -> None:
        # ``sup`` and ``dem`` come sorted by (coop, node), so the subsets are too.
        self.sg = sup[st.s_grade[sup] == grade]
        self.dg = dem[st.d_bid[dem, grade] >= 0]
        self.s_cnt = np.bincount(
            np.searchsorted(s_coops, st.s_coop[self.sg]), minlength=s_coops.size
        )
        self.d_cnt = np.bincount(
            np.searchsorted(d_coops, st.d_coop[self.dg]), minlength=d_coops.size
        )
        self.s_first = np.cumsum(self.s_cnt) - self.s_cnt
        self.d_first = np.cumsum(self.d_cnt) - self.d_cnt

    def pair_size(self, si: I64, di: I64) -> I64:
        """Node pairs of this grade in each coop pair."""
        out: I64 = self.s_cnt[si] * self.d_cnt[di]
        return out

    def expand(self, si: I64, di: I64) -> tuple[I64, I64, I64]:
        """(position of the coop pair, supply node, demand node) of every node pair."""
        ns, size = self.s_cnt[si], self.pair_size(si, di)
        p = np.repeat(np.arange(si.size, dtype=np.int64), size)
        local = np.arange(p.size, dtype=np.int64) - np.repeat(np.cumsum(size) - size, size)
        row, col = np.divmod(local, ns[p])
        return p, self.sg[self.s_first[si][p] + col], self.dg[self.d_first[di][p] + row]


def _chunks(di: I64, total: I64) -> list[tuple[int, int]]:
    """Ranges of coop pairs of about CHUNK_CELLS node pairs, cut only between demand coops.

    ``di`` is grouped (each demand coop's pairs are consecutive).

    >>> _chunks(np.array([4, 4, 1, 1, 1, 7]), np.array([1, 1, 2, 2, 2, 1]) * CHUNK_CELLS // 4)
    [(0, 2), (2, 5), (5, 6)]
    """
    if di.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, di[1:] != di[:-1]])
    cum = np.cumsum(np.add.reduceat(total, starts))
    cuts = [0]
    while cuts[-1] < starts.size:
        a = cuts[-1]
        base = int(cum[a - 1]) if a else 0
        # As many whole demand coops as fit; at least one.
        cuts.append(max(a + 1, int(np.searchsorted(cum, base + CHUNK_CELLS, side="right"))))
    ends = [*starts.tolist(), di.size]
    return [(ends[a], ends[b]) for a, b in pairwise(cuts)]


def _evaluate(
    st: ProduceState,
    ss: I64,
    dd: I64,
    dist: I64,
    tdays: I64,
    transport: I64,
    max_per_demand: int,
    lock: AbstractContextManager[object] | None = None,
) -> tuple[tuple[I64, ...], bool]:
    """Dates, gains and stages of node pairs within reach whose grade matches; the best lanes
    of each demand node. ``lock`` guards the stage update when chunks run on threads."""
    bid = st.d_bid[dd, st.s_grade[ss]]
    day = st.s_ship_day[ss] + tdays
    date_ok = day <= np.minimum(st.s_expiry[ss], st.d_due[dd])
    spoil = st.s_spoil[ss] * (day - st.round_day)
    gain = bid - st.s_reserve[ss] - transport - spoil
    direct = (ss < st.n_lots) & (dd < st.n_orders)
    ok = date_ok & (~direct | (gain > 0))
    _flat_stage(st, ss, dd, date_ok, ok, lock or nullcontext())
    idx = np.flatnonzero(ok)
    keep = _best_per_demand(dd[idx], ss[idx], gain[idx], max_per_demand)
    pruned = keep.size < idx.size
    idx = idx[keep]
    return (ss[idx], dd[idx], dist[idx], transport[idx], spoil[idx], gain[idx], day[idx]), pruned


def _best_per_demand(dd: I64, ss: I64, gain: I64, n: int) -> I64:
    """Indices of the ``n`` best lanes of each demand node (gain desc, then supply asc).

    Sorted by (demand, supply). Only demand nodes with more than ``n`` lanes are sorted by
    gain; rows need not be grouped.

    >>> _best_per_demand(np.array([1, 0, 0, 0]), np.array([9, 5, 3, 4]),
    ...                  np.array([1, 7, 7, 9]), 2).tolist()
    [2, 3, 0]
    """
    if dd.size == 0:
        return np.arange(0)
    counts = np.bincount(dd)
    over = counts[dd] > n
    if over.any():
        cand = np.flatnonzero(over)
        d, g, c = dd[cand], gain[cand], ss[cand]
        g_span = int(g.max()) - int(g.min()) + 1
        c_span = int(c.max()) + 1
        if (int(d.max()) + 1) * g_span * c_span < 2**62:
            # One int64 key (demand, −gain, supply) sorts faster than a three-key lexsort.
            order = np.argsort((d * g_span + (int(g.max()) - g)) * c_span + c)
        else:
            order = np.lexsort((c, -g, d))
        ds = d[order]
        first = np.searchsorted(ds, ds, side="left")
        kept = cand[order[(np.arange(order.size) - first) < n]]
        sel = np.concatenate([np.flatnonzero(~over), kept])
    else:
        sel = np.arange(dd.size)
    out: I64 = sel[_by_demand_then_supply(dd[sel], ss[sel])]
    return out


def _flat_stage(
    st: ProduceState,
    ss: I64,
    dd: I64,
    date_ok: Bool,
    ok: Bool,
    lock: AbstractContextManager[object],
) -> None:
    """Stages of node pairs within reach: 3, or 4 when the dates fit, or 5 for a lane.

    Only the final in-place maximum touches shared state, under ``lock``.
    """
    for side, nodes, n in ((st.stage_lot, ss, st.n_lots), (st.stage_order, dd, st.n_orders)):
        best = np.zeros(side.size, np.int64)
        own = nodes < n
        # Assign in increasing stage order, so a node ends with its highest stage.
        for value, mask in ((3, own), (4, own & date_ok), (5, own & ok)):
            best[nodes[mask]] = value
        with lock:
            np.maximum(side, best, out=side)


def _grade_stage(st: ProduceState, sup: I64, dem: I64) -> None:
    """Stage 2 where a grade matches somewhere in the group (covers band-skipped pairs)."""
    accepted: Bool = np.asarray((st.d_bid[dem] >= 0).any(axis=0), dtype=bool)
    lots = sup[(sup < st.n_lots) & accepted[st.s_grade[sup]]]
    st.stage_lot[lots] = np.maximum(st.stage_lot[lots], 2)
    offered = np.zeros(st.d_bid.shape[1], dtype=bool)
    offered[np.unique(st.s_grade[sup])] = True
    hit = (st.d_bid[dem][:, offered] >= 0).any(axis=1)
    orders = dem[(dem < st.n_orders) & hit]
    st.stage_order[orders] = np.maximum(st.stage_order[orders], 2)
