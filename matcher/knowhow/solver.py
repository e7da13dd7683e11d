"""Know-how assignment as a min-cost flow: most learners placed, then least travel.

Network: each request r has supply 1; arcs r → offer o (capacity 1, cost d_ro metres) where
o teaches r's topic, o's mentor is not r's learner and d_ro ≤ r.max_distance_m; o → sink
(capacity = o.capacity, cost 0); r → sink (capacity 1, cost B) for "not placed". With
B = (n + 1)·(D + 1), D the largest distance on any arc, one more placement always lowers the
cost by more than any change in travel, so the flow maximises placements first and then
minimises the total distance (lexicographically). Flows are integral, so it is exact.

>>> from matcher.knowhow.model import LearnRequest, TeachOffer
>>> o = TeachOffer("o1", "centre", "accounting", 1, 1_855_230, 9_905_934)
>>> rs = (LearnRequest("r1", "c1", "accounting", 1_855_230, 9_905_934),
...       LearnRequest("r2", "c2", "accounting", 1_860_000, 9_905_934))
>>> r = solve_knowhow(KnowhowProblem(rs, (o,)))
>>> [(m.request_id, m.offer_id) for m in r.mentorships], r.explanations[1].reason
([('r1', 'o1')], 'mentor_capacity_taken')
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.knowhow import reasons
from matcher.knowhow.checks import check_problem
from matcher.knowhow.model import (
    KnowhowProblem,
    KnowhowResult,
    LearnRequest,
    Mentorship,
    RequestExplanation,
)
from matcher.produce.distance import great_circle_m, road_m
from matcher.results import SolveStatus

SOLVER = "ortools-min-cost-flow"


def arcs(p: KnowhowProblem) -> list[tuple[int, int, int]]:
    """Allowed (request, offer, distance) triples: same topic, not oneself, within reach."""
    out: list[tuple[int, int, int]] = []
    by_topic: dict[str, list[int]] = {}
    for j, o in enumerate(p.offers):
        by_topic.setdefault(o.topic, []).append(j)
    for i, r in enumerate(p.requests):
        js = [j for j in by_topic.get(r.topic, ()) if p.offers[j].mentor != r.learner]
        if not js:
            continue
        dist = _distances(p, r, js)
        out.extend((i, j, d) for j, d in zip(js, dist, strict=True) if d <= r.max_distance_m)
    return out


def _distances(p: KnowhowProblem, r: LearnRequest, js: list[int]) -> list[int]:
    n = len(js)
    gc = great_circle_m(
        np.full(n, r.lat_e5, dtype=np.int64),
        np.full(n, r.lon_e5, dtype=np.int64),
        np.array([p.offers[j].lat_e5 for j in js], dtype=np.int64),
        np.array([p.offers[j].lon_e5 for j in js], dtype=np.int64),
    )
    return [int(d) for d in road_m(gc, p.road_factor_bps)]


def solve_knowhow(problem: KnowhowProblem) -> KnowhowResult:
    """Place learners with mentors; raises InputError on bad input."""
    check_problem(problem)
    p = replace(
        problem,
        requests=tuple(sorted(problem.requests, key=lambda r: r.id)),
        offers=tuple(sorted(problem.offers, key=lambda o: o.id)),
    )
    allowed = arcs(p)
    n_req, n_off = len(p.requests), len(p.offers)
    sink = n_req + n_off
    big = (n_req + 1) * (max((d for _, _, d in allowed), default=0) + 1)
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = [i for i, _, _ in allowed] + list(range(n_req)) + [n_req + j for j in range(n_off)]
    heads = [n_req + j for _, j, _ in allowed] + [sink] * (n_req + n_off)
    caps = [1] * (len(allowed) + n_req) + [o.capacity for o in p.offers]
    costs = [d for _, _, d in allowed] + [big] * n_req + [0] * n_off
    if tails:
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array(tails), np.array(heads), np.array(caps), np.array(costs)
        )
    for i in range(n_req):
        flow.set_node_supply(i, 1)
    flow.set_node_supply(sink, -n_req)
    if n_req and flow.solve() != flow.OPTIMAL:
        raise RuntimeError("min-cost flow failed on a feasible network")
    placed = {allowed[a][0]: allowed[a] for a in range(len(allowed)) if n_req and flow.flow(a) > 0}
    return _result(p, allowed, placed)


def _result(
    p: KnowhowProblem, allowed: list[tuple[int, int, int]], placed: dict[int, tuple[int, int, int]]
) -> KnowhowResult:
    used = [0] * len(p.offers)
    for _, j, _ in placed.values():
        used[j] += 1
    reach: dict[int, list[int]] = {}
    for i, j, _ in allowed:
        reach.setdefault(i, []).append(j)
    topics = {o.topic for o in p.offers}
    ships, notes = [], []
    for i, r in enumerate(p.requests):
        if i in placed:
            _, j, d = placed[i]
            o = p.offers[j]
            ships.append(Mentorship(r.id, o.id, r.learner, o.mentor, r.topic, d))
            notes.append(RequestExplanation(r.id, r.learner, True, o.id, reasons.MATCHED))
            continue
        if r.topic not in topics:
            why = reasons.NO_MENTOR
        elif i not in reach:
            why = reasons.OUT_OF_REACH
        else:
            why = reasons.CAPACITY_TAKEN
        notes.append(RequestExplanation(r.id, r.learner, False, None, why))
    return KnowhowResult(
        status=SolveStatus.OPTIMAL,
        mentorships=tuple(ships),
        explanations=tuple(notes),
        matched=len(ships),
        distance_m=sum(m.distance_m for m in ships),
        solver=SOLVER,
    )
