"""``solve_liquidity(..., explain=False)``: the same result without explanations."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from matcher.liquidity.model import LiquidityProblem
from matcher.liquidity.solver import solve_liquidity
from matcher.results import SolveStatus

from .builders import solve_valid, tree_problems

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tree_problems())
def test_without_explanations_the_result_is_otherwise_identical(p: LiquidityProblem) -> None:
    full = solve_valid(p)  # validated, explanations included (the default)
    lean = solve_liquidity(p, explain=False)
    assert full.explanations  # every order is explained by default
    assert lean.explanations == ()
    if SolveStatus.TIME_LIMITED not in (full.status, lean.status):
        assert replace(lean, timings=full.timings) == replace(full, explanations=())
