"""Independent min-cost flows solved side by side on the machine's other cores.

The networks of one level are disjoint flow problems, and OR-Tools' min-cost flow holds
Python's global lock while it works, so threads cannot share them out. A large level is
therefore split into groups of about equal arc count: this process solves the first group
while worker processes solve the others. Each batch's flow is the one the same solver
returns in this process (the solver is deterministic), so the answer does not depend on
how many workers there are, or whether there are any.

Workers are used only where they pay: at least :data:`PARALLEL_MIN_ARCS` arcs in one call,
more than one usable core, and not inside a worker process of some other pool (the season
simulator's Monte Carlo already spreads its runs over the cores). A pool that breaks is
dropped and the call is solved here. As with every process pool that does not fork the
caller, a script that solves a large round must guard its top level with
``if __name__ == "__main__":`` (the workers import the main module).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.liquidity.state import I64

PARALLEL_MIN_ARCS = 60_000
"""Arcs in one call below which the call is solved here alone (shipping the arrays to a
worker and back costs more than it saves; measured on the national family)."""

Job = tuple[I64, I64, I64, I64, I64]
"""One batch: tails, heads, capacities, unit costs (arcs numbered inside the batch) and the
supply of each of its nodes."""


class SolverFailure(RuntimeError):
    """The flow solver reported a status that a valid model cannot produce."""


def solve_jobs(jobs: Sequence[Job]) -> list[I64]:
    """Solve each batch with OR-Tools' min-cost flow; the flow on each of its arcs."""
    out: list[I64] = []
    for tails, heads, caps, cost, supply in jobs:
        smcf = min_cost_flow.SimpleMinCostFlow()
        ids = smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, cost)
        smcf.set_nodes_supplies(np.arange(supply.size, dtype=np.int64), supply)
        status = smcf.solve()
        if status != smcf.OPTIMAL:
            raise SolverFailure(f"min-cost flow ended with status {status!r}")
        out.append(np.asarray(smcf.flows(ids), dtype=np.int64))
    return out


def solve_all(jobs: Sequence[Job]) -> list[I64]:
    """The flows of every batch, in order: spread over worker processes when it pays."""
    arcs = np.array([j[0].size for j in jobs], dtype=np.int64)
    pool = _pool() if int(arcs.sum()) >= PARALLEL_MIN_ARCS else None
    if pool is None:
        return solve_jobs(jobs)
    groups = _balanced_groups(arcs, _WORKERS + 1)
    try:
        futures: list[Future[list[I64]]] = [
            pool.submit(solve_jobs, [jobs[i] for i in g]) for g in groups[1:]
        ]
    except (BrokenProcessPool, RuntimeError):
        _drop_pool()
        return solve_jobs(jobs)
    out: list[I64] = [np.zeros(0, dtype=np.int64)] * len(jobs)
    for i, f in zip(groups[0], solve_jobs([jobs[i] for i in groups[0]]), strict=True):
        out[i] = f
    for g, fut in zip(groups[1:], futures, strict=True):
        try:
            flows = fut.result()
        except BrokenProcessPool:
            _drop_pool()
            flows = solve_jobs([jobs[i] for i in g])
        for i, f in zip(g, flows, strict=True):
            out[i] = f
    return out


def workers() -> int:
    """How many worker processes a large solve uses here (0: it is solved in this process)."""
    return _WORKERS if mp.parent_process() is None else 0


def warm_up() -> None:
    """Start the worker processes now (they take a moment), for a large solve to come."""
    pool = _pool()
    if pool is not None:
        pool.submit(int)


def _balanced_groups(arcs: I64, n: int) -> list[list[int]]:
    """Batches dealt into ``n`` groups of about equal arc count, largest first."""
    groups: list[list[int]] = [[] for _ in range(n)]
    load = [0] * n
    for i in np.argsort(-arcs, kind="stable").tolist():
        g = load.index(min(load))
        groups[g].append(i)
        load[g] += int(arcs[i])
    return [sorted(g) for g in groups]


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


_WORKERS = min(3, _usable_cores() - 1)
_lock = threading.Lock()
_state: dict[str, ProcessPoolExecutor] = {}


def _pool() -> ProcessPoolExecutor | None:
    """The shared pool of worker processes, started on first use; none where not worth it."""
    if _WORKERS < 1 or mp.parent_process() is not None:
        return None
    with _lock:
        pool = _state.get("pool")
        if pool is None:
            # forkserver: a clean process to fork from, safe in a threaded server; it loads
            # this module (numpy, OR-Tools) once, so each worker starts at once.
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload([__name__])
            pool = _state["pool"] = ProcessPoolExecutor(_WORKERS, mp_context=ctx)
        return pool


def _drop_pool() -> None:
    with _lock:
        pool = _state.pop("pool", None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
