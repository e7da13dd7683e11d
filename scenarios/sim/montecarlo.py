"""Monte Carlo: many seasons per policy, seeds from one root seed; serial, process pool, Dask.

Run ``i`` uses ``SeedSequence(root_seed, spawn_key=(i,))`` — the i-th child that
``SeedSequence(root_seed).spawn(n)`` would give — for every policy (common random numbers,
so policies are compared on the same weather and prices). A season depends only on
(scenario, policy, run seed), so the results are identical whatever the executor or the
number of workers; they are returned sorted by (policy order, run).

The process pool sends the scenario to each worker once (its initializer) and then only a
root seed and a range of runs per task; a task is a chunk of runs (at least four per worker,
at most 10 runs) so the workers stay busy to the end and the progress bar moves.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import timedelta
from enum import StrEnum

import numpy as np

from scenarios.sim.dask_runner import DaskUnavailableError, run_dask
from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics
from scenarios.sim.season import simulate_season

__all__ = ["DaskUnavailableError", "Executor", "run_monte_carlo", "run_seed", "with_days"]

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


def _chunk(scenario: Scenario, root_seed: int, runs: range) -> list[SeasonMetrics]:
    """Every policy for each run in ``runs`` (one task of an executor)."""
    out = []
    for run in runs:
        for policy in scenario.spec.policies:
            out.append(simulate_season(scenario, policy, run_seed(root_seed, run), run))
    return out


def _chunks(runs: int, size: int) -> Iterator[range]:
    for lo in range(0, runs, size):
        yield range(lo, min(runs, lo + size))


_worker_scenario: Scenario | None = None
"""The scenario of this pool worker, set once by :func:`_init_worker`."""


def _init_worker(scenario: Scenario) -> None:
    """Pool initializer: keep the scenario (sent once per worker, not once per task)."""
    global _worker_scenario
    _worker_scenario = scenario


def _worker_chunk(root_seed: int, runs: range) -> list[SeasonMetrics]:
    """A pool task: the runs ``runs`` of the worker's scenario."""
    assert _worker_scenario is not None, "pool worker started without a scenario"
    return _chunk(_worker_scenario, root_seed, runs)


def chunk_size_for(runs: int, workers: int) -> int:
    """Runs per task: at least 4 tasks per worker, at most 10 runs (a short tail at the end).

    >>> chunk_size_for(1000, 2), chunk_size_for(10, 2), chunk_size_for(1, 8)
    (10, 2, 1)
    """
    return max(1, min(10, -(-runs // (4 * workers))))


def run_monte_carlo(
    scenario: Scenario,
    runs: int,
    root_seed: int,
    executor: Executor = Executor.PROCESS,
    workers: int | None = None,
    progress: Progress | None = None,
    chunk_size: int = 0,
    *,
    dask_address: str | None = None,
) -> list[SeasonMetrics]:
    """Simulate ``runs`` seasons of every policy of ``scenario``.

    Args:
        scenario: a loaded scenario.
        runs: seasons per policy.
        root_seed: the one seed every run's seed is spawned from.
        executor: serial, a process pool or Dask distributed.
        workers: processes for the pool or the Dask LocalCluster (default: CPU count).
        progress: told how many seasons (× policies) finished after each chunk.
        chunk_size: runs per task (default: :func:`chunk_size_for`).
        dask_address: with the Dask executor, the scheduler to use (``tcp://host:8786``)
            instead of a LocalCluster.

    Returns:
        One :class:`SeasonMetrics` per (policy, run), sorted by policy order then run.

    Raises:
        DaskUnavailableError: the Dask executor without the extra, or a scheduler that
            cannot be reached.
    """
    n_workers = workers or os.cpu_count() or 1
    size = chunk_size or chunk_size_for(runs, n_workers)
    chunks = list(_chunks(runs, size))
    results: list[SeasonMetrics] = []
    if executor == Executor.SERIAL or (executor == Executor.PROCESS and n_workers == 1):
        for part in chunks:
            done = _chunk(scenario, root_seed, part)
            results += done
            if progress:
                progress(len(done))
    elif executor == Executor.DASK:
        results = run_dask(_chunk, scenario, root_seed, chunks, n_workers, progress, dask_address)
    else:
        results = _run_pool(scenario, root_seed, chunks, n_workers, progress)
    order = {p.name: i for i, p in enumerate(scenario.spec.policies)}
    return sorted(results, key=lambda s: (order[s.policy], s.run))


def _run_pool(
    scenario: Scenario,
    root_seed: int,
    chunks: list[range],
    n_workers: int,
    progress: Progress | None,
) -> list[SeasonMetrics]:
    """Run the chunks on a process pool whose workers receive the scenario once."""
    results: list[SeasonMetrics] = []
    with ProcessPoolExecutor(
        max_workers=min(n_workers, len(chunks)) or 1,
        initializer=_init_worker,
        initargs=(scenario,),
    ) as pool:
        futures = [pool.submit(_worker_chunk, root_seed, part) for part in chunks]
        for fut in futures:
            done = fut.result()
            results += done
            if progress:
                progress(len(done))
    return results
