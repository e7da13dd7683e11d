"""Hypothesis properties: every solve validates, nobody is worse off than alone, and the
validator catches a tampered result."""

from __future__ import annotations

import dataclasses
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from purchase_cases import random_problems, solve_valid

from matcher.purchase.alone import baseline
from matcher.purchase.greedy import best_groups_plan
from matcher.purchase.local import improve
from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import candidate_pairs, distances
from matcher.purchase.solver import _build
from matcher.purchase.validator import validate


@settings(max_examples=80, deadline=None)
@given(random_problems(max_needs=8, max_offers=3))
def test_never_worse_than_alone_and_never_above_the_limit(p: PurchaseProblem) -> None:
    r = solve_valid(p)
    limits = {n.id: n.quantity * (n.max_price_satang_per_unit or 0) for n in p.needs}
    for a in r.allocations:
        assert a.saving_satang >= a.alone_saving_satang >= 0
        assert a.pays_satang <= limits[a.need_id]
    for g in r.groups:
        assert g.saving_satang >= g.alone_saving_satang


@settings(max_examples=60, deadline=None)
@given(random_problems(max_needs=8, max_offers=3), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_input_order(p: PurchaseProblem, rnd: random.Random) -> None:
    needs, offers = list(p.needs), list(p.offers)
    rnd.shuffle(needs)
    rnd.shuffle(offers)
    shuffled = dataclasses.replace(p, needs=tuple(needs), offers=tuple(offers))
    assert solve_valid(p) == solve_valid(shuffled)


@settings(max_examples=60, deadline=None)
@given(random_problems(max_needs=6, max_offers=2), st.integers(0, 3), st.integers(1, 500))
def test_validator_catches_a_tampered_allocation(p: PurchaseProblem, what: int, by: int) -> None:
    r = solve_valid(p)
    if not r.allocations:
        return
    a = r.allocations[0]
    field = ("saving_satang", "pays_satang", "delivery_satang", "quantity")[what]
    bad = dataclasses.replace(a, **{field: getattr(a, field) + by})
    tampered = dataclasses.replace(r, allocations=(bad, *r.allocations[1:]))
    assert validate(p, tampered) != []


@settings(max_examples=40, deadline=None)
@given(random_problems(max_needs=6, max_offers=2))
def test_validator_catches_a_dropped_explanation_or_wrong_objective(p: PurchaseProblem) -> None:
    r = solve_valid(p)
    if r.explanations:
        assert validate(p, dataclasses.replace(r, explanations=r.explanations[1:])) != []
    obj = dataclasses.replace(r.objective, saving_satang=r.objective.saving_satang + 1)
    assert validate(p, dataclasses.replace(r, objective=obj)) != []


@settings(max_examples=60, deadline=None)
@given(random_problems(max_needs=8, max_offers=3))
def test_the_starting_plan_is_feasible_and_never_beats_the_solver(p: PurchaseProblem) -> None:
    ordered = dataclasses.replace(
        p,
        needs=tuple(sorted(p.needs, key=lambda n: n.id)),
        offers=tuple(sorted(p.offers, key=lambda o: o.id)),
    )
    dist = distances(ordered)
    pairs = candidate_pairs(ordered, dist)
    alone = baseline(ordered, pairs)
    savings = [a.saving_satang for a in alone]
    plan = improve(ordered, pairs, savings, best_groups_plan(ordered, pairs, savings))
    start = _build(ordered, dist, [pairs[n] for n in plan], alone)
    assert len(start.allocations) == len(plan)  # no group of the plan was dropped
    assert validate(ordered, start) == []
    assert start.objective.saving_satang <= solve_valid(p).objective.saving_satang
