"""The season's fast path (trusted rounds, empty parts not solved) changes no figure."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import matcher.produce.small as small
import matcher.produce.solver as produce_solver
import matcher.round.combined as combined
from scenarios.sim.loader import Scenario, load_scenario
from scenarios.sim.montecarlo import run_seed, with_days
from scenarios.sim.season import active_view, simulate_season
from scenarios.sim.setup import season_setup
from tests.scenarios.conftest import SCENARIO_FILES


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_fast_path_equals_fully_checked_path(path: Path) -> None:
    sc = with_days(load_scenario(path), 15)
    for policy in sc.spec.policies:
        for run in (0, 1):
            fast = simulate_season(sc, policy, run_seed(4, run), run)
            full = simulate_season(sc, policy, run_seed(4, run), run, recheck=True)
            assert fast == full, (path.name, policy.name, run)
            assert fast.rounds > 0


def test_fast_path_skips_empty_parts(lamphun: Scenario, monkeypatch: Any) -> None:
    sc = with_days(lamphun, 40)
    calls = {"setoff": 0, "liquidity": 0}

    def counting(name: str, solve: Any) -> Any:
        def wrapped(*args: Any, **kw: Any) -> Any:
            calls[name] += 1
            return solve(*args, **kw)

        return wrapped

    monkeypatch.setattr(combined, "solve_setoff", counting("setoff", combined.solve_setoff))
    monkeypatch.setattr(
        combined, "solve_liquidity", counting("liquidity", combined.solve_liquidity)
    )
    policy = sc.spec.policies[0]
    fast = simulate_season(sc, policy, run_seed(2, 0))
    fast_calls = dict(calls)
    full = simulate_season(sc, policy, run_seed(2, 0), recheck=True)
    assert fast == full
    assert calls["setoff"] - fast_calls["setoff"] == full.rounds
    assert calls["liquidity"] - fast_calls["liquidity"] == full.rounds
    assert 0 < fast_calls["setoff"] < fast.rounds
    assert 0 < fast_calls["liquidity"] < fast.rounds


def test_produce_rounds_on_traders_only_match_as_with_every_coop(
    lamphun: Scenario, monkeypatch: Any
) -> None:
    sc = with_days(lamphun, 20)
    seen: list[tuple[Any, Any]] = []
    solve = combined.solve_produce

    def recording(problem: Any, clock: Any = None, **kw: Any) -> Any:
        # Explained here (the season asks for none), so the explanations are compared too.
        result = solve(problem, clock, **{**kw, "explain": True})
        seen.append((problem, result))
        return result

    monkeypatch.setattr(combined, "solve_produce", recording)
    simulate_season(sc, sc.spec.policies[0], run_seed(6, 0))
    assert seen
    active = active_view(sc)
    for problem, result in seen[::3]:
        assert len(problem.coops) < len(active.coops)
        everyone = replace(problem, coops=active.coops, networks=active.networks)
        assert solve(everyone) == result


def test_setup_is_built_once_per_scenario_and_policy(lamphun: Scenario) -> None:
    first, second = lamphun.spec.policies[:2]
    a = season_setup(lamphun, first)
    assert season_setup(lamphun, first) is a
    b = season_setup(lamphun, second)
    assert b is not a and b.policy is second
    shorter = with_days(lamphun, 5)
    c = season_setup(shorter, shorter.spec.policies[0])
    assert c.scenario.spec.season.days == 5
    assert len(c.dates) >= 5 + c.scenario.spec.season.shelf_life_days
    assert {x.coop_id for x in a.collectors} <= {c.id for c in a.trade_coops}


def test_season_produce_rounds_on_the_small_path_match_the_array_path(
    lamphun: Scenario, monkeypatch: Any
) -> None:
    """The season's produce rounds take the plain-Python path; the array path agrees."""
    sc = with_days(lamphun, 30)
    seen: list[Any] = []
    solve = combined.solve_produce

    def recording(problem: Any, clock: Any = None, **kw: Any) -> Any:
        seen.append(problem)
        return solve(problem, clock, **kw)

    monkeypatch.setattr(combined, "solve_produce", recording)
    simulate_season(sc, sc.spec.policies[0], run_seed(8, 0))
    assert seen and all(small.eligible(p) for p in seen)
    for problem in seen[::2]:
        fast = solve(problem)
        monkeypatch.setattr(produce_solver, "eligible", lambda _: False)
        assert solve(problem) == fast
        monkeypatch.undo()
