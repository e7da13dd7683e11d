"""Season benchmark: Lamphun longan seasons (92 days, baseline policy) per second.

The real run (``--benchmark-only``) simulates 1,000 seasons (``COOPMATCH_BENCH_SEASONS``
to change) serially (1 worker) and with the process pool on 2 workers (target: ≤ 60 s on 2
cores) and records, in ``extra_info``, seasons per second, milliseconds per season, the CPU
seconds of the run (this process and its pool workers, steadier than wall time on a shared
machine) and, for 2 workers, the speed-up over the 1-worker run of the same session. The
smoke run (``--benchmark-disable``) uses 4 seasons of 10 days. Both check that the pool gives
the same seasons as the serial executor.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scenarios.sim.loader import Scenario, load_scenario
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days

LAMPHUN = Path(__file__).resolve().parents[1] / "scenarios" / "lamphun-2555.yaml"
TARGET_S = 60.0
RUNS = int(os.environ.get("COOPMATCH_BENCH_SEASONS", "1000"))
"""Seasons of the real run (an environment variable, for a quicker look)."""
_SECONDS: dict[int, float] = {}
"""Wall seconds per worker count in this session (for the speed-up)."""


def _baseline_only(days: int | None) -> Scenario:
    sc = load_scenario(LAMPHUN)
    sc = replace(sc, spec=sc.spec.model_copy(update={"policies": sc.spec.policies[:1]}))
    return with_days(sc, days) if days else sc


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (pool workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


@pytest.mark.parametrize("workers", [1, 2])
def test_bench_season(benchmark: Any, smoke: bool, workers: int) -> None:
    runs, sc = (4, _baseline_only(10)) if smoke else (RUNS, _baseline_only(None))
    executor = Executor.SERIAL if workers == 1 else Executor.PROCESS
    cpu0, start = _cpu_s(), time.perf_counter()
    seasons = benchmark.pedantic(
        run_monte_carlo, args=(sc, runs, 1, executor, workers), rounds=1, iterations=1
    )
    seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu0
    assert len(seasons) == runs
    _SECONDS[workers] = seconds
    benchmark.extra_info.update(
        runs=runs,
        days=sc.spec.season.days,
        workers=workers,
        seconds=round(seconds, 2),
        seasons_per_s=round(runs / seconds, 2),
        ms_per_season=round(1000 * seconds / runs, 1),
        cpu_s=round(cpu, 2),
        cpu_ms_per_season=round(1000 * cpu / runs, 1),
        target_s=TARGET_S,
    )
    if workers > 1 and 1 in _SECONDS:
        benchmark.extra_info["speedup_vs_1_worker"] = round(_SECONDS[1] / seconds, 2)
    if smoke:
        assert seasons == run_monte_carlo(sc, runs, 1, Executor.SERIAL)
