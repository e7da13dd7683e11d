"""What checking a database round with the engine's independent validators costs.

Every database round is validated (:func:`api.services.round.service.check_round`, i.e.
:func:`matcher.round.validator.validate_round`) before it is saved. This measures the check
on the national open-order snapshot of the persistence benchmark (60,800 orders on
PostgreSQL when ``COOPMATCH_TEST_POSTGRES_URL`` is set, SQLite otherwise), solved once
outside the timing; ``extra_info`` records the solve time beside it. With
``--benchmark-disable`` (smoke) the small instance is used.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine

from api.services.round.service import check_round, solve_snapshot
from benchmarks.instances_persistence import NationalInstance
from benchmarks.test_bench_persistence import _snapshot, loaded

__all__ = ["loaded"]  # the module-scoped fixture


def test_bench_validate_national_round(
    benchmark: Any, loaded: tuple[Engine, NationalInstance, str]
) -> None:
    engine, inst, backend = loaded
    snap = _snapshot(engine)
    assert snap.round_problem is not None
    t0 = time.perf_counter()
    result = solve_snapshot(snap, {})  # validated once inside, as a run does
    solve_s = time.perf_counter() - t0
    benchmark.pedantic(check_round, args=(snap.round_problem, result), rounds=3, iterations=1)
    benchmark.extra_info.update(
        backend=backend,
        orders=inst.order_count,
        proposals=len(result.liquidity.proposals),
        solve_and_check_s=round(solve_s, 2),
    )
