"""Oracle: brute force over every integer allocation of tiny single-network instances."""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.liquidity.model import CoopRules, LiquidityProblem, LoanNeed, LoanOffer
from matcher.money import midpoint_rate_bps
from matcher.results import FairnessPolicy, SolveStatus

from .builders import problem, solve_valid


@st.composite
def tiny(draw: st.DrawFn) -> LiquidityProblem:
    offers = [
        LoanOffer(
            f"o{i}",
            f"L{i}",
            draw(st.integers(1, 4)),
            draw(st.sampled_from([300, 500])),
            draw(st.sampled_from([30, 90])),
            draw(st.sampled_from([None, 1, 2])),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    needs = []
    for j in range(draw(st.integers(1, 3))):
        amount = draw(st.integers(1, 4))
        needs.append(
            LoanNeed(
                f"n{j}",
                f"B{j % 2}",
                amount,
                draw(st.sampled_from([400, 600])),
                draw(st.sampled_from([30, 90])),
                draw(st.integers(0, amount)),
                draw(st.integers(1, 3)),
            )
        )
    rules = [
        CoopRules(
            "B0",
            borrowing_limit_satang=draw(st.sampled_from([None, 2, 5])),
            max_lenders_per_need=draw(st.sampled_from([None, 1])),
        )
    ]
    policy = draw(st.sampled_from(list(FairnessPolicy)))
    return problem(offers, needs, rules, policy=policy)


def _brute_force(p: LiquidityProblem) -> tuple[int, int]:
    """(best urgency-weighted amount, best smallest fill ratio in 1/10000 among those)."""
    pairs = [
        (o, n)
        for o in p.offers
        for n in p.needs
        if o.min_rate_bps <= n.max_rate_bps and n.term_days <= o.max_term_days
    ]
    rules = {r.coop_id: r for r in p.rules}
    best = (-1, -1)
    ranges = [range(min(o.amount_satang, n.amount_satang) + 1) for o, n in pairs]
    for xs in itertools.product(*ranges):
        by_offer, by_need, count = defaultdict(int), defaultdict(int), defaultdict(int)
        exposure, by_borrower = defaultdict(int), defaultdict(int)
        for (o, n), x in zip(pairs, xs, strict=True):
            by_offer[o.id] += x
            by_need[n.id] += x
            count[n.id] += x > 0
            exposure[(o.id, n.borrower)] += x
            by_borrower[n.borrower] += x
        if any(by_offer[o.id] > o.amount_satang for o in p.offers):
            continue
        if any(
            by_need[n.id] > n.amount_satang or 0 < by_need[n.id] < n.min_amount_satang
            for n in p.needs
        ):
            continue
        if any(
            o.cap_per_borrower_satang is not None
            and exposure[(o.id, b)] > o.cap_per_borrower_satang
            for o in p.offers
            for b in ("B0", "B1")
        ):
            continue
        ok = True
        for n in p.needs:
            r = rules.get(n.borrower)
            if r and r.max_lenders_per_need is not None and count[n.id] > r.max_lenders_per_need:
                ok = False
        for b, x in by_borrower.items():
            r = rules.get(b)
            if r and r.borrowing_limit_satang is not None and x > r.borrowing_limit_satang:
                ok = False
        if not ok:
            continue
        weight = sum(n.urgency * by_need[n.id] for n in p.needs)
        fair = min(by_need[n.id] * 10_000 // n.amount_satang for n in p.needs)
        best = max(best, (weight, fair))
    return best


@settings(max_examples=150, deadline=None)
@given(tiny())
def test_matches_brute_force_on_tiny_instances(p: LiquidityProblem) -> None:
    r = solve_valid(p)
    weight, fair = _brute_force(p)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.urgency_weighted_satang == weight
    pure_flow = all(n.min_amount_satang == 0 for n in p.needs) and all(
        rule.max_lenders_per_need is None for rule in p.rules
    )
    if pure_flow and p.policy is FairnessPolicy.MAXMIN:
        # Leximin in steps of 1/K: the smallest ratio is at least the best one rounded down.
        steps = p.fairness_steps
        assert r.objective.min_fill_ratio_bps >= (fair * steps // 10_000) * 10_000 // steps


def test_midpoint_rate_rule_is_half_even() -> None:
    assert [midpoint_rate_bps(300, 401), midpoint_rate_bps(300, 403)] == [350, 352]
