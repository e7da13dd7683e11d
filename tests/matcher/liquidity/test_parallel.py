"""Flows solved in worker processes equal the flows solved here, batch by batch, and a
pool that breaks falls back to solving here."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.liquidity import parallel


def _job(seed: int) -> parallel.Job:
    """A random transport problem S → lenders → borrowers → T with a bypass S → T."""
    rng = np.random.default_rng(seed)
    lenders, borrowers = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    arcs: list[tuple[int, int, int, int]] = []  # tail, head, capacity, unit cost
    for i in range(lenders):
        arcs.append((0, 2 + i, int(rng.integers(1, 500)), 0))
        for j in range(borrowers):
            if rng.random() < 0.6:
                cost = int(rng.integers(-50, 50))
                arcs.append((2 + i, 2 + lenders + j, int(rng.integers(1, 300)), cost))
    for j in range(borrowers):
        arcs.append((2 + lenders + j, 1, int(rng.integers(1, 400)), int(rng.integers(-20, 0))))
    total = sum(a[2] for a in arcs if a[0] == 0)
    arcs.append((0, 1, total, 0))
    supply = np.zeros(2 + lenders + borrowers, dtype=np.int64)
    supply[0], supply[1] = total, -total

    tails, heads, caps, cost = (np.array(col, dtype=np.int64) for col in zip(*arcs, strict=True))
    return tails, heads, caps, cost, supply


def test_workers_return_the_same_flows(monkeypatch: pytest.MonkeyPatch) -> None:
    if parallel._WORKERS < 1:
        pytest.skip("one usable core: no worker processes")
    jobs = [_job(s) for s in range(40)]
    here = parallel.solve_jobs(jobs)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ARCS", 0)
    spread = parallel.solve_all(jobs)
    assert len(spread) == len(here)
    for a, b in zip(here, spread, strict=True):
        assert np.array_equal(a, b)


def test_a_broken_pool_is_dropped_and_the_call_solved_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        def submit(self, *args: object) -> None:
            raise parallel.BrokenProcessPool("gone")

        def shutdown(self, **kwargs: object) -> None:
            pass

    jobs = [_job(s) for s in range(5)]
    monkeypatch.setattr(parallel, "PARALLEL_MIN_ARCS", 0)
    monkeypatch.setattr(parallel, "_WORKERS", 1)
    monkeypatch.setitem(parallel._state, "pool", Broken())
    flows = parallel.solve_all(jobs)
    assert all(np.array_equal(a, b) for a, b in zip(flows, parallel.solve_jobs(jobs), strict=True))
    assert "pool" not in parallel._state


def test_groups_are_balanced_and_cover_every_batch() -> None:
    arcs = np.array([90, 10, 50, 40, 5, 5], dtype=np.int64)
    groups = parallel._balanced_groups(arcs, 2)
    assert sorted(i for g in groups for i in g) == list(range(6))
    loads = [int(arcs[g].sum()) for g in groups]
    assert max(loads) - min(loads) <= 10
