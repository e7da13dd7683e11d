"""The map's province outlines are real ones: Natural Earth's admin-1 provinces, shipped in
the package (``scenarios/data/th_provinces.json``), one for every province of the district
table, small enough to ship, and holding (nearly) every district's point; a round's page
draws the outlines of the provinces its coops lie in."""

from __future__ import annotations

import csv
import html
import json
import re

from webfixtures import Web, token_of

from api.web import map_view
from scenarios.sim.loader import DISTRICTS_CSV


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    hit = False
    for (y1, x1), (y2, x2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def test_every_province_has_its_outline_from_an_open_source() -> None:
    document = json.loads(map_view.OUTLINES_JSON.read_text(encoding="utf-8"))
    assert "Natural Earth" in document["source"] and "public domain" in document["source"]
    assert map_view.OUTLINES_JSON.stat().st_size < 300_000
    with DISTRICTS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    outlines = map_view.outlines()
    assert set(outlines) == {r["province_code"] for r in rows} and len(outlines) == 77
    for polygons in outlines.values():
        for polygon in polygons:
            assert all(len(ring) >= 4 for ring in polygon)
            assert all(5 < lat < 21 and 97 < lon < 106 for lat, lon in polygon[0])
    outside = [r["district_code"] for r in rows if not any(
        _inside(float(r["longitude"]), float(r["latitude"]), polygon[0])
        for polygon in outlines[r["province_code"]])]  # fmt: skip
    assert len(outside) <= 20, outside  # 14: border districts and islands the 1:10m data cuts


def test_the_round_page_draws_the_real_outline_of_lamphun(web: Web) -> None:
    web.login("lamphun-office")
    answer = web.client.post("/web/round/preview", data={
        "form_token": token_of(web.client.get("/web/round").text), "network": "LPN",
        "business_date": "2026-11-21"})  # fmt: skip
    found = re.findall(r'data-map="([^"]+)"', answer.text)
    assert answer.status_code == 200 and found
    data = json.loads(html.unescape(found[0]))
    lamphun = next(a for a in data["areas"] if a["code"] == "51")
    assert lamphun["name"] == "ลำพูน" and lamphun["polygons"] == map_view.outlines()["51"]
    assert len(lamphun["polygons"][0][0]) > 50  # an outline, not a hull of a few centres
    assert "Natural Earth" in answer.text  # the legend names the source
