"""Liquidity benchmark driver: optimiser vs first-come-first-served on each family."""

from __future__ import annotations

import resource
import time

import pytest

from benchmarks import instances_liquidity
from benchmarks.liquidity_finite_weights import finite_weights
from benchmarks.registry import Family, families
from matcher.liquidity import parallel
from matcher.liquidity.greedy import solve_greedy
from matcher.liquidity.model import LiquidityResult
from matcher.liquidity.solver import solve_liquidity
from matcher.liquidity.validator import validate_result


@pytest.mark.parametrize("fam", families("liquidity"), ids=lambda f: f.name)
def test_liquidity(benchmark, smoke: bool, fam: Family) -> None:  # type: ignore[no-untyped-def]
    problem = instances_liquidity.smoke(fam.seed) if smoke else fam.build(fam.seed)
    cpu_s: list[float] = []

    def solve() -> LiquidityResult:
        # CPU seconds of this process in each round (the flow workers' not counted).
        started_cpu = time.process_time()
        out = solve_liquidity(problem, time.perf_counter_ns)
        cpu_s.append(time.process_time() - started_cpu)
        return out

    result = benchmark.pedantic(solve, rounds=1 if smoke else 3, iterations=1)
    started = time.perf_counter()
    greedy = solve_greedy(problem)
    greedy_s = time.perf_counter() - started
    with finite_weights():
        before = solve_liquidity(problem, explain=False)
    assert validate_result(problem, result) == []
    assert validate_result(problem, greedy) == []
    obj, base = result.objective, greedy.objective
    benchmark.extra_info.update(
        {
            "family": fam.name,
            "coops": len(problem.coops),
            "orders": len(problem.offers) + len(problem.needs),
            "status": result.status.value,
            "target_ms": fam.target_ms,
            "solve_ms_reported": result.timings.total_ms,
            "cpu_ms_min": round(1000 * min(cpu_s)),
            "flow_worker_processes": parallel.workers(),
            "covered_baht": obj.covered_satang // 100,
            "needed_baht": obj.needed_satang // 100,
            "greedy_covered_baht": base.covered_satang // 100,
            "covered_vs_greedy": round(obj.covered_satang / max(1, base.covered_satang), 4),
            "urgency_weighted_vs_greedy": round(
                obj.urgency_weighted_satang / max(1, base.urgency_weighted_satang), 4
            ),
            "min_fill_bps": obj.min_fill_ratio_bps,
            "greedy_min_fill_bps": base.min_fill_ratio_bps,
            "loans": obj.loan_count,
            "greedy_seconds": round(greedy_s, 3),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "notes": list(result.notes),
            **_stage_comparison(result, before),
        }
    )


def _stage_comparison(exact: LiquidityResult, before: LiquidityResult) -> dict[str, object]:
    """Each tier's stage values (urgency-weighted satang, band score, rank cost) of the exact
    matcher beside the finite weights' on the same instance, and how many tiers differ."""
    old = {t.tier: t for t in before.tiers}
    rows, differ = [], 0
    for t in exact.tiers:
        o = old.get(t.tier)
        pair = (
            [t.urgency_weighted_satang, t.fairness_score, t.rank_cost],
            [o.urgency_weighted_satang, o.fairness_score, o.rank_cost] if o else None,
        )
        differ += pair[0] != pair[1]
        rows.append({"tier": t.tier, "exact": pair[0], "finite_weights": pair[1]})
    return {
        "tiers": rows,
        "tiers_differing": differ,
        "share_of_tiers_differing": round(differ / max(1, len(rows)), 3),
        "urgency_weighted_vs_finite_weights": round(
            exact.objective.urgency_weighted_satang
            / max(1, before.objective.urgency_weighted_satang),
            6,
        ),
    }
