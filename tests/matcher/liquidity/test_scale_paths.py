"""The paths that only large networks take: candidate pruning and integer repair by re-solving."""

from __future__ import annotations

import dataclasses
import random

import pytest

from matcher.liquidity import solver
from matcher.liquidity.greedy import solve_greedy
from matcher.liquidity.model import CoopRules, LiquidityProblem, LoanNeed, LoanOffer
from matcher.liquidity.solver import EXACT_PAIR_LIMIT
from matcher.liquidity.validator import assert_valid
from matcher.results import SolveStatus

from .builders import problem, solve_valid


def _big(seed: int, size: int, with_minimums: bool) -> LiquidityProblem:
    rnd = random.Random(seed)
    offers = [
        LoanOffer(
            f"o{i}",
            f"L{i}",
            rnd.randint(1, 50) * 10_000,
            rnd.choice([300, 350, 400, 450]),
            rnd.choice([60, 120, 365]),
            arrival=rnd.randint(0, 99),
        )
        for i in range(size)
    ]
    needs = []
    for j in range(size):
        amount = rnd.randint(1, 60) * 10_000
        minimum = amount // 2 if with_minimums and j % 3 == 0 else 0
        needs.append(
            LoanNeed(
                f"n{j}",
                f"B{j}",
                amount,
                rnd.choice([400, 500, 600]),
                rnd.choice([30, 60, 120]),
                minimum,
                rnd.randint(1, 5),
                rnd.randint(0, 99),
            )
        )
    rules = [CoopRules(f"B{j}", max_lenders_per_need=2) for j in range(0, size, 4)]
    return problem(offers, needs, rules)


def test_candidate_pruning_stays_valid_and_says_so() -> None:
    p = dataclasses.replace(_big(1, 40, False), max_pairs_per_network=1_000)
    r = solve_valid(p)
    assert r.status is SolveStatus.FEASIBLE
    assert any("pruned" in n for n in r.notes)
    full = solve_valid(dataclasses.replace(p, max_pairs_per_network=1_000_000))
    # Pruning keeps most of the coverage on this instance (it is a bounded candidate set).
    assert r.objective.covered_satang >= 0.9 * full.objective.covered_satang


def test_integer_repair_in_large_networks_stays_valid() -> None:
    p = _big(2, 30, True)
    assert len(p.offers) * len(p.needs) > EXACT_PAIR_LIMIT
    r = solve_valid(p)
    assert r.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    g = solve_greedy(p)
    assert_valid(p, g)
    assert r.objective.urgency_weighted_satang >= g.objective.urgency_weighted_satang


def test_freed_funds_are_lent_again_when_the_full_resolve_is_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above FULL_RESOLVE_PAIRS the repair lends only the freed funds again (residual flow)."""
    p = _big(3, 40, True)
    full = solve_valid(p)
    monkeypatch.setattr(solver, "FULL_RESOLVE_PAIRS", 0)
    r = solve_valid(p)
    assert any("re-solving" in n for n in r.notes)
    g = solve_greedy(p)
    assert r.objective.urgency_weighted_satang >= g.objective.urgency_weighted_satang
    # The residual repair keeps nearly all of what the full re-solve covers here.
    assert r.objective.covered_satang >= 0.95 * full.objective.covered_satang


def test_residual_repair_lends_freed_funds_to_other_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no re-lending rounds the freed funds stay idle; with them, coverage grows."""
    p = _big(4, 40, True)
    monkeypatch.setattr(solver, "FULL_RESOLVE_PAIRS", 0)
    monkeypatch.setattr(solver, "REPAIR_ROUNDS", 0)
    dropped_only = solve_valid(p)
    monkeypatch.setattr(solver, "REPAIR_ROUNDS", 3)
    relent = solve_valid(p)
    before, after = dropped_only.objective, relent.objective
    assert after.urgency_weighted_satang > before.urgency_weighted_satang
