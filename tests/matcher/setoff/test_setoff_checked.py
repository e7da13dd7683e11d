"""``solve_setoff(..., checked=True)`` skips only the input check: the same result."""

from __future__ import annotations

from hypothesis import given, settings
from setoff_cases import random_problems, solve_valid

from matcher.setoff.model import SetoffProblem
from matcher.setoff.solver import solve_setoff


@settings(max_examples=100, deadline=None)
@given(random_problems())
def test_checked_setoff_equals_the_checked_one(p: SetoffProblem) -> None:
    assert solve_setoff(p, checked=True) == solve_valid(p)
