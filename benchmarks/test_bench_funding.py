"""Funding-plan benchmark: Lamphun 2555, 1,000 sampled seasons, target 95 %.

The real run samples 1,000 seasons (``COOPMATCH_BENCH_FUNDING_SEASONS`` to change) on the
process pool with 2 workers and solves the plan (target: ≤ 120 s on 2 cores including the
sampling); ``extra_info`` holds the sampling and solve times, the model size (variables,
constraints, cutting-plane rounds, served sample-days read by the draw cost), the plan's
cost and in-sample service, and ``cpu_s``: the CPU seconds of this process and its pool
workers together (on a machine shared with other jobs the wall time says how busy the
machine was; ``cpu_s / 2`` is about what two idle cores take). The smoke run uses 4 seasons
of 10 days. The out-of-sample check is not timed here (``check_runs=0``); the test suite
covers it.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any

from matcher.funding.validator import check_plan
from scenarios.funding.run import plan_funding
from scenarios.sim.loader import load_scenario
from scenarios.sim.montecarlo import Executor, with_days

LAMPHUN = Path(__file__).resolve().parents[1] / "scenarios" / "lamphun-2555.yaml"
RUNS = int(os.environ.get("COOPMATCH_BENCH_FUNDING_SEASONS", "1000"))
TARGET_S = 120.0


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (the pool's workers
    are joined when the sampling ends)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def test_bench_funding_plan(benchmark: Any, smoke: bool) -> None:
    scenario = load_scenario(LAMPHUN)
    runs = RUNS
    if smoke:
        scenario, runs = with_days(scenario, 10), 4
    start, cpu = time.perf_counter(), cpu_seconds()
    report = benchmark.pedantic(
        plan_funding,
        args=(scenario, 9_500, runs, 1),
        kwargs={"check_runs": 0, "executor": Executor.PROCESS, "workers": 2},
        rounds=1,
        iterations=1,
    )
    seconds = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    plan = report.plan
    assert check_plan(report.problem, plan) == []
    benchmark.extra_info.update(
        runs=runs,
        days=scenario.spec.season.days,
        seconds=round(seconds, 2),
        cpu_s=round(cpu, 2),
        load_avg_1m=round(os.getloadavg()[0], 1),
        sampling_s=round(report.sampling_s, 2),
        solve_ms=plan.solve_ms,
        variables=plan.variables,
        constraints=plan.constraints,
        cut_rounds=plan.cut_rounds,
        served_points=plan.points,
        cost_satang=plan.cost_satang,
        service_bps=plan.service_bps,
        capacity_satang={n: plan.capacity_satang(n) for n in report.problem.networks},
        target_s=TARGET_S,
    )
