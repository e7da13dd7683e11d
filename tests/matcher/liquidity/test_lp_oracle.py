"""Every stage of the liquidity matcher against an LP/MILP oracle (HiGHS, not OR-Tools).

A result that says ``optimal`` must reach exactly the oracle's urgency optimum, then its
fairness optimum holding that, then its rate-rank optimum holding both. Instances: seeded
random families (chains and cycles through borrowing limits and lender funds, shared
exposure caps, many urgency levels, every policy, the posted-rate rule, a joint fund,
minimum amounts and lender counts), the shapes from the issue that broke the finite
weights, and whatever Hypothesis finds.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.domain import Network, NetworkLevel
from matcher.liquidity.model import (
    CoopRules,
    JointFund,
    LiquidityProblem,
    LiquidityResult,
    LoanNeed,
    LoanOffer,
)
from matcher.results import FairnessPolicy, RateRule, SolveStatus

from .builders import BAHT, problem, solve_valid
from .lp_oracle import pairs_of as oracle_pairs
from .lp_oracle import solve_stages


def check_against_oracle(p: LiquidityProblem) -> SolveStatus:
    """Solve, validate, and compare every stage with the oracle when ``optimal``."""
    r = solve_valid(p)
    if r.status is SolveStatus.OPTIMAL:
        want = solve_stages(p)
        assert len(r.tiers) <= 1
        got = r.tiers[0] if r.tiers else None
        assert (got.urgency_weighted_satang if got else 0) == want.urgency, "urgency stage"
        assert (got.fairness_score if got else 0) == want.fairness, "fairness stage"
        assert (got.rank_cost if got else 0) == want.rank_cost, "cost stage"
        if p.policy is FairnessPolicy.MAXMIN and not _integer_rules(p):
            # Measured, not proven: the smallest fill ratio lies within one step (1/K) of
            # the best possible holding the urgency optimum.
            reached = _reachable_fills(p, r)
            assert want.max_min_fill - min(reached, default=1.0) <= 1 / p.fairness_steps + 1e-9
    return r.status


def _integer_rules(p: LiquidityProblem) -> bool:
    return any(n.min_amount_satang for n in p.needs) or any(
        r.max_lenders_per_need is not None for r in p.rules
    )


def _reachable_fills(p: LiquidityProblem, r: LiquidityResult) -> list[float]:
    """Fill ratio of every need that at least one offer can reach."""
    got: dict[str, int] = {}
    for x in r.proposals:
        got[x.need_id] = got.get(x.need_id, 0) + x.amount_satang
    reach = {j for _, j in oracle_pairs(p)}
    return [got.get(p.needs[j].id, 0) / p.needs[j].amount_satang for j in sorted(reach)]


def random_problem(seed: int, family: str) -> LiquidityProblem:
    """A seeded single-network instance of one family (lenders and borrowers disjoint)."""
    rng = np.random.default_rng(seed)
    n_l, n_b = int(rng.integers(2, 7)), int(rng.integers(2, 7))
    if family == "medium":
        n_l, n_b = int(rng.integers(20, 50)), int(rng.integers(20, 50))
    rates = [300, 400, 500, 600, 700][: int(rng.integers(2, 6))]
    terms = [30, 90, 180, 365]
    offers, needs, rules = [], [], []
    for i in range(n_l):
        for j in range(int(rng.integers(1, 4))):
            cap = None
            if family in ("caps", "medium") or rng.random() < 0.15:
                cap = int(rng.integers(1, 8)) * 100
            offers.append(
                LoanOffer(
                    f"o{i}_{j}",
                    f"L{i}",
                    int(rng.integers(1, 12)) * 100,
                    int(rng.choice(rates)),
                    int(rng.choice(terms)),
                    cap,
                )
            )
        funds = int(rng.integers(1, 15)) * 100 if family in ("chain", "caps", "medium") else None
        rules.append(CoopRules(f"L{i}", liquid_funds_satang=funds, reserve_satang=0))
    integer = family == "integer"
    for b in range(n_b):
        for j in range(int(rng.integers(1, 4))):
            amount = int(rng.integers(1, 12)) * 100
            needs.append(
                LoanNeed(
                    f"n{b}_{j}",
                    f"B{b}",
                    amount,
                    int(rng.choice(rates)) + 50,
                    int(rng.choice(terms)),
                    int(rng.integers(0, amount // 100 + 1)) * 100 if integer else 0,
                    int(rng.integers(1, 6))
                    if family in ("urgency", "medium")
                    else int(rng.integers(1, 3)),
                )
            )
        limit = int(rng.integers(1, 15)) * 100 if family != "open" else None
        lenders = int(rng.integers(1, 3)) if integer and rng.random() < 0.5 else None
        rules.append(CoopRules(f"B{b}", borrowing_limit_satang=limit, max_lenders_per_need=lenders))
    policy = list(FairnessPolicy)[int(rng.integers(0, 3))]
    steps = int(rng.choice([2, 4, 20]))
    ids = sorted({o.lender for o in offers} | {n.borrower for n in needs})
    posted = int(rng.choice(rates)) if rng.random() < 0.25 else None
    level = NetworkLevel.NATIONAL if rng.random() < 0.3 else NetworkLevel.PROVINCE
    net = Network("net", "เครือข่าย", "Network", level, None, tuple(ids), posted)
    fund = None
    if level is NetworkLevel.NATIONAL:
        fund = JointFund("FUND", "net", int(rng.integers(1, 10)) * 100, 650)
    return problem(
        offers,
        needs,
        rules,
        networks=(net,),
        policy=policy,
        fairness_steps=steps,
        rate_rule=RateRule.POSTED if posted is not None else RateRule.MIDPOINT,
        joint_fund=fund,
    )


FAMILIES = ("chain", "caps", "urgency", "open", "integer")
"""Small families, run on many seeds; ``medium`` (20–50 lenders and borrowers, binding
funds, limits and caps) is run on fewer."""


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("seed", range(12))
def test_every_stage_matches_the_oracle(family: str, seed: int) -> None:
    check_against_oracle(random_problem(1000 * FAMILIES.index(family) + seed, family))


BROKE_FINITE_WEIGHTS = (100002, 100003, 100010)
"""Seeds of the medium family where the finite-weight flow (before the exact stages) left
urgency-weighted baht unserved and still said ``optimal`` (597.99 of 599.00, 548.62 of
549.00, 625.00 of 626.00), found by this oracle."""


@pytest.mark.parametrize("seed", [*range(7000, 7006), *BROKE_FINITE_WEIGHTS])
def test_medium_instances_match_the_oracle(seed: int) -> None:
    assert check_against_oracle(random_problem(seed, "medium")) is SolveStatus.OPTIMAL


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.integers(0, 2**31 - 1), st.sampled_from(FAMILIES))
def test_hypothesis_finds_no_instance_that_breaks_the_order(seed: int, family: str) -> None:
    check_against_oracle(random_problem(seed, family))


def test_urgency_is_not_traded_for_fairness() -> None:
    """The issue's maxmin shape: two borrowers with a 1,000 ฿ limit and two needs each,
    one of them urgent. All of B0's limit goes to its urgent need (3,000 ฿ weighted), not
    split 800/200 to even out fill ratios (2,800)."""
    offers = [
        LoanOffer("oA", "LA", 2000 * BAHT, 300, 365),
        LoanOffer("oB", "LB", 2000 * BAHT, 300, 365),
    ]
    needs = [
        LoanNeed("n0u", "B0", 1000 * BAHT, 500, 90, urgency=2),
        LoanNeed("n0", "B0", 1000 * BAHT, 500, 90),
        LoanNeed("n1a", "B1", 1000 * BAHT, 500, 90),
        LoanNeed("n1b", "B1", 1000 * BAHT, 500, 90),
    ]
    rules = [CoopRules(b, borrowing_limit_satang=1000 * BAHT) for b in ("B0", "B1")]
    for policy in FairnessPolicy:
        p = problem(offers, needs, rules, policy=policy)
        r = solve_valid(p)
        assert r.objective.urgency_weighted_satang == 3000 * BAHT
        assert r.status is SolveStatus.OPTIMAL
        check_against_oracle(p)


def chain(length: int, policy: FairnessPolicy) -> LiquidityProblem:
    """The issue's shape as a chain through lender funds and borrowing limits.

    Lender Lᵢ has 1,000 ฿ of funds shared by a cheap short offer cᵢ and a dear long one dᵢ;
    borrower Bᵢ has a 1,000 ฿ limit and a need sᵢ whose term Tᵢ falls with i, so cᵢ reaches
    sᵢ, sᵢ₊₁, … and dᵢ reaches sᵢ₋₁, sᵢ, …. All-cheap loans cᵢ → sᵢ cover every sᵢ. The one
    urgent need, at the last borrower, only d₀ reaches: serving it moves every lender one
    borrower back at the dear rate — +1 urgency unit per satang against +``length`` rank
    steps, which finite weights (3 × (2 + top rank) under ``coverage``) let outweigh the
    urgency from 9 lenders on."""
    offers, needs, rules = [], [], []
    terms = [1000 - 10 * i for i in range(length)]
    for i in range(length):
        offers.append(LoanOffer(f"c{i:02}", f"L{i:02}", 1000 * BAHT, 100, terms[i]))
        offers.append(
            LoanOffer(f"d{i:02}", f"L{i:02}", 1000 * BAHT, 500, terms[i - 1] if i else 5000)
        )
        rules.append(CoopRules(f"L{i:02}", liquid_funds_satang=1000 * BAHT))
        needs.append(LoanNeed(f"s{i:02}", f"B{i:02}", 1000 * BAHT, 600, terms[i]))
        rules.append(CoopRules(f"B{i:02}", borrowing_limit_satang=1000 * BAHT))
    needs.append(LoanNeed("urgent", f"B{length - 1:02}", 1000 * BAHT, 600, 5000, urgency=2))
    return problem(offers, needs, rules, policy=policy)


@pytest.mark.parametrize("policy", list(FairnessPolicy))
@pytest.mark.parametrize("length", [2, 9, 12, 30, 70])
def test_a_long_chain_serves_the_urgent_need(length: int, policy: FairnessPolicy) -> None:
    p = chain(length, policy)
    r = solve_valid(p)
    lent = {x.need_id for x in r.proposals}
    assert "urgent" in lent
    assert r.objective.urgency_weighted_satang == (length + 1) * 1000 * BAHT
    check_against_oracle(p)
