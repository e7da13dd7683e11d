"""The funding plan: the reduced LP against the full MILP, validation, monotonicity,
duals, bad input."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs

from matcher.errors import InputError
from matcher.funding.model import FundingProblem, FundTerms, Source
from matcher.funding.plan import outstanding_requirement, solve_funding
from matcher.funding.validator import check_plan
from matcher.results import SolveStatus
from tests.matcher.funding.funding_oracle import milp_cost

SOURCES = (
    Source("fin", "เครือข่ายการเงิน", "financial network", 0, 400, limit_satang=3_000_000),
    Source("fed", "ชุมนุมสหกรณ์ออมทรัพย์", "savings federation", 50, 600),
    Source("bank", "ธนาคาร", "bank", 100, 900),
)


def _problem(
    seed: int, samples: int, days: int, nets: int, target: int, *, distinct: bool = False
) -> FundingProblem:
    """Random needs; with ``distinct`` the requirements themselves are drawn, all different
    (no tie at the threshold, where the full MILP may leave a coverable day unserved)."""
    rng = np.random.default_rng(seed)
    shape = (samples, days, nets)
    if distinct:
        req = rng.choice(10_000_000, size=samples * days * nets, replace=False).reshape(shape)
        req[rng.random(shape) < 0.2] = 0
    else:
        daily = (rng.random(shape) < 0.3) * rng.integers(0, 2_000_000, shape)
        req = outstanding_requirement(daily.astype(np.int64), 3)
    names = tuple(f"net{j}" for j in range(nets))
    return FundingProblem(
        names,
        req.astype(np.int64),
        target,
        tuple(FundTerms(n, 300 + 100 * j) for j, n in enumerate(names)),
        SOURCES,
    )


def _solve_valid(problem: FundingProblem):  # type: ignore[no-untyped-def]
    plan = solve_funding(problem)
    assert plan.status is SolveStatus.OPTIMAL
    assert check_plan(problem, plan) == []
    return plan


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=hs.integers(0, 10_000),
    nets=hs.integers(1, 2),
    target=hs.sampled_from([5_000, 8_000, 9_000, 9_500, 10_000]),
)
def test_lp_equals_full_milp(seed: int, nets: int, target: int) -> None:
    """The reduction (serve the smallest requirements) and the cutting planes lose nothing."""
    problem = _problem(seed, 4, 6, nets, target, distinct=True)
    plan = _solve_valid(problem)
    assert plan.lp_cost == pytest.approx(milp_cost(problem), rel=1e-6, abs=1.0)


def test_ties_at_the_threshold_are_served() -> None:
    problem = replace(
        _problem(0, 1, 4, 1, 5_000),
        requirement=np.array([[[0], [50_000], [50_000], [90_000]]], np.int64),
    )
    plan = _solve_valid(problem)
    assert plan.service_bps == {"net0": 7_500}


def test_higher_target_never_costs_less() -> None:
    problem = _problem(7, 40, 30, 2, 5_000)
    costs = [
        _solve_valid(replace(problem, target_bps=t)).lp_cost
        for t in (5_000, 7_000, 8_500, 9_000, 9_500, 9_900, 10_000)
    ]
    assert costs == sorted(costs)


def test_binding_source_limit_has_a_positive_dual() -> None:
    problem = _problem(3, 30, 20, 1, 9_500)
    tight = replace(problem, sources=(replace(SOURCES[0], limit_satang=100_000), *SOURCES[1:]))
    plan = _solve_valid(tight)
    fin = next(v for v in plan.source_values if v.source == "fin")
    assert fin.committed_satang == 100_000
    assert fin.limit_dual > 0


def test_fund_limit_pushes_to_lines() -> None:
    """Feasible: a fund capped at zero; the lines carry the whole buffer."""
    problem = _problem(5, 20, 20, 1, 9_000)
    capped = replace(problem, funds=(FundTerms("net0", 300, limit_satang=0),))
    plan = _solve_valid(capped)
    assert plan.fund_satang["net0"] == 0
    assert sum(plan.lines_satang.values()) > 0


def test_no_source_and_no_fund_room_is_infeasible() -> None:
    """Infeasible: a need to cover, the fund capped at zero and no sources."""
    problem = _problem(5, 20, 20, 1, 9_000)
    capped = replace(problem, funds=(FundTerms("net0", 300, limit_satang=0),), sources=())
    assert solve_funding(capped).status is SolveStatus.INFEASIBLE


def test_same_input_same_plan() -> None:
    problem = _problem(11, 30, 30, 2, 9_500)
    assert solve_funding(problem).fund_satang == solve_funding(problem).fund_satang


def test_bad_input_names_every_field() -> None:
    problem = _problem(1, 2, 3, 1, 9_500)
    bad = replace(
        problem,
        target_bps=0,
        funds=(FundTerms("nowhere", -1),),
        sources=(Source("x", "x", "x", -5, 100, networks=("mars",)),),
    )
    with pytest.raises(InputError) as err:
        solve_funding(bad)
    assert {i.field for i in err.value.issues} == {
        "target",
        "funds[0].network",
        "funds[0].return_forgone_bps",
        "sources[0].commitment_fee_bps",
        "sources[0].networks[0]",
    }


def test_validator_catches_an_undersized_plan() -> None:
    problem = _problem(2, 20, 20, 1, 9_500)
    plan = _solve_valid(problem)
    small = replace(plan, fund_satang={"net0": 0}, lines_satang=dict.fromkeys(plan.lines_satang, 0))
    assert check_plan(problem, small)
