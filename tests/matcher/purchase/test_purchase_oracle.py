"""The matcher against two oracles outside its path: exhaustive search and scipy's MILP."""

from __future__ import annotations

from dataclasses import replace
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from purchase_cases import (
    brute_force,
    need,
    offer,
    problem,
    random_problems,
    scipy_all_units,
    solve_valid,
    tiers,
)

from matcher.purchase import cpsat
from matcher.purchase.alone import baseline
from matcher.purchase.model import PurchaseProblem, ScheduleKind
from matcher.purchase.relax import lagrangian_bound, tight_lp
from matcher.purchase.rules import Pair, candidate_pairs, distances
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


def _product_parts(p: PurchaseProblem) -> list[tuple[PurchaseProblem, list[Pair], list[int]]]:
    """The solver's view of one round: sorted problem, candidate pairs, buy-alone savings."""
    q = replace(
        p,
        needs=tuple(sorted(p.needs, key=lambda n: n.id)),
        offers=tuple(sorted(p.offers, key=lambda o: o.id)),
    )
    pairs = candidate_pairs(q, distances(q))
    alone = [a.saving_satang for a in baseline(q, pairs)]
    return [(q, pairs, alone)]


@settings(max_examples=60, deadline=None)
@given(random_problems(max_needs=5, max_offers=2))
def test_lagrangian_bound_is_never_below_the_optimum(p: PurchaseProblem) -> None:
    # From the LP's duals and from zero prices: every price vector gives an upper bound.
    for q, pairs, alone in _product_parts(p):
        lp = tight_lp(q, pairs, alone)
        for start in (lp, replace(lp, duals={}, rational={})):
            bound = lagrangian_bound(q, pairs, alone, start, 0)
            assert bound is not None
            assert bound >= brute_force(p)


@settings(max_examples=40, deadline=None)
@given(random_problems(max_needs=9, max_offers=3, kinds=(ScheduleKind.ALL_UNITS,)))
def test_lagrangian_bound_is_never_below_the_milp_optimum(p: PurchaseProblem) -> None:
    for q, pairs, alone in _product_parts(p):
        bound = lagrangian_bound(q, pairs, alone, tight_lp(q, pairs, alone), 0)
        assert bound is not None
        assert bound >= scipy_all_units(p) - 1.0


@settings(max_examples=40, deadline=None)
@given(random_problems(max_needs=5, max_offers=2))
def test_the_lp_polished_path_is_exact_and_honest(p: PurchaseProblem) -> None:
    # Every product takes the LP path (polishing, Lagrangian bound, CP-SAT after it).
    with patch.object(cpsat, "RELAX_MIN_PAIRS", 0):
        r = solve_valid(p)
    best = brute_force(p)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.saving_satang == best


@settings(max_examples=30, deadline=None)
@given(random_problems(max_needs=9, max_offers=3), st.sampled_from([0, 50, 500]))
def test_the_lp_polished_gap_is_honest(p: PurchaseProblem, gap_bps: int) -> None:
    # With a gap to stop at, the answer may stop short, but never claims more than it proves.
    with patch.object(cpsat, "RELAX_MIN_PAIRS", 0):
        r = solve_valid(replace(p, gap_bps=gap_bps))
    assert r.gap_bps is not None
    best = brute_force(p) if len(p.needs) <= 6 else None
    if best is not None:
        assert r.objective.saving_satang <= best
        assert best * 10_000 <= r.objective.saving_satang * (10_000 + r.gap_bps) + 10_000
        if r.status is SolveStatus.OPTIMAL:
            assert r.objective.saving_satang == best


def test_a_mid_sized_round_takes_the_lp_path_and_its_gap_is_honest() -> None:
    # 110 needs × 3 offers (330 pairs): polishing in the LP's windows and the Lagrangian
    # bound decide, without CP-SAT's search; the MILP oracle checks the claimed gap.
    rng = np.random.default_rng(1)
    needs = [
        need(
            f"n{k:03d}",
            int(rng.integers(2, 60)) * 50,
            int(rng.integers(2900, 3100)),
            dlat=int(rng.integers(-40_000, 40_000)),
            dlon=int(rng.integers(-40_000, 40_000)),
        )
        for k in range(110)
    ]
    offers = [
        offer(
            f"s{k}",
            tiers(
                (0, 3000 - int(rng.integers(0, 60))),
                (5000, 2950 - int(rng.integers(0, 60))),
                (15_000, 2880 - int(rng.integers(0, 60))),
            ),
            capacity=int(rng.integers(200, 500)) * 50,
            truck_satang=20_000,
            per_km=2000,
            min_order=1000,
            dlat=int(rng.integers(-40_000, 40_000)),
        )
        for k in range(3)
    ]
    p = problem(needs, offers, gap_bps=50, time_limit_ms=1000)
    with patch.object(cpsat, "_polished", wraps=cpsat._polished) as polished:
        r = solve_valid(p)
    assert polished.called
    assert r.gap_bps is not None and r.gap_bps <= 50
    best = scipy_all_units(p)
    assert r.objective.saving_satang <= best + 1
    assert best * 10_000 <= r.objective.saving_satang * (10_000 + r.gap_bps) + 10_000
