"""The matcher against two oracles outside its path: exhaustive search and scipy's MILP."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from purchase_cases import brute_force, random_problems, scipy_all_units, solve_valid

from matcher.purchase import cpsat
from matcher.purchase.model import PurchaseProblem, ScheduleKind
from matcher.results import SolveStatus


@settings(max_examples=60, deadline=None)
@given(random_problems(max_needs=5, max_offers=2))
def test_optimal_saving_equals_exhaustive_search(p: PurchaseProblem) -> None:
    r = solve_valid(p)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.saving_satang == brute_force(p)


@settings(max_examples=40, deadline=None)
@given(random_problems(max_needs=9, max_offers=3, kinds=(ScheduleKind.ALL_UNITS,)))
def test_all_units_saving_equals_scipy_milp(p: PurchaseProblem) -> None:
    r = solve_valid(p)
    assert r.status is SolveStatus.OPTIMAL
    assert abs(r.objective.saving_satang - scipy_all_units(p)) < 1.0


@settings(max_examples=40, deadline=None)
@given(random_problems(max_needs=5, max_offers=2))
def test_the_compact_formulation_is_exact_too(p: PurchaseProblem) -> None:
    with patch.object(cpsat, "TIGHT_MAX_PAIRS", 0):  # every product uses the compact model
        r = solve_valid(p)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.saving_satang == brute_force(p)
