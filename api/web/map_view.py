"""The round on a real map (Leaflet, vendored under ``static/leaflet``; no tiles, no CDN):
each coop at its coordinates or its district's centre, loans and sales as lines whose width
grows with the amount, and the outline of each province the coops lie in, drawn as the
convex hull of the centres of all the province's districts (``scenarios/data``, from the
district table of ``shared/data``: DOPA codes with one interior point per district). The
hull is an approximation of the province, said so in the legend; labels show on hover or
tap, so they never overlap.

:func:`map_data` returns plain JSON-ready data; ``static/map.js`` draws it. Output depends
only on the input, sorted.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from typing import Any

from api.web import i18n
from api.web.picture import Flow, _raw_positions
from scenarios.sim.loader import DISTRICTS_CSV, districts

Place = tuple[str, str, int | None, int | None]
MIN_WIDTH, MAX_WIDTH = 2.0, 12.0


RING_DEGREES = 0.03
"""Coops that share a point (one district's centre) sit on a ring this wide around it."""


def spread(positions: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Coops at one point moved onto a small ring around it, in id order, so that each dot
    and each line between them can be seen.

    >>> spread({"a": (99.0, 18.0), "b": (99.0, 18.0), "c": (98.0, 17.0)})["c"]
    (98.0, 17.0)
    >>> sorted(spread({"a": (99.0, 18.0), "b": (99.0, 18.0)}).values())
    [(98.97879, 17.97879), (99.02121, 18.02121)]
    """
    groups: dict[tuple[float, float], list[str]] = {}
    for cid in sorted(positions):
        groups.setdefault(positions[cid], []).append(cid)
    out: dict[str, tuple[float, float]] = {}
    for (lon, lat), ids in groups.items():
        for k, cid in enumerate(ids):
            if len(ids) == 1:
                out[cid] = (lon, lat)
                continue
            angle = 2 * math.pi * k / len(ids) + math.pi / 4  # no flat lines between them
            out[cid] = (round(lon + RING_DEGREES * math.cos(angle), 5),
                        round(lat + RING_DEGREES * math.sin(angle), 5))  # fmt: skip
    return out


def hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The convex hull of ``points`` (monotone chain), counter-clockwise, no repeats.

    >>> hull([(0, 0), (2, 0), (1, 1), (2, 2), (0, 2), (1, 0)])
    [(0, 0), (2, 0), (2, 2), (0, 2)]
    """
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


@cache
def province_names() -> dict[str, tuple[str, str]]:
    """Province code → (Thai, English) name, from the district table's own columns."""
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as handle:
        return {r["province_code"]: (r["province_name_th"], r["province_name_en"])
                for r in csv.DictReader(handle)}  # fmt: skip


def _provinces(codes: set[str], lang: str) -> list[dict[str, Any]]:
    """The outline (hull of district centres) of every province in ``codes``."""
    table = districts()
    out = []
    for province in sorted(codes):
        rows = [d for d in table.values() if d.province_code == province]
        if not rows:
            continue
        ring = hull([(d.lat_e5 / 1e5, d.lon_e5 / 1e5) for d in rows])
        th, en = province_names().get(province, (province, province))
        name = th if lang == "th" else en
        out.append({"code": province, "name": name, "ring": [list(p) for p in ring]})
    return out


def map_data(places: dict[str, Place], flows: list[Flow], lang: str) -> dict[str, Any]:
    """Coops, flows and province outlines for ``static/map.js``."""
    raw = spread({cid: pos for cid, pos in _raw_positions(places).items() if pos is not None})
    coops = [
        {"id": cid, "name": places[cid][0], "lat": pos[1], "lon": pos[0]}
        for cid, pos in sorted(raw.items())
    ]
    known = {c["id"] for c in coops}
    biggest = max((f.amount_satang for f in flows), default=1) or 1
    lines = [
        {
            "from": f.source, "to": f.target, "kind": f.kind,
            "width": round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH)
                           * math.sqrt(f.amount_satang / biggest), 1),
            "label": f"{places[f.source][0]} → {places[f.target][0]}: "
                     f"{i18n.baht(f.amount_satang)} {i18n.text('baht', lang)}",
        }
        for f in sorted(flows, key=lambda f: (f.kind, f.source, f.target, f.amount_satang))
        if f.source in known and f.target in known
    ]  # fmt: skip
    table = districts()
    codes = {table[p[1]].province_code for p in places.values() if p[1] in table}
    return {"coops": coops, "flows": lines, "areas": _provinces(codes, lang)}
