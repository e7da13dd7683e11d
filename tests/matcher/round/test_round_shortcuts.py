"""The checked round's shortcuts give exactly what the solvers give."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from round_cases import crafted, solve_valid
from test_round_properties import rounds

from matcher.domain import Coop, Network, NetworkLevel
from matcher.errors import InputError
from matcher.liquidity.model import CoopRules, LiquidityProblem, LoanNeed
from matcher.liquidity.solver import solve_liquidity
from matcher.results import FairnessPolicy, RateRule, SolveStatus
from matcher.round.combined import solve_round
from matcher.round.model import RoundProblem
from matcher.round.shortcuts import (
    empty_liquidity_result,
    empty_setoff_result,
    unfunded_liquidity_result,
)
from matcher.round.validator import validate_round
from matcher.setoff.model import LiquiditySource, SetoffProblem
from matcher.setoff.solver import solve_setoff

COOP_IDS = st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=6)


@st.composite
def blanked_rounds(draw: st.DrawFn) -> RoundProblem:
    """Random rounds with, often, no obligations, no money offered, or nothing to lend or
    borrow.

    A short lending time limit bounds the rare hard instance; such a round (time-limited)
    is not compared, since on a busy machine the solver's wall-clock guard can stop two
    solves of it at different points.
    """
    problem: RoundProblem = replace(draw(rounds()), liquidity_time_limit_ms=1_000)
    if draw(st.booleans()):
        problem = replace(problem, obligations=())
    blank = draw(st.sampled_from(["none", "money", "both"]))
    if blank == "money":
        problem = replace(problem, offers=(), joint_fund=None)
    elif blank == "both":
        problem = replace(problem, needs=(), offers=())
    return problem


@settings(max_examples=60, deadline=None)
@given(blanked_rounds())
def test_checked_round_equals_the_fully_checked_round(problem: RoundProblem) -> None:
    full = solve_valid(problem)
    fast = solve_round(problem, checked=True)
    assume(SolveStatus.TIME_LIMITED not in (full.liquidity.status, fast.liquidity.status))
    assert fast == full
    assert validate_round(problem, fast) == []


@settings(max_examples=60, deadline=None)
@given(
    COOP_IDS,
    st.lists(st.tuples(st.integers(1, 10**9), st.integers(0, 2_000)), max_size=4),
    st.lists(st.integers(0, 10**9), max_size=4),
    st.integers(0, 6),
)
def test_empty_setoff_equals_the_solver(
    ids: list[str], sources: list[tuple[int, int]], points: list[int], steps: int
) -> None:
    problem = SetoffProblem(
        coops=tuple(Coop(i, i, i) for i in ids),
        obligations=(),
        sources=tuple(LiquiditySource(f"s{k}", a, r) for k, (a, r) in enumerate(sources)),
        cash_points_satang=tuple(points),
        curve_steps=steps,
    )
    assert empty_setoff_result(problem) == solve_setoff(problem)


@pytest.mark.parametrize("policy", list(FairnessPolicy))
@pytest.mark.parametrize("rate_rule", list(RateRule))
def test_empty_liquidity_equals_the_solver(policy: FairnessPolicy, rate_rule: RateRule) -> None:
    base = crafted()
    problem = LiquidityProblem(
        base.coops, base.networks, (), (), policy=policy, rate_rule=rate_rule
    )
    assert empty_liquidity_result(problem) == solve_liquidity(problem)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcde"), st.integers(1, 10**9), st.integers(0, 3_000)),
        min_size=1,
        max_size=6,
    ),
    st.sets(st.sampled_from("abcde")),
    st.sets(st.sampled_from("abcde")),
    st.sampled_from(list(FairnessPolicy)),
    st.sampled_from(list(RateRule)),
)
def test_unfunded_liquidity_equals_the_solver(
    needs: list[tuple[str, int, int]],
    outside: set[str],
    barred: set[str],
    policy: FairnessPolicy,
    rate_rule: RateRule,
) -> None:
    """Needs and no money: coops in or outside the network, some barred from borrowing."""
    ids = "abcde"
    members = tuple(i for i in ids if i not in outside)
    problem = LiquidityProblem(
        coops=tuple(Coop(i, i, i) for i in ids),
        networks=(Network("lp", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE, members=members),),
        offers=(),
        needs=tuple(
            LoanNeed(f"n{k}", b, amount, rate, 30, min(amount, 100), urgency=1 + k % 5)
            for k, (b, amount, rate) in enumerate(reversed(needs))
        ),
        rules=tuple(CoopRules(i, may_borrow=False) for i in sorted(barred)),
        policy=policy,
        rate_rule=rate_rule,
    )
    assert unfunded_liquidity_result(problem) == solve_liquidity(problem)


def test_unchecked_round_still_rejects_bad_input() -> None:
    bad = crafted(obligations=(), needs=(), offers=(), coops=crafted().coops[:2])
    with pytest.raises(InputError):
        solve_round(bad)
