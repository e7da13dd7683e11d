"""Monte Carlo: many seasons per policy, seeds from one root seed; serial, process pool, Dask.

Run ``i`` uses ``SeedSequence(root_seed, spawn_key=(i,))`` — the i-th child that
``SeedSequence(root_seed).spawn(n)`` would give — for every policy (common random numbers,
so policies are compared on the same weather and prices). A season depends only on
(scenario, policy, run seed), so the results are identical whatever the executor or the
number of workers; they are returned sorted by (policy order, run).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum
from typing import Any

import numpy as np

from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics
from scenarios.sim.season import simulate_season

Progress = Callable[[int], None]
"""Called with the number of seasons just finished."""


class Executor(StrEnum):
    """Where the seasons run."""

    SERIAL = "serial"
    PROCESS = "process"
    DASK = "dask"
    """Dask distributed (optional extra): a LocalCluster, or the scheduler at ``address``."""


def run_seed(root_seed: int, run: int) -> np.random.SeedSequence:
    """The seed of run ``run``: the run-th child of the root seed sequence.

    >>> a = run_seed(1, 3).generate_state(2)
    >>> b = np.random.SeedSequence(1).spawn(4)[3].generate_state(2)
    >>> bool((a == b).all())
    True
    """
    return np.random.SeedSequence(root_seed, spawn_key=(run,))


def with_days(scenario: Scenario, days: int) -> Scenario:
    """The scenario with a shorter season around the peak, for tests and smoke runs.

    Stress days (lender drop-out, price crash) move with the new start (clamped to day 0),
    so a stress case that falls inside the window still bites.
    """
    season = scenario.spec.season
    days = min(days, season.days)
    start_shift = max(0, min(season.peak_day - days // 2, season.days - days))
    new_season = season.model_copy(
        update={
            "days": days,
            "peak_day": season.peak_day - start_shift,
            "start": season.start + timedelta(days=start_shift),
        }
    )
    policies = tuple(
        p.model_copy(
            update={
                "stress": p.stress.model_copy(
                    update={
                        "drop_day": max(0, p.stress.drop_day - start_shift),
                        "crash_day": None
                        if p.stress.crash_day is None
                        else max(0, p.stress.crash_day - start_shift),
                    }
                )
            }
        )
        for p in scenario.spec.policies
    )
    spec = scenario.spec.model_copy(update={"season": new_season, "policies": policies})
    return replace(scenario, spec=spec)


def _chunk(scenario: Scenario, root_seed: int, runs: list[int]) -> list[SeasonMetrics]:
    """Every policy for each run in ``runs`` (one task of an executor)."""
    out = []
    for run in runs:
        for policy in scenario.spec.policies:
            out.append(simulate_season(scenario, policy, run_seed(root_seed, run), run))
    return out


def _chunks(runs: int, size: int) -> Iterator[list[int]]:
    for lo in range(0, runs, size):
        yield list(range(lo, min(runs, lo + size)))


def run_monte_carlo(
    scenario: Scenario,
    runs: int,
    root_seed: int,
    executor: Executor = Executor.PROCESS,
    workers: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = 0,
) -> list[SeasonMetrics]:
    """Simulate ``runs`` seasons of every policy of ``scenario``.

    Args:
        scenario: a loaded scenario.
        runs: seasons per policy.
        root_seed: the one seed every run's seed is spawned from.
        executor: serial or a process pool.
        workers: processes for the pool (default: CPU count).
        progress: told how many seasons (× policies) finished after each chunk.
        chunk_size: runs per task (default: about 4 tasks per worker).

    Returns:
        One :class:`SeasonMetrics` per (policy, run), sorted by policy order then run.
    """
    n_workers = workers or os.cpu_count() or 1
    size = chunk_size or max(1, min(25, -(-runs // (4 * n_workers))))
    results: list[SeasonMetrics] = []
    if executor == Executor.SERIAL or (executor == Executor.PROCESS and n_workers == 1):
        for part in _chunks(runs, size):
            done = _chunk(scenario, root_seed, part)
            results += done
            if progress:
                progress(len(done))
    elif executor == Executor.DASK:
        results = _run_dask(scenario, root_seed, list(_chunks(runs, size)), n_workers, progress)
    else:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futures = [pool.submit(_chunk, scenario, root_seed, p) for p in _chunks(runs, size)]
            for fut in futures:
                done = fut.result()
                results += done
                if progress:
                    progress(len(done))
    order = {p.name: i for i, p in enumerate(scenario.spec.policies)}
    return sorted(results, key=lambda s: (order[s.policy], s.run))


def _run_dask(
    scenario: Scenario,
    root_seed: int,
    chunks: list[list[int]],
    n_workers: int,
    progress: Progress | None,
    address: str | None = None,
) -> list[SeasonMetrics]:
    """Run the chunks on Dask distributed (imported here: an optional extra)."""
    try:
        dd: Any = importlib.import_module("dask.distributed")
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("the dask executor needs: pip install 'dask[distributed]'") from exc
    results: list[SeasonMetrics] = []
    cluster = (
        None
        if address
        else dd.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
    )
    try:
        with dd.Client(address or cluster) as client:
            remote = client.scatter(scenario, broadcast=True)
            futures = [client.submit(_chunk, remote, root_seed, c, pure=False) for c in chunks]
            for fut in dd.as_completed(futures):
                done = fut.result()
                results += done
                if progress:
                    progress(len(done))
    finally:
        if cluster is not None:
            cluster.close()
    return results
