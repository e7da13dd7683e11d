"""``solve_produce(..., explain=False)``: the same result without explanations, on the
small (plain-Python) path and on the array path."""

from __future__ import annotations

from dataclasses import replace
from unittest import mock

from hypothesis import HealthCheck, given, settings
from test_produce_properties import chain_rounds, rounds

import matcher.produce.solver as solver
from matcher.produce.model import ProduceProblem
from matcher.produce.validator import validate

EQUAL = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(p: ProduceProblem) -> None:
    full = solver.solve_produce(p)
    assert validate(p, full) == []
    lean = solver.solve_produce(p, explain=False)
    assert full.explanations and lean.explanations == ()
    assert lean == replace(full, explanations=())


@EQUAL
@given(rounds())
def test_without_explanations_the_result_is_otherwise_identical(p: ProduceProblem) -> None:
    _check(p)


@EQUAL
@given(chain_rounds())
def test_without_explanations_on_the_array_path(p: ProduceProblem) -> None:
    with mock.patch.object(solver, "eligible", lambda _: False):
        _check(p)
