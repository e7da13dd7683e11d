"""The paths that only large networks take: candidate pruning and integer repair by re-solving."""

from __future__ import annotations

import dataclasses
import random

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
