"""Lane distances in integer metres: supplied matrix, or great circle × road factor.

The great-circle distance is computed in floating point (haversine, mean Earth radius
6,371,008.8 m) and rounded once to whole metres, then multiplied by the road factor in basis
points with half-even rounding, so every output is an exact integer.
"""

from __future__ import annotations

import copy

import numpy as np
import numpy.typing as npt

from matcher.produce.model import Lane

I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
F64 = npt.NDArray[np.float64]
EARTH_RADIUS_M = 6_371_008.8
E5 = 1e-5


def great_circle_m(lat_a: I64, lon_a: I64, lat_b: I64, lon_b: I64) -> I64:
    """Haversine distance in whole metres between points given in 1e-5 degrees.

    >>> int(great_circle_m(np.array([1855230]), np.array([9905934]),
    ...                    np.array([1841906]), np.array([9888671]))[0])
    23472
    """
    la1, lo1 = np.radians(lat_a * E5), np.radians(lon_a * E5)
    la2, lo2 = np.radians(lat_b * E5), np.radians(lon_b * E5)
    return _haversine_m(la1, lo1, np.cos(la1), la2, lo2, np.cos(la2))


def _haversine_m(la1: F64, lo1: F64, cos1: F64, la2: F64, lo2: F64, cos2: F64) -> I64:
    """Haversine in whole metres from radians and the cosines of the latitudes."""
    h = np.sin((la2 - la1) / 2) ** 2 + cos1 * cos2 * np.sin((lo2 - lo1) / 2) ** 2
    d = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    out: I64 = np.rint(d).astype(np.int64)
    return out


def road_m(great_circle: I64, road_factor_bps: int) -> I64:
    """Road distance = great circle × factor / 10,000, rounded half-even to whole metres."""
    num = great_circle * road_factor_bps
    q, r = np.divmod(num, 10_000)
    up = (2 * r > 10_000) | ((2 * r == 10_000) & (q % 2 == 1))
    out: I64 = (q + up).astype(np.int64)
    return out


class DistanceTable:
    """Distances between coop indices, from coordinates or from a supplied matrix."""

    def __init__(
        self,
        coop_index: dict[str, int],
        lat_e5: I64,
        lon_e5: I64,
        road_factor_bps: int,
        lanes: tuple[Lane, ...],
    ) -> None:
        self.lat, self.lon, self.factor = lat_e5, lon_e5, road_factor_bps
        # Per coop once: radians and cos(latitude) (the same floats great_circle_m computes).
        self.rad_lat, self.rad_lon = np.radians(lat_e5 * E5), np.radians(lon_e5 * E5)
        self.cos_lat = np.cos(self.rad_lat)
        self.n = len(coop_index)
        self.matrix = bool(lanes)
        keys = np.array(
            [coop_index[x.origin] * self.n + coop_index[x.destination] for x in lanes],
            dtype=np.int64,
        )
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.vals = np.array([x.distance_m for x in lanes], dtype=np.int64)[order]

    def with_factor(self, road_factor_bps: int) -> DistanceTable:
        """The same table with another road factor (a product's own roads)."""
        if road_factor_bps == self.factor:
            return self
        out = copy.copy(self)
        out.factor = road_factor_bps
        return out

    def between(self, origin: I64, destination: I64) -> I64:
        """Distance in metres for each (origin, destination) coop index pair; −1 if unknown."""
        if not self.matrix:
            gc = _haversine_m(
                self.rad_lat[origin],
                self.rad_lon[origin],
                self.cos_lat[origin],
                self.rad_lat[destination],
                self.rad_lon[destination],
                self.cos_lat[destination],
            )
            return road_m(gc, self.factor)
        keys = origin.astype(np.int64) * self.n + destination
        if self.keys.size == 0:
            return np.full(keys.shape, -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.keys, keys), 0, self.keys.size - 1)
        found: I64 = np.where(self.keys[pos] == keys, self.vals[pos], -1).astype(np.int64)
        return found


def transit_days(distance_m: I64, km_per_day: int) -> I64:
    """Whole days on the road: floor(distance / (km_per_day × 1000)); same day below that."""
    out: I64 = (distance_m // (km_per_day * 1000)).astype(np.int64)
    return out


def lane_cost(distance_m: I64, cost_per_unit_km: int) -> I64:
    """Transport cost per unit on a lane in satang: rate × metres / 1000, half-even."""
    num = distance_m * cost_per_unit_km
    q, r = np.divmod(num, 1000)
    up = (2 * r > 1000) | ((2 * r == 1000) & (q % 2 == 1))
    out: I64 = (q + up).astype(np.int64)
    return out
