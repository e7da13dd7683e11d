"""Persistence benchmarks: load a national open-order snapshot, persist a national round.

Targets (issue 5): loading the snapshot ≤ 2 s, persisting the round (60,000 orders and its
proposals) ≤ 5 s, on PostgreSQL (``COOPMATCH_TEST_POSTGRES_URL``; SQLite otherwise). With
``--benchmark-disable`` (smoke) a small instance from the same generator is used.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, text, update

from api.db.migrate import upgrade
from api.db.tables import OrderRow, ProposalLoanRow, ProposalRow, RoundRow
from api.db.tx import in_write_transaction, read_session
from api.services.round.service import RoundParams, Snapshot, load_snapshot, persist_round
from api.settings import Settings, create_engine_from
from benchmarks.instances_persistence import (
    ROOT,
    T0,
    NationalInstance,
    load_instance,
    national_60k,
    smoke_instance,
)
from benchmarks.registry import families
from matcher.liquidity.model import LiquidityObjective, LiquidityResult
from matcher.results import FairnessPolicy, RateRule, SolveStatus, Timings

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
DAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, NationalInstance, str]]:
    smoke = bool(request.config.getoption("benchmark_disable", default=False))
    fam = next(f for f in families("persistence") if f.name == "national-60k")
    inst = smoke_instance() if smoke else national_60k(fam.seed)
    url = os.environ.get(PG_ENV)
    schema = None
    if url:
        schema = f"cm_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine = create_engine_from(Settings(database_url=url), schema=schema)
        backend = "postgresql"
    else:
        path: Path = tmp_path_factory.mktemp("bench") / "bench.sqlite3"
        engine = create_engine_from(Settings(database_url=f"sqlite:///{path}"))
        backend = "sqlite"
    upgrade(engine)
    load_instance(engine, inst)
    if url:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    yield engine, inst, backend
    engine.dispose()
    if url and schema:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _snapshot(engine: Engine) -> Snapshot:
    with read_session(engine) as s:
        return load_snapshot(s, ROOT, DAY, RoundParams(), new_version=False)


def test_bench_load_snapshot(benchmark: Any, loaded: tuple[Engine, NationalInstance, str]) -> None:
    engine, inst, backend = loaded
    snap = benchmark.pedantic(_snapshot, args=(engine,), rounds=3, iterations=1)
    assert len(snap.problem.offers) + len(snap.problem.needs) == inst.order_count
    benchmark.extra_info.update(backend=backend, orders=inst.order_count, target_ms=2_000)


def _result(inst: NationalInstance) -> LiquidityResult:
    covered = sum(p.amount_satang for p in inst.proposals)
    return LiquidityResult(
        status=SolveStatus.FEASIBLE,
        policy=FairnessPolicy.MAXMIN,
        rate_rule=RateRule.MIDPOINT,
        proposals=tuple(inst.proposals),
        explanations=(),
        objective=LiquidityObjective(
            covered,
            covered,
            sum(n.amount_satang for n in inst.needs),
            0,
            sum(p.interest_satang for p in inst.proposals),
            len(inst.proposals),
        ),
        solver="synthetic",
        timings=Timings(0, 0, 0),
    )


def _reset(engine: Engine) -> None:
    """Undo a persisted round (benchmark only: proposals, rounds and counters go back)."""

    def work(s: Any) -> None:
        s.execute(delete(ProposalLoanRow))
        s.execute(delete(ProposalRow))
        s.execute(delete(RoundRow))
        s.execute(update(OrderRow).values(reserved=0, version=1, status="open"))

    in_write_transaction(engine, work)


def test_bench_persist_round(benchmark: Any, loaded: tuple[Engine, NationalInstance, str]) -> None:
    engine, inst, backend = loaded
    result = _result(inst)
    state: dict[str, Snapshot] = {}

    def setup() -> None:
        _reset(engine)
        state["snap"] = _snapshot(engine)

    def persist() -> RoundRow:
        return in_write_transaction(
            engine,
            lambda s: persist_round(
                s,
                state["snap"],
                result,
                network_id=ROOT,
                business_date=DAY,
                actor="bench",
                params=RoundParams(),
                started_at=T0,
                now=T0,
                timings_ms={},
            ),
        )

    rnd = benchmark.pedantic(persist, setup=setup, rounds=3, iterations=1)
    assert rnd.proposal_count == len(inst.proposals)
    benchmark.extra_info.update(
        backend=backend, orders=inst.order_count, proposals=len(inst.proposals), target_ms=5_000
    )
