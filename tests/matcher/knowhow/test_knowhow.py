"""Know-how matching: an exact oracle, reasons, bad input and order independence."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from knowhow_cases import LAT, LON, oracle, random_problems, solve_valid

from matcher.errors import InputError
from matcher.knowhow import reasons
from matcher.knowhow.model import KnowhowProblem, LearnRequest, TeachOffer
from matcher.knowhow.solver import solve_knowhow


@settings(max_examples=80, deadline=None)
@given(random_problems())
def test_most_placements_then_least_travel_equal_the_oracle(p: KnowhowProblem) -> None:
    r = solve_valid(p)
    assert (r.matched, r.distance_m) == oracle(p)


@settings(max_examples=40, deadline=None)
@given(random_problems(), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_input_order(p: KnowhowProblem, rnd: random.Random) -> None:
    reqs, offers = list(p.requests), list(p.offers)
    rnd.shuffle(reqs)
    rnd.shuffle(offers)
    q = dataclasses.replace(p, requests=tuple(reqs), offers=tuple(offers))
    assert solve_valid(p) == solve_valid(q)


def test_capacity_goes_to_the_learner_with_no_other_mentor() -> None:
    # r1 could go to either centre; r2 only reaches the near one: both are placed.
    near = TeachOffer("near", "centre-a", "egg_grading", 1, LAT, LON)
    far = TeachOffer("far", "centre-b", "egg_grading", 1, LAT + 50_000, LON)
    r1 = LearnRequest("r1", "c1", "egg_grading", LAT + 1_000, LON, 100_000)
    r2 = LearnRequest("r2", "c2", "egg_grading", LAT - 5_000, LON, 20_000)
    r = solve_valid(KnowhowProblem((r1, r2), (near, far)))
    assert {m.request_id: m.offer_id for m in r.mentorships} == {"r1": "far", "r2": "near"}


def test_reasons_for_requests_left_out() -> None:
    o = TeachOffer("o", "centre", "accounting", 1, LAT, LON)
    reqs = (
        LearnRequest("a", "c1", "accounting", LAT, LON),
        LearnRequest("b", "c2", "accounting", LAT, LON + 1_000),
        LearnRequest("c", "c3", "accounting", LAT + 300_000, LON, 50_000),
        LearnRequest("d", "c4", "rice_milling", LAT, LON),
        LearnRequest("e", "centre", "accounting", LAT, LON),
    )
    r = solve_valid(KnowhowProblem(reqs, (o,)))
    got = {e.request_id: e.reason for e in r.explanations}
    assert got == {
        "a": reasons.MATCHED,
        "b": reasons.CAPACITY_TAKEN,
        "c": reasons.OUT_OF_REACH,
        "d": reasons.NO_MENTOR,
        "e": reasons.OUT_OF_REACH,
    }


def test_bad_input_names_fields_in_thai_and_english() -> None:
    bad = KnowhowProblem(
        (LearnRequest("a", "", "astrology", LAT, LON, -1),),
        (TeachOffer("o", "x", "accounting", 0, LAT, LON),),
    )
    with pytest.raises(InputError) as exc:
        solve_knowhow(bad)
    fields = {i.field: i.message for i in exc.value.issues}
    assert set(fields) == {
        "requests[0].learner",
        "requests[0].topic",
        "requests[0].max_distance_m",
        "offers[0].capacity",
    }
    assert "หัวข้อ" in fields["requests[0].topic"] and "unknown topic" in fields["requests[0].topic"]
