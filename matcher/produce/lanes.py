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
demand nodes sorted by latitude, against only the supply nodes in the latitude band within
reach, so no tier ever enumerates every pair at once.

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
        return int(self.s.size)


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
    order = np.lexsort((cat[0], cat[1]))
    s, d, dist, tr, sp, gain, day, comp = (c[order] for c in cat)
    return TierLanes(s, d, comp, dist, tr, sp, gain, day, pruned)


def _mark_lonely(st: ProduceState, sup: I64, dem: I64, s_key: I64, d_key: I64) -> None:
    """Stage 1 for lots/orders whose product has a counterpart in their component."""
    lots = sup[(sup < st.n_lots) & np.isin(s_key, d_key)]
    st.stage_lot[lots] = np.maximum(st.stage_lot[lots], 1)
    orders = dem[(dem < st.n_orders) & np.isin(d_key, s_key)]
    st.stage_order[orders] = np.maximum(st.stage_order[orders], 1)


def _group_lanes(
    st: ProduceState, sup: I64, dem: I64, t: Transport, max_per_demand: int
) -> tuple[tuple[I64, ...], bool]:
    """Lanes between the supply and demand nodes of one component and product."""
    lat_s = st.dist.lat[st.s_coop[sup]]
    order_s = np.argsort(lat_s, kind="stable")
    sup, lat_s = sup[order_s], lat_s[order_s]
    dem = dem[np.argsort(st.dist.lat[st.d_coop[dem]], kind="stable")]
    _grade_stage(st, sup, dem)
    band = int(t.max_distance_m * DEG_PER_M * 1e5) + 1
    step = max(1, CHUNK_CELLS // max(1, sup.size))
    out: list[tuple[I64, ...]] = []
    pruned = False
    for start in range(0, dem.size, step):
        dc = dem[start : start + step]
        if st.dist.matrix:
            sc = sup
        else:
            lat_d = st.dist.lat[st.d_coop[dc]]
            lo = np.searchsorted(lat_s, int(lat_d.min()) - band, side="left")
            hi = np.searchsorted(lat_s, int(lat_d.max()) + band, side="right")
            sc = sup[lo:hi]
        got, cut = _chunk(st, sc, dc, t, max_per_demand)
        pruned |= cut
        out.append(got)
    return tuple(np.concatenate([o[i] for o in out]) for i in range(7)), pruned


def _chunk(
    st: ProduceState, sc: I64, dc: I64, t: Transport, max_per_demand: int
) -> tuple[tuple[I64, ...], bool]:
    if sc.size == 0 or dc.size == 0:
        e = np.zeros(0, np.int64)
        return (e, e, e, e, e, e, e), False
    bid = st.d_bid[dc][:, st.s_grade[sc]]
    grade_ok = bid >= 0
    dd, ss = np.meshgrid(dc, sc, indexing="ij")
    dist = st.dist.between(st.s_coop[ss], st.d_coop[dd])
    reach_ok = (
        grade_ok & (dist >= 0) & (dist <= t.max_distance_m) & (st.s_coop[ss] != st.d_coop[dd])
    )
    day = st.s_ship_day[ss] + transit_days(np.maximum(dist, 0), t.km_per_day)
    date_ok = reach_ok & (day <= np.minimum(st.s_expiry[ss], st.d_due[dd]))
    transport = lane_cost(np.maximum(dist, 0), t.cost_satang_per_unit_km)
    spoil = st.s_spoil[ss] * (day - st.round_day)
    gain = bid - st.s_reserve[ss] - transport - spoil
    direct = (ss < st.n_lots) & (dd < st.n_orders)
    ok = date_ok & (~direct | (gain > 0))
    _record_stages(st, ss, dd, grade_ok, reach_ok, date_ok, ok)
    rows, cols = np.nonzero(ok)
    pruned = False
    if rows.size:
        keep = _top_per_row(rows, cols, gain[rows, cols], max_per_demand)
        pruned = keep.size < rows.size
        rows, cols = rows[keep], cols[keep]
    return (
        ss[rows, cols],
        dd[rows, cols],
        dist[rows, cols],
        transport[rows, cols],
        spoil[rows, cols],
        gain[rows, cols],
        day[rows, cols],
    ), pruned


def _record_stages(st: ProduceState, ss: I64, dd: I64, *masks: Bool) -> None:
    """Furthest stage reached by each lot (over demands) and order (over supplies)."""
    stage: I64 = np.ones(ss.shape, dtype=np.int64)
    for m in masks:
        stage += m
    lot_cols = ss[0] < st.n_lots
    if lot_cols.any():
        best = stage[:, lot_cols].max(axis=0)
        lots = ss[0][lot_cols]
        st.stage_lot[lots] = np.maximum(st.stage_lot[lots], best)
    ord_rows = dd[:, 0] < st.n_orders
    if ord_rows.any():
        best = stage[ord_rows, :].max(axis=1)
        orders = dd[:, 0][ord_rows]
        st.stage_order[orders] = np.maximum(st.stage_order[orders], best)


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


def _top_per_row(rows: I64, cols: I64, gain: I64, n: int) -> I64:
    """Indices of the ``n`` best lanes of each row (gain desc, then column asc)."""
    counts = np.bincount(rows)
    if counts.max() <= n:
        return np.arange(rows.size)
    order = np.lexsort((cols, -gain, rows))
    first = np.searchsorted(rows[order], rows[order], side="left")
    keep = order[(np.arange(order.size) - first) < n]
    out: I64 = np.sort(keep)
    return out
