"""Joint-purchase benchmark: the provincial and national families, saving vs buying alone.

The real run (``--benchmark-only``) solves the registered ``purchase/*`` families
(provincial: 200 buyers, 10 suppliers, 3 products, 5 tiers, target 1 s to a proven gap
≤ 0.5 %; national: 5,000 buyers, 100 suppliers, target 10 s); the smoke run
(``--benchmark-disable``) uses 30 buyers and 3 suppliers. Every answer is validated;
``extra_info`` records the saving, the buy-alone baseline, the proven gap, the status and
the CPU seconds of the solve (``cpu_s``: on the shared machine the wall time measures the
load as much as the code).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from benchmarks import instances_purchase
from benchmarks.registry import families
from matcher.purchase.model import PurchaseProblem, PurchaseResult
from matcher.purchase.solver import solve_purchase
from matcher.purchase.validator import validate

FAMILIES = families("purchase")


@pytest.mark.parametrize("fam", FAMILIES, ids=[f.name for f in FAMILIES])
def test_bench_purchase(benchmark: Any, smoke: bool, fam: Any) -> None:
    seed: int = fam.seed
    problem: PurchaseProblem = instances_purchase.smoke_instance(seed) if smoke else fam.build(seed)
    cpu = time.process_time()
    result: PurchaseResult = benchmark.pedantic(
        solve_purchase, args=(problem, time.perf_counter_ns), rounds=1, iterations=1
    )
    cpu_s = time.process_time() - cpu
    assert validate(problem, result) == []
    o = result.objective
    benchmark.extra_info.update(
        n_needs=len(problem.needs),
        n_offers=len(problem.offers),
        status=result.status.value,
        gap_bps=result.gap_bps,
        saving_satang=o.saving_satang,
        alone_saving_satang=o.alone_saving_satang,
        saving_vs_alone_bps=(
            (o.saving_satang - o.alone_saving_satang) * 10_000 // max(o.alone_saving_satang, 1)
        ),
        units_served=o.units_served,
        units_needed=o.units_needed,
        groups=len(result.groups),
        build_ms=result.timings.build_ms,
        solve_ms=result.timings.solve_ms,
        total_ms=result.timings.total_ms,
        target_ms=fam.target_ms,
        cpu_s=round(cpu_s, 3),
    )
