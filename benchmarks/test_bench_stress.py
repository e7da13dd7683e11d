"""Stress benchmark: one default on a national ledger (12,000 coops, 100,000 debts).

Times :func:`matcher.stress.run.run_stress` (input checks, clearing, losses, DebtRank) and
records in ``extra_info`` the rounds of contagion, the defaults, the reserves broken and
the target (≤ 2 s). Every run is validated. The smoke run uses 300 coops and 2,000 debts.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.instances_stress import national_ledger
from benchmarks.registry import families
from matcher.stress.run import run_stress
from matcher.stress.validator import check_stress


@pytest.mark.parametrize("fam", families("stress"), ids=lambda f: f.name)
def test_bench_stress(benchmark: Any, smoke: bool, fam: Any) -> None:
    problem = national_ledger(fam.seed, 300, 2_000) if smoke else fam.build(fam.seed)
    result = benchmark.pedantic(run_stress, args=(problem,), rounds=3, iterations=1)
    assert check_stress(problem, result) == []
    benchmark.extra_info.update(
        coops=len(problem.positions),
        debts=len(problem.claims),
        rounds=result.rounds,
        defaults=sum(o.default_round is not None for o in result.outcomes),
        reserves_broken=sum(o.reserve_broken for o in result.outcomes),
        debtrank=round(result.debtrank, 6),
        target_ms=fam.target_ms,
    )
