"""Monte Carlo samples for the funding plan: each season's uncovered urgent need per day.

A sample is one season of the scenario under the chosen policy **without a joint fund**
(the buffer being planned), simulated by :func:`scenarios.sim.season.simulate_season`
with the run seed of :func:`scenarios.sim.montecarlo.run_seed`. Each day ``t`` and each
*planning network* ``n`` (the networks holding the collectors) it records

    r[t, n] = Σ_{collectors c in n} (need posted by c on day t − relief c got on day t)

in satang: what the day's round left uncovered. The same recorder, run with a joint fund
of a plan's size on fresh seeds, gives the out-of-sample service level.
Samples run serially, on a process pool or on Dask; the result is the same.

A :class:`SampleCache` keeps the sample sets of recent plans by everything that decides
them (the scenario, the policy, the runs and the root seed), so a second plan on the same
samples (another target, other sources) samples nothing and gives what a fresh run gives.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from scenarios.sim.dask_runner import run_dask
from scenarios.sim.ledger import SeasonState
from scenarios.sim.loader import Scenario
from scenarios.sim.montecarlo import Executor, chunk_size_for, run_seed
from scenarios.sim.schema import PolicySpec
from scenarios.sim.season import simulate_season

Progress = Callable[[int], None]


@dataclass(frozen=True)
class SampleSet:
    """Uncovered need, run × day × planning network, in satang."""

    networks: tuple[str, ...]
    uncovered: NDArray[np.int64]
    runs: tuple[int, ...]


def planning_networks(scenario: Scenario) -> tuple[str, ...]:
    """The networks whose member coops collect produce (and so post urgent needs)."""
    return tuple(sorted({g.network for g in scenario.group_of if g.harvest_kg > 0}))


def collector_network(scenario: Scenario) -> dict[str, str]:
    """Collector coop id → its planning network."""
    return {
        c.id: g.network
        for c, g in zip(scenario.coops, scenario.group_of, strict=True)
        if g.harvest_kg > 0
    }


def season_uncovered(
    scenario: Scenario, policy: PolicySpec, run: int, root_seed: int
) -> NDArray[np.int64]:
    """One season's uncovered need, day × planning network (see the module docstring)."""
    nets = planning_networks(scenario)
    col = {n: j for j, n in enumerate(nets)}
    of = collector_network(scenario)
    out = np.zeros((scenario.spec.season.days, len(nets)), dtype=np.int64)
    last_need: dict[str, int] = {}
    last_cov: dict[str, int] = {}

    def observe(t: int, st: SeasonState) -> None:
        for cid, need in st.need.items():
            gap = (need - last_need.get(cid, 0)) - (st.covered[cid] - last_cov.get(cid, 0))
            last_need[cid], last_cov[cid] = need, st.covered[cid]
            if gap > 0:
                out[t, col[of[cid]]] += gap

    simulate_season(scenario, policy, run_seed(root_seed, run), run, observer=observe)
    return out


def _chunk(
    scenario: Scenario, policy: PolicySpec, root_seed: int, runs: range
) -> list[tuple[int, NDArray[np.int64]]]:
    return [(r, season_uncovered(scenario, policy, r, root_seed)) for r in runs]


_worker: tuple[Scenario, PolicySpec] | None = None


def _init(scenario: Scenario, policy: PolicySpec) -> None:
    global _worker
    _worker = (scenario, policy)


def _pool_task(root_seed: int, runs: range) -> list[tuple[int, NDArray[np.int64]]]:
    assert _worker is not None, "pool worker started without a scenario"
    return _chunk(_worker[0], _worker[1], root_seed, runs)


def _dask_task(scenario_policy: Any, root_seed: int, runs: range) -> list[Any]:
    scenario, policy = scenario_policy
    return _chunk(scenario, policy, root_seed, runs)


def sample_seasons(
    scenario: Scenario,
    policy: PolicySpec,
    runs: int,
    root_seed: int,
    executor: Executor = Executor.PROCESS,
    workers: int | None = None,
    progress: Progress | None = None,
    *,
    first_run: int = 0,
    dask_address: str | None = None,
) -> SampleSet:
    """Simulate runs ``first_run .. first_run + runs − 1`` and stack their uncovered needs."""
    n_workers = workers or os.cpu_count() or 1
    size = chunk_size_for(runs, n_workers)
    chunks = [
        range(lo, min(first_run + runs, lo + size))
        for lo in range(first_run, first_run + runs, size)
    ]
    done: list[tuple[int, NDArray[np.int64]]] = []
    if executor == Executor.SERIAL or (executor == Executor.PROCESS and n_workers == 1):
        for part in chunks:
            got = _chunk(scenario, policy, root_seed, part)
            done += got
            if progress:
                progress(len(got))
    elif executor == Executor.DASK:
        task = cast(Any, _dask_task)
        done = cast(
            Any,
            run_dask(
                task,
                cast(Any, (scenario, policy)),
                root_seed,
                chunks,
                n_workers,
                progress,
                dask_address,
            ),
        )
    else:
        with ProcessPoolExecutor(
            max_workers=min(n_workers, len(chunks)) or 1,
            initializer=_init,
            initargs=(scenario, policy),
        ) as pool:
            futures = [pool.submit(_pool_task, root_seed, part) for part in chunks]
            for fut in futures:
                got = fut.result()
                done += got
                if progress:
                    progress(len(got))
    done.sort(key=lambda pair: pair[0])
    return SampleSet(
        networks=planning_networks(scenario),
        uncovered=np.stack([u for _, u in done]) if done else np.zeros((0, 0, 0), np.int64),
        runs=tuple(r for r, _ in done),
    )


class SampleCache:
    """The sample sets of the last ``size`` plans, by :meth:`key` (thread-safe)."""

    def __init__(self, size: int = 4) -> None:
        self.size, self.hits = size, 0
        self._sets: OrderedDict[str, SampleSet] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(
        scenario: Scenario, policy: PolicySpec, runs: int, root_seed: int, first_run: int = 0
    ) -> str:
        """SHA-256 of everything a sample set depends on (the season is a pure function of
        the scenario, the policy and the run's seed)."""
        h = hashlib.sha256()
        for part in (scenario.spec.model_dump_json(), policy.model_dump_json()):
            h.update(len(part).to_bytes(8, "big") + part.encode())
        h.update(f"{runs}:{root_seed}:{first_run}".encode())
        return h.hexdigest()

    def get(self, key: str) -> SampleSet | None:
        """The stored set (marked recently used), or None."""
        with self._lock:
            found = self._sets.get(key)
            if found is not None:
                self._sets.move_to_end(key)
                self.hits += 1
            return found

    def put(self, key: str, samples: SampleSet) -> None:
        """Keep ``samples``, dropping the least recently used set past :attr:`size`."""
        with self._lock:
            self._sets[key] = samples
            self._sets.move_to_end(key)
            while len(self._sets) > self.size:
                self._sets.popitem(last=False)
