"""The funding plan and the stress run on the Lamphun scenario: out of sample through the
real simulator, monotone in the target, the same answer for a seed, bad input named."""

from __future__ import annotations

from dataclasses import replace

import pytest

from matcher.funding.plan import solve_funding
from matcher.stress.model import StressProblem
from matcher.stress.run import run_stress
from matcher.stress.validator import check_stress
from scenarios.funding.report import funding_json
from scenarios.funding.run import PlanInputError, plan_funding
from scenarios.funding.stress_day import group_members, shocks_for, simulated_ledger
from scenarios.sim.loader import load_scenario
from scenarios.sim.montecarlo import Executor, with_days
from tests.scenarios.conftest import ROOT

LAMPHUN = ROOT / "scenarios" / "lamphun-2555.yaml"
OOS_TOLERANCE_BPS = 300
"""The plan's service on fresh seeds may fall short of the target by at most 3 points (it
sits above: the requirement counts a need as owed for the whole loan term)."""


@pytest.fixture(scope="module")
def short_season():  # type: ignore[no-untyped-def]
    return with_days(load_scenario(LAMPHUN), 40)


@pytest.mark.slow
def test_out_of_sample_service_within_tolerance(short_season) -> None:  # type: ignore[no-untyped-def]
    rep = plan_funding(short_season, 9_000, 24, 3, check_runs=24, executor=Executor.SERIAL)
    assert rep.plan.service_bps["lp-longan"] >= 9_000
    assert rep.out_of_sample_bps["lp-longan"] >= 9_000 - OOS_TOLERANCE_BPS
    no_buffer = next(r for r in rep.rules if r.name == "no-buffer")
    assert no_buffer.service_bps["lp-longan"] < 9_000


def test_higher_target_never_costs_less(short_season) -> None:  # type: ignore[no-untyped-def]
    rep = plan_funding(short_season, 7_000, 8, 5, check_runs=0, executor=Executor.SERIAL)
    plans = [
        solve_funding(replace(rep.problem, target_bps=t)) for t in (7_000, 8_500, 9_500, 10_000)
    ]
    assert [p.lp_cost for p in plans] == sorted(p.lp_cost for p in plans)
    assert [p.cost_satang for p in plans] == sorted(p.cost_satang for p in plans)


def test_same_seed_same_bytes(short_season) -> None:  # type: ignore[no-untyped-def]
    a = plan_funding(short_season, 9_500, 6, 9, check_runs=2, executor=Executor.SERIAL)
    b = plan_funding(short_season, 9_500, 6, 9, check_runs=2, executor=Executor.PROCESS, workers=2)
    assert funding_json(a) == funding_json(b)


def test_bad_request_names_each_field(short_season) -> None:  # type: ignore[no-untyped-def]
    calm_season = short_season.spec.season.model_copy(
        update={"price_volatility_bps": 0, "harvest_noise_bps": 0}
    )
    calm = replace(short_season, spec=short_season.spec.model_copy(update={"season": calm_season}))
    with pytest.raises(PlanInputError) as err:
        plan_funding(calm, 0, 2, 1, sources=["nope"], networks=["mars"])
    assert {i.field for i in err.value.issues} == {
        "target",
        "source[0]",
        "network[0]",
        "season.price_volatility_bps",
    }


def test_stress_on_a_simulated_day_is_valid_and_deterministic(short_season) -> None:  # type: ignore[no-untyped-def]
    positions, claims = simulated_ledger(short_season, 1, 30)
    known = {p.coop_id for p in positions}
    shocks = shocks_for(known, {}, ["agri-buyer-01"], [], 0)
    problem = StressProblem(positions, claims, shocks)
    res = run_stress(problem, ("agri-buyer-01",))
    assert check_stress(problem, res) == []
    again = run_stress(
        StressProblem(*simulated_ledger(short_season, 1, 30), shocks), ("agri-buyer-01",)
    )
    assert again.outcomes == res.outcomes and again.debtrank == res.debtrank
    assert group_members(short_season, "lp-longan") == ["longan-01", "longan-02", "longan-03"]


@pytest.mark.slow
def test_dask_samples_equal_serial(short_season) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("distributed")
    from scenarios.funding.run import funding_policy
    from scenarios.funding.sampling import sample_seasons

    policy = funding_policy(short_season)
    serial = sample_seasons(short_season, policy, 3, 4, Executor.SERIAL)
    dask = sample_seasons(short_season, policy, 3, 4, Executor.DASK, workers=2)
    assert serial.runs == dask.runs
    assert (serial.uncovered == dask.uncovered).all()
