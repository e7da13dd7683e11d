"""Independent check of a know-how result with :mod:`math` and plain integers.

It recomputes every placement's distance, checks topic, reach, not-oneself, each offer's
capacity, one placement per request, one explanation per request, and the two objective
terms (placements, total distance).
"""

from __future__ import annotations

import math
from collections import Counter

from matcher.knowhow.model import KnowhowProblem, KnowhowResult
from matcher.money import div_round_half_even

R_EARTH = 6_371_008.8


def distance_m(p: KnowhowProblem, a: tuple[int, int], b: tuple[int, int]) -> int:
    """Haversine between two (lat_e5, lon_e5) points × road factor, whole metres."""
    la1, lo1 = math.radians(a[0] / 1e5), math.radians(a[1] / 1e5)
    la2, lo2 = math.radians(b[0] / 1e5), math.radians(b[1] / 1e5)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    gc = round(2 * R_EARTH * math.asin(math.sqrt(min(max(h, 0.0), 1.0))))
    return div_round_half_even(gc * p.road_factor_bps, 10_000)


def validate(p: KnowhowProblem, r: KnowhowResult) -> list[str]:
    """Every rule ``r`` breaks; an empty list means valid."""
    errs: list[str] = []
    reqs = {x.id: x for x in p.requests}
    offers = {x.id: x for x in p.offers}
    seen: Counter[str] = Counter()
    load: Counter[str] = Counter()
    for m in r.mentorships:
        q, o = reqs.get(m.request_id), offers.get(m.offer_id)
        if q is None or o is None:
            errs.append(f"{m.request_id}→{m.offer_id}: unknown request or offer")
            continue
        seen[q.id] += 1
        load[o.id] += 1
        d = distance_m(p, (q.lat_e5, q.lon_e5), (o.lat_e5, o.lon_e5))
        if q.topic != o.topic or o.mentor == q.learner:
            errs.append(f"{q.id}: placed on another topic or with itself")
        if d != m.distance_m or d > q.max_distance_m:
            errs.append(f"{q.id}: distance {m.distance_m} (recomputed {d}) or beyond reach")
    errs += [f"{k}: placed {v} times" for k, v in seen.items() if v > 1]
    errs += [f"{k}: over capacity" for k, v in load.items() if v > offers[k].capacity]
    if (r.matched, r.distance_m) != (len(r.mentorships), sum(m.distance_m for m in r.mentorships)):
        errs.append("objective terms differ from a recomputation")
    explained = Counter(e.request_id for e in r.explanations)
    if set(explained) != set(reqs) or any(v != 1 for v in explained.values()):
        errs.append("there must be exactly one explanation per request")
    placed = {m.request_id for m in r.mentorships}
    errs += [
        f"{e.request_id}: explanation disagrees"
        for e in r.explanations
        if e.matched != (e.request_id in placed)
    ]
    return errs
