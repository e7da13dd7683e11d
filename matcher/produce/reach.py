"""Coop pairs within reach: the distances a tier's lanes need, computed once per coop pair.

A lane's distance, transit days and transport cost depend only on its two coops, and a
coop usually holds several lots and orders, so :mod:`matcher.produce.lanes` asks for the
pairs (supply coop, demand coop) with ``0 ≤ distance ≤ reach`` and seller ≠ buyer, and
then expands each pair to its nodes.

* Supplied matrix: the matrix's own entries between the two coop sets.
* Coordinates: demand coops in latitude order are taken in chunks; each chunk is paired
  with the supply coops in its latitude window, a longitude box (degrees from metres with
  generous margins, so no pair within reach is dropped) filters the block, and only the
  pairs in the box get a great-circle distance. The chunks run on a few threads
  (:mod:`matcher.produce.pool`) and are joined in order, so the pairs do not depend on the
  number of threads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.produce.distance import I64, DistanceTable
from matcher.produce.pool import WORKERS, ordered_map

CHUNK_CELLS = 2_000_000
"""Coop pairs tested per numpy block (bounds memory)."""
DEG_PER_M = 1.0 / 110_000.0
"""Generous metres → degrees of latitude for the box (1° ≥ 110.5 km)."""


@dataclass(frozen=True)
class CoopPairs:
    """Pairs of positions into the supply and demand coop arrays, grouped by demand coop
    (all pairs of a demand coop are consecutive)."""

    si: I64
    di: I64
    dist_m: I64


def coop_pairs(
    dist: DistanceTable, s_coops: I64, d_coops: I64, reach_m: int, workers: int = WORKERS
) -> CoopPairs:
    """Every (supply coop, demand coop) pair with ``0 ≤ distance ≤ reach_m`` and seller ≠ buyer.

    ``s_coops`` and ``d_coops`` are sorted unique coop indices. Coordinates: demand coops
    come in latitude order, each with its supply coops in latitude order (``workers``:
    threads for the latitude chunks; the pairs do not depend on it).

    >>> from matcher.produce.distance import DistanceTable
    >>> t = DistanceTable({"a": 0, "b": 1, "c": 2}, np.array([1855230, 1841906, 1300000]),
    ...     np.array([9905934, 9888671, 9900000]), 13_000, ())
    >>> p = coop_pairs(t, np.array([0, 1, 2]), np.array([0, 1]), 100_000)
    >>> p.si.tolist(), p.di.tolist(), p.dist_m.tolist()
    ([0, 1], [1, 0], [30514, 30514])
    """
    if dist.matrix:
        si, di, dm = _matrix_pairs(dist, s_coops, d_coops)
        return _within(s_coops, d_coops, reach_m, si, di, dm)
    return _coordinate_pairs(dist, s_coops, d_coops, reach_m, workers)


def _within(s_coops: I64, d_coops: I64, reach_m: int, si: I64, di: I64, dm: I64) -> CoopPairs:
    """The pairs with ``0 ≤ distance ≤ reach_m`` and seller ≠ buyer, in their order."""
    keep = (dm >= 0) & (dm <= reach_m) & (s_coops[si] != d_coops[di])
    return CoopPairs(si[keep], di[keep], dm[keep])


def _matrix_pairs(dist: DistanceTable, s_coops: I64, d_coops: I64) -> tuple[I64, I64, I64]:
    """The supplied matrix entries from a supply coop to a demand coop."""
    origin, destination = dist.keys // dist.n, dist.keys % dist.n
    si = np.searchsorted(s_coops, origin)
    di = np.searchsorted(d_coops, destination)
    ok = (si < s_coops.size) & (di < d_coops.size)
    ok[ok] = (s_coops[si[ok]] == origin[ok]) & (d_coops[di[ok]] == destination[ok])
    # The matrix is sorted by origin: regroup by destination.
    at = np.flatnonzero(ok)
    at = at[np.argsort(di[at], kind="stable")]
    return si[at].astype(np.int64), di[at].astype(np.int64), dist.vals[at]


def _coordinate_pairs(
    dist: DistanceTable, s_coops: I64, d_coops: I64, reach_m: int, workers: int
) -> CoopPairs:
    """Pairs inside the latitude window and longitude box whose road distance is in reach.

    Each chunk of demand coops is boxed, measured and filtered on its own (up to ``workers``
    threads); the chunks are joined in order, which is the order of one pass over them.
    """
    # road = round(great circle × factor / 10⁴) ≤ reach needs great circle < (reach + 1) × 10⁴
    # / factor; a metre more covers the rounding of the great circle itself.
    gc_reach = (reach_m + 1) * 10_000 // max(1, dist.factor) + 2
    band = int(gc_reach * DEG_PER_M * 1e5) + 1
    lat_s, lon_s = dist.lat[s_coops], dist.lon[s_coops]
    lat_d, lon_d = dist.lat[d_coops], dist.lon[d_coops]
    lat_max = int(np.abs(np.concatenate([lat_s, lat_d])).max(initial=0)) / 1e5
    cos = max(float(np.cos(np.radians(min(lat_max + 1.0, 89.0)))), 0.01)
    band_lon = int(band / cos) + 2
    s_by_lat = np.argsort(lat_s, kind="stable")
    lat_sorted = lat_s[s_by_lat]
    d_by_lat = np.argsort(lat_d, kind="stable")
    d_lat_sorted = lat_d[d_by_lat]
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < d_by_lat.size:
        stop = _chunk_end(d_lat_sorted, lat_sorted, start, band)
        ranges.append((start, stop))
        start = stop

    def chunk(ab: tuple[int, int]) -> CoopPairs:
        dc = d_by_lat[ab[0] : ab[1]]
        lo = int(np.searchsorted(lat_sorted, int(lat_d[dc].min()) - band, side="left"))
        hi = int(np.searchsorted(lat_sorted, int(lat_d[dc].max()) + band, side="right"))
        sc = s_by_lat[lo:hi]
        box = (np.abs(lat_d[dc][:, None] - lat_s[sc][None, :]) <= band) & (
            np.abs(lon_d[dc][:, None] - lon_s[sc][None, :]) <= band_lon
        )
        rows, cols = np.nonzero(box)
        si, di = sc[cols], dc[rows]
        dm = dist.between(s_coops[si], d_coops[di])
        return _within(s_coops, d_coops, reach_m, si, di, dm)

    out = ordered_map(chunk, ranges, workers)
    if not out:
        e = np.zeros(0, np.int64)
        return CoopPairs(e, e, e)
    return CoopPairs(
        *(np.concatenate([getattr(o, f) for o in out]) for f in ("si", "di", "dist_m"))
    )


def _chunk_end(d_lat: I64, lat_sorted: I64, start: int, band: int) -> int:
    """End of the demand chunk from ``start``: about CHUNK_CELLS cells against its window.

    ``d_lat`` and ``lat_sorted``: demand and supply latitudes, each sorted.
    """
    lat0 = int(d_lat[start])
    lo = int(np.searchsorted(lat_sorted, lat0 - band, side="left"))
    hi = int(np.searchsorted(lat_sorted, lat0 + 2 * band, side="right"))
    # The window of a chunk whose latitudes span one band holds at most hi − lo supply coops.
    rows = max(1, CHUNK_CELLS // max(1, hi - lo))
    far = int(np.searchsorted(d_lat, lat0 + band, side="right"))
    return int(min(d_lat.size, start + rows, max(far, start + 1)))
