"""``solve_round(..., explain=False)``: the same round without liquidity and produce
explanations, checked or not."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given, settings
from round_cases import solve_valid
from test_round_shortcuts import blanked_rounds

from matcher.results import SolveStatus
from matcher.round.combined import solve_round
from matcher.round.model import RoundProblem, RoundResult


def _unexplained(r: RoundResult) -> RoundResult:
    produce = None if r.produce is None else replace(r.produce, explanations=())
    return replace(r, liquidity=replace(r.liquidity, explanations=()), produce=produce)


@settings(max_examples=60, deadline=None)
@given(blanked_rounds())
def test_without_explanations_the_round_is_otherwise_identical(problem: RoundProblem) -> None:
    full = solve_valid(problem)  # validated, explanations included (the default)
    for checked in (False, True):
        lean = solve_round(problem, checked=checked, explain=False)
        assume(SolveStatus.TIME_LIMITED not in (full.liquidity.status, lean.liquidity.status))
        assert lean.liquidity.explanations == ()
        assert lean.produce is None or lean.produce.explanations == ()
        assert lean == _unexplained(full)
