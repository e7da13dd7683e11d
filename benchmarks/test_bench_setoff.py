"""Set-off benchmark: our OR-Tools MTCS against networkx ``min_cost_flow`` on one instance.

The real run (``--benchmark-only``) uses the registered ``setoff/national-10k`` family
(10,000 coops, 100,000 obligations, target 2 s); the smoke run (``--benchmark-disable``)
uses 200 coops and 2,000 obligations. networkx runs once, timed with ``perf_counter``; both
must clear the same amount. ``speed_ratio`` compares networkx with our whole entry point
(input checks, bilateral baseline, notices, injection figures included);
``speed_ratio_flow_only`` with building the arrays and solving the flow, like for like.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from benchmarks import instances_setoff
from benchmarks.registry import families
from matcher.setoff.graph import build_graph
from matcher.setoff.model import SetoffProblem, SetoffResult
from matcher.setoff.solver import min_remaining, solve_setoff
from matcher.setoff.validator import validate

FAMILIES = families("setoff")


@pytest.mark.parametrize("fam", FAMILIES, ids=[f.name for f in FAMILIES])
def test_bench_setoff(benchmark: Any, smoke: bool, fam: Any) -> None:
    seed: int = fam.seed
    problem: SetoffProblem = instances_setoff.smoke_instance(seed) if smoke else fam.build(seed)
    result: SetoffResult = benchmark(solve_setoff, problem)
    assert validate(problem, result) == []
    start = time.perf_counter()
    nx_cleared = instances_setoff.networkx_cleared(problem)
    nx_seconds = time.perf_counter() - start
    # Like for like with networkx: arrays plus the flow, without checks, notices, baseline.
    start = time.perf_counter()
    graph = build_graph(problem)
    remaining, _ = min_remaining(graph)
    flow_seconds = time.perf_counter() - start
    assert remaining is not None
    totals = result.totals
    assert nx_cleared == totals.cleared_satang
    ours = benchmark.stats.stats.mean if benchmark.stats is not None else None
    benchmark.extra_info.update(
        n_coops=totals.coop_count,
        n_obligations=totals.obligation_count,
        gross_satang=totals.gross_satang,
        cleared_satang=totals.cleared_satang,
        networkx_cleared_satang=nx_cleared,
        net_internal_satang=totals.net_internal_satang,
        bilateral_cleared_satang=totals.bilateral_cleared_satang,
        cleared_share_bps=totals.cleared_share_bps,
        networkx_seconds=round(nx_seconds, 3),
        speed_ratio=round(nx_seconds / ours, 1) if ours else None,
        flow_only_seconds=round(flow_seconds, 3),
        speed_ratio_flow_only=round(nx_seconds / flow_seconds, 1),
        target_ms=fam.target_ms,
    )
    if ours is not None and not smoke:
        assert ours * 1000 <= fam.target_ms, f"mean {ours:.3f} s over the 2 s target"
