"""Builders, the validated solve and a two-stage scipy MILP oracle for know-how tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.knowhow.model import KnowhowProblem, KnowhowResult, LearnRequest, TeachOffer
from matcher.knowhow.solver import solve_knowhow
from matcher.knowhow.validator import distance_m, validate

LAT, LON = 1_855_230, 9_905_934  # Mueang Lamphun (5101)


def solve_valid(p: KnowhowProblem) -> KnowhowResult:
    result = solve_knowhow(p)
    errors = validate(p, result)
    assert errors == [], errors
    return result


def oracle(p: KnowhowProblem) -> tuple[int, int]:
    """(most placements, least distance given that) by two MILPs built here."""
    cols = [
        (i, j, distance_m(p, (r.lat_e5, r.lon_e5), (o.lat_e5, o.lon_e5)))
        for i, r in enumerate(p.requests)
        for j, o in enumerate(p.offers)
        if r.topic == o.topic and r.learner != o.mentor
    ]
    cols = [c for c in cols if c[2] <= p.requests[c[0]].max_distance_m]
    if not cols:
        return 0, 0
    a = np.zeros((len(p.requests) + len(p.offers), len(cols)))
    for k, (i, j, _) in enumerate(cols):
        a[i, k] = 1
        a[len(p.requests) + j, k] = 1
    ub = [1] * len(p.requests) + [o.capacity for o in p.offers]
    rows = LinearConstraint(a, 0, ub)
    ones = np.ones(len(cols))
    first = milp(-ones, constraints=rows, integrality=ones, bounds=Bounds(0, 1))
    count = round(-first.fun)
    fixed = LinearConstraint(ones.reshape(1, -1), count, count)
    dist = np.array([d for _, _, d in cols], dtype=float)
    second = milp(dist, constraints=[rows, fixed], integrality=ones, bounds=Bounds(0, 1))
    return count, round(second.fun)


@st.composite
def random_problems(draw: st.DrawFn) -> KnowhowProblem:
    topics = ["accounting", "egg_grading", "fuel_station_operation"]
    coops = [f"c{k}" for k in range(draw(st.integers(2, 8)))]

    def place() -> tuple[int, int]:
        return LAT + draw(st.integers(-80_000, 80_000)), LON + draw(st.integers(-80_000, 80_000))

    requests = []
    for k in range(draw(st.integers(0, 12))):
        lat, lon = place()
        requests.append(
            LearnRequest(
                f"r{k}",
                draw(st.sampled_from(coops)),
                draw(st.sampled_from(topics)),
                lat,
                lon,
                draw(st.integers(10_000, 150_000)),
            )
        )
    offers = []
    for k in range(draw(st.integers(0, 5))):
        lat, lon = place()
        offers.append(
            TeachOffer(
                f"o{k}",
                draw(st.sampled_from(coops)),
                draw(st.sampled_from(topics)),
                draw(st.integers(1, 3)),
                lat,
                lon,
            )
        )
    return KnowhowProblem(tuple(requests), tuple(offers))
