"""Candidate lanes of one tier: which supply node may ship to which demand node.

At level L every network of that level is an independent component. A lane (s, d) exists
when, in the same component and for the same product,

* grade:   the demand accepts the supply's grade (``bid[d, grade(s)] ≥ 0``);
* reach:   ``0 ≤ distance(s, d) ≤ max_distance``, and seller ≠ buyer;
* dates:   ``delivery = max(round, ready) + floor(km / km_per_day) ≤ min(expiry, deliver_by)``;
* price:   for a direct lot → order lane the gain per unit
  ``bid − reserve − transport − spoilage × days`` is positive (lanes touching a processor
  carry their part of the gain, which may be negative; the flow decides).

Each demand node keeps its ``max_lanes_per_order`` best lanes (by gain, then supply index);
cutting any makes the tier *feasible* rather than optimal. Lanes are built in chunks of
demand nodes that lie close together on the map (latitude stripes, then longitude), against
only the supply nodes within reach of the chunk, so no tier ever enumerates every pair at
once.

While building, each lot and order records the furthest *stage* any candidate reached
(1 grade, 2 reach, 3 dates, 4 price, 5 a lane exists): :mod:`matcher.produce.explain`
turns the stage into a reason code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.domain import NetworkLevel
from matcher.produce.distance import I64, Bool, lane_cost, transit_days
from matcher.produce.model import Transport
from matcher.produce.state import ProduceState

CHUNK_CELLS = 2_000_000
"""Pairs evaluated per numpy chunk (bounds memory)."""
DEG_PER_M = 1.0 / 110_000.0
"""Generous metres → degrees of latitude for the band prefilter (1° ≥ 110.5 km)."""


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

    def take(self, sel: I64 | Bool) -> TierLanes:
        """The lanes picked by an index array or a mask."""
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
) -> TierLanes:
    """Every candidate lane of the tier (see the module docstring for the rules)."""
    sup, dem = active_supply(st, level), active_demand(st, level)
    if exclude is not None and exclude.size:
        dem = np.setdiff1d(dem, exclude)
    s_key = st.coop_net_at[level][st.s_coop[sup]] * len(st.products) + st.s_prod[sup]
    d_key = st.coop_net_at[level][st.d_coop[dem]] * len(st.products) + st.d_prod[dem]
    parts: list[tuple[I64, ...]] = []
    pruned = False
    for key in np.intersect1d(s_key, d_key):
        got, cut = _group_lanes(st, sup[s_key == key], dem[d_key == key], t, max_per_demand)
        pruned |= cut
        comp = np.full(got[0].size, key // len(st.products), dtype=np.int64)
        parts.append((*got, comp))
    _mark_lonely(st, sup, dem, s_key, d_key)
    if not parts:
        e = np.zeros(0, np.int64)
        return TierLanes(e, e, e, e, e, e, e, e, False)
    cat = [np.concatenate([p[i] for p in parts]) for i in range(8)]
    order = _by_demand_then_supply(cat[1], cat[0])
    s, d, dist, tr, sp, gain, day, comp = (c[order] for c in cat)
    return TierLanes(s, d, comp, dist, tr, sp, gain, day, pruned)


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
    st: ProduceState, sup: I64, dem: I64, t: Transport, max_per_demand: int
) -> tuple[tuple[I64, ...], bool]:
    """Lanes between the supply and demand nodes of one component and product."""
    _grade_stage(st, sup, dem)
    # One chunk needs no grid: the box filter alone keeps the pairs within reach.
    small = sup.size * dem.size <= CHUNK_CELLS
    grid = None if st.dist.matrix or small else _Grid(st, sup, dem, t.max_distance_m)
    if grid is not None:
        sup, dem = grid.sup, grid.dem
    step = max(1, CHUNK_CELLS // max(1, sup.size))
    out: list[tuple[I64, ...]] = []
    pruned = False
    for start in range(0, dem.size, step):
        dc = dem[start : start + step]
        sc = sup if grid is None else grid.near(dc)
        got, cut = _chunk(st, sc, dc, t, max_per_demand)
        pruned |= cut
        out.append(got)
    return tuple(np.concatenate([o[i] for o in out]) for i in range(7)), pruned


class _Grid:
    """Supply and demand nodes in latitude stripes half a reach high, by longitude inside.

    A chunk of consecutive demand nodes is then compact on the map, and only the supply
    nodes of the stripes and longitudes within reach of it are paired with it.
    """

    def __init__(self, st: ProduceState, sup: I64, dem: I64, reach_m: int) -> None:
        self.st = st
        self.band = int(reach_m * DEG_PER_M * 1e5) + 1
        self.h = max(1, self.band // 2)
        lat = st.dist.lat
        lat_max = int(np.abs(np.concatenate([lat[st.s_coop[sup]], lat[st.d_coop[dem]]])).max())
        cos = max(float(np.cos(np.radians(min(lat_max / 1e5 + 1.0, 89.0)))), 0.01)
        self.band_lon = int(self.band / cos) + 2
        self.lat0 = int(min(lat[st.s_coop[sup]].min(), lat[st.d_coop[dem]].min()))
        s_stripe, s_lon = self._stripe(st.s_coop[sup]), st.dist.lon[st.s_coop[sup]]
        order = np.lexsort((sup, s_lon, s_stripe))
        self.sup, self.s_lon = sup[order], s_lon[order]
        self.starts = np.searchsorted(s_stripe[order], np.arange(int(s_stripe.max()) + 2))
        d_coop = st.d_coop[dem]
        self.dem = dem[np.lexsort((dem, st.dist.lon[d_coop], self._stripe(d_coop)))]

    def _stripe(self, coops: I64) -> I64:
        out: I64 = (self.st.dist.lat[coops] - self.lat0) // self.h
        return out

    def near(self, dc: I64) -> I64:
        """Supply nodes in the stripes and longitudes within reach of the demand chunk."""
        lat = self.st.dist.lat[self.st.d_coop[dc]]
        lon = self.st.dist.lon[self.st.d_coop[dc]]
        k_lo = max(0, (int(lat.min()) - self.band - self.lat0) // self.h)
        k_hi = min(self.starts.size - 2, (int(lat.max()) + self.band - self.lat0) // self.h)
        lon_lo, lon_hi = int(lon.min()) - self.band_lon, int(lon.max()) + self.band_lon
        parts = []
        for k in range(k_lo, k_hi + 1):
            a, b = int(self.starts[k]), int(self.starts[k + 1])
            lo = a + int(np.searchsorted(self.s_lon[a:b], lon_lo, side="left"))
            hi = a + int(np.searchsorted(self.s_lon[a:b], lon_hi, side="right"))
            parts.append(self.sup[lo:hi])
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)


def _chunk(
    st: ProduceState, sc: I64, dc: I64, t: Transport, max_per_demand: int
) -> tuple[tuple[I64, ...], bool]:
    e = np.zeros(0, np.int64)
    if sc.size == 0 or dc.size == 0:
        return (e, e, e, e, e, e, e), False
    grade_ok = st.d_bid[dc][:, st.s_grade[sc]] >= 0
    near = grade_ok & (st.s_coop[sc][None, :] != st.d_coop[dc][:, None])
    if not st.dist.matrix:
        near &= _box(st, sc, dc, t.max_distance_m)
    rows, cols = np.nonzero(near)
    if rows.size == 0:
        return (e, e, e, e, e, e, e), False
    ss, dd = sc[cols], dc[rows]
    bid = st.d_bid[dd, st.s_grade[ss]]
    dist = st.dist.between(st.s_coop[ss], st.d_coop[dd])
    reach_ok = (dist >= 0) & (dist <= t.max_distance_m)
    day = st.s_ship_day[ss] + transit_days(np.maximum(dist, 0), t.km_per_day)
    date_ok = reach_ok & (day <= np.minimum(st.s_expiry[ss], st.d_due[dd]))
    transport = lane_cost(np.maximum(dist, 0), t.cost_satang_per_unit_km)
    spoil = st.s_spoil[ss] * (day - st.round_day)
    gain = bid - st.s_reserve[ss] - transport - spoil
    direct = (ss < st.n_lots) & (dd < st.n_orders)
    ok = date_ok & (~direct | (gain > 0))
    _flat_stage(st, ss, dd, 2 + reach_ok.astype(np.int64) + date_ok + ok)
    idx = np.flatnonzero(ok)
    keep = _top_per_row(rows[idx], ss[idx], gain[idx], max_per_demand)
    pruned = keep.size < idx.size
    idx = idx[keep]
    return (ss[idx], dd[idx], dist[idx], transport[idx], spoil[idx], gain[idx], day[idx]), pruned


def _box(st: ProduceState, sc: I64, dc: I64, reach_m: int) -> Bool:
    """Cheap pre-filter: pairs inside a latitude/longitude box around the reach (degrees
    from metres with generous margins, so no pair within reach is dropped)."""
    band = int(reach_m * DEG_PER_M * 1e5) + 1
    lat_s, lat_d = st.dist.lat[st.s_coop[sc]], st.dist.lat[st.d_coop[dc]]
    lon_s, lon_d = st.dist.lon[st.s_coop[sc]], st.dist.lon[st.d_coop[dc]]
    lat_max = int(np.abs(np.concatenate([lat_s, lat_d])).max()) / 1e5
    cos = max(float(np.cos(np.radians(min(lat_max + 1.0, 89.0)))), 0.01)
    band_lon = int(band / cos) + 1
    box: Bool = (np.abs(lat_d[:, None] - lat_s[None, :]) <= band) & (
        np.abs(lon_d[:, None] - lon_s[None, :]) <= band_lon
    )
    return box


def _flat_stage(st: ProduceState, ss: I64, dd: I64, stage: I64) -> None:
    """Stages 2–5 of the pairs that passed the pre-filter."""
    lot = ss < st.n_lots
    np.maximum.at(st.stage_lot, ss[lot], stage[lot])
    od = dd < st.n_orders
    np.maximum.at(st.stage_order, dd[od], stage[od])


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


def _top_per_row(rows: I64, sup: I64, gain: I64, n: int) -> I64:
    """Indices of the ``n`` best lanes of each row (gain desc, then supply index asc).

    ``rows`` is non-decreasing; only rows with more than ``n`` lanes are sorted.

    >>> _top_per_row(np.array([0, 0, 0, 1]), np.array([5, 3, 4, 9]),
    ...              np.array([7, 7, 9, 1]), 2).tolist()
    [1, 2, 3]
    """
    if rows.size == 0:
        return np.arange(rows.size)
    counts = np.bincount(rows)
    if counts.max() <= n:
        return np.arange(rows.size)
    over = counts[rows] > n
    cand = np.flatnonzero(over)
    r, g, c = rows[cand], gain[cand], sup[cand]
    g_span = int(g.max()) - int(g.min()) + 1
    c_span = int(c.max()) + 1
    if (int(r[-1]) + 1) * g_span * c_span < 2**62:
        # One int64 key (row, −gain, supply) sorts faster than a three-key lexsort.
        key = (r * g_span + (int(g.max()) - g)) * c_span + c
        order = np.argsort(key)
    else:
        order = np.lexsort((c, -g, r))
    first = np.searchsorted(r[order], r[order], side="left")
    kept = cand[order[(np.arange(order.size) - first) < n]]
    out: I64 = np.sort(np.concatenate([np.flatnonzero(~over), kept]))
    return out
