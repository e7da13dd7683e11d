"""Season benchmark: Lamphun longan seasons (92 days, baseline policy) per second.

The real run (``--benchmark-only``) simulates 1,000 seasons with the process pool on 1 and
on 2 workers (target: ≤ 60 s on 2 cores) and records seasons per second and the speed-up
in ``extra_info``; the smoke run (``--benchmark-disable``) uses 4 seasons of 10 days. Both
check that the pool gives the same seasons as the serial executor.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scenarios.sim.loader import Scenario, load_scenario
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days

LAMPHUN = Path(__file__).resolve().parents[1] / "scenarios" / "lamphun-2555.yaml"
TARGET_S = 60.0


def _baseline_only(days: int | None) -> Scenario:
    sc = load_scenario(LAMPHUN)
    sc = replace(sc, spec=sc.spec.model_copy(update={"policies": sc.spec.policies[:1]}))
    return with_days(sc, days) if days else sc


@pytest.mark.parametrize("workers", [1, 2])
def test_bench_season(benchmark: Any, smoke: bool, workers: int) -> None:
    runs, sc = (4, _baseline_only(10)) if smoke else (1_000, _baseline_only(None))
    executor = Executor.SERIAL if workers == 1 else Executor.PROCESS
    start = time.perf_counter()
    seasons = benchmark.pedantic(
        run_monte_carlo, args=(sc, runs, 1, executor, workers), rounds=1, iterations=1
    )
    seconds = time.perf_counter() - start
    assert len(seasons) == runs
    benchmark.extra_info.update(
        runs=runs,
        days=sc.spec.season.days,
        workers=workers,
        seconds=round(seconds, 2),
        seasons_per_s=round(runs / seconds, 2),
        ms_per_season=round(1000 * seconds / runs, 1),
        target_s=TARGET_S,
    )
    if smoke:
        assert seasons == run_monte_carlo(sc, runs, 1, Executor.SERIAL)
