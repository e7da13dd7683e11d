"""Persistence benchmarks: load a national open-order snapshot, persist a national round.

Targets (issue 5): loading the snapshot ≤ 2 s, persisting the round (60,000 orders and its
proposals) ≤ 5 s, on PostgreSQL (``COOPMATCH_TEST_POSTGRES_URL``; SQLite otherwise). With
``--benchmark-disable`` (smoke) a small instance from the same generator is used.

The ``every_kind`` pair (issue 16) does the same for a national round with every order
kind (offers, needs, stock lots, purchase orders, debts) whose persist step also stores
the round report (every order's explanation, :mod:`api.services.round.report`), worded
before the transaction as the round service does; its ``extra_info`` records the report's
size in bytes and the time to word it, and a third benchmark loads the stored report back
as ``GET /v1/…/rounds/{id}`` shows it.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, select, text, update
from sqlmodel import col

from api.db.migrate import upgrade
from api.db.tables import (
    OrderRow,
    ProposalLoanRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tables_report import RoundReportRow
from api.db.tx import in_write_transaction, read_session
from api.services.export import round_report
from api.services.round.report import build_report, report_text
from api.services.round.service import RoundParams, Snapshot, load_snapshot, persist_round
from api.settings import Settings, create_engine_from
from benchmarks.instances_persistence import (
    ROOT,
    T0,
    NationalInstance,
    load_instance,
    smoke_instance,
    with_every_kind,
)
from benchmarks.registry import families
from matcher.liquidity.model import LiquidityObjective, LiquidityResult, OrderExplanation
from matcher.produce.model import Explanation, PriceRule, ProduceObjective, ProduceResult
from matcher.results import FairnessPolicy, FillState, RateRule, SolveStatus, Timings
from matcher.round.model import RoundResult, RoundSummary
from matcher.setoff.model import InjectionResult, SetoffNotice, SetoffResult, SetoffTotals

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
DAY = date(2026, 11, 21)


def _load(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    family_name: str,
    small: Callable[[], NationalInstance],
) -> Iterator[tuple[Engine, NationalInstance, str]]:
    smoke = bool(request.config.getoption("benchmark_disable", default=False))
    fam = next(f for f in families("persistence") if f.name == family_name)
    inst = small() if smoke else fam.build(fam.seed)
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


@pytest.fixture(scope="module")
def loaded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, NationalInstance, str]]:
    yield from _load(request, tmp_path_factory, "national-60k", smoke_instance)


@pytest.fixture(scope="module")
def every_kind(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Engine, NationalInstance, str]]:
    yield from _load(
        request,
        tmp_path_factory,
        "national-every-kind",
        lambda: with_every_kind(smoke_instance(), 7),
    )


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


def _reset(engine: Engine, keep_rounds: bool = False) -> None:
    """Undo a persisted round (benchmark only: proposals, rounds and counters go back).
    With ``keep_rounds`` the rounds and their set-offs stay (the ledger is append-only: a
    round with set-offs cannot be deleted) and the next round takes another date."""

    def work(s: Any) -> None:
        s.execute(delete(ProposalLoanRow))
        s.execute(delete(ProposalSaleRow))
        s.execute(delete(ProposalRow))
        if not keep_rounds:
            s.execute(delete(RoundReportRow))
            s.execute(delete(RoundRow))
        s.execute(update(OrderRow).values(reserved=0, committed=0, version=1, status="open"))

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


def _snapshot_all(engine: Engine, day: date = DAY) -> Snapshot:
    """The combined round's snapshot: every order kind of the subtree."""
    with read_session(engine) as s:
        return load_snapshot(s, ROOT, day, RoundParams(), new_version=False)


def test_bench_load_snapshot_every_kind(
    benchmark: Any, every_kind: tuple[Engine, NationalInstance, str]
) -> None:
    engine, inst, backend = every_kind
    snap = benchmark.pedantic(_snapshot_all, args=(engine,), rounds=3, iterations=1)
    problem = snap.round_problem
    assert problem is not None and problem.produce is not None
    assert len(problem.produce.lots) == len(inst.lots)
    assert len(problem.obligations) == len(inst.debts)
    benchmark.extra_info.update(
        backend=backend,
        orders=inst.order_count,
        lots=len(inst.lots),
        purchase_orders=len(inst.purchases),
        debts=len(inst.debts),
        target_ms=2_000,
    )


def test_bench_persist_round_with_report(
    benchmark: Any, every_kind: tuple[Engine, NationalInstance, str]
) -> None:
    engine, inst, backend = every_kind
    result = every_kind_result(inst)
    t0 = time.perf_counter()  # the round service words the report before its transaction
    text = report_text(build_report(None, result, RoundParams()))
    build_ms = int((time.perf_counter() - t0) * 1000)
    state: dict[str, Any] = {"day": DAY - timedelta(days=1)}

    def setup() -> None:
        _reset(engine, keep_rounds=True)
        state["day"] += timedelta(days=1)
        state["snap"] = _snapshot_all(engine, state["day"])

    def persist() -> RoundRow:
        return in_write_transaction(
            engine,
            lambda s: persist_round(
                s,
                state["snap"],
                result,
                network_id=ROOT,
                business_date=state["day"],
                actor="bench",
                params=RoundParams(),
                started_at=T0,
                now=T0,
                timings_ms={},
                report=text,
            ),
        )

    rnd = benchmark.pedantic(persist, setup=setup, rounds=3, iterations=1)
    with read_session(engine) as s:
        row = s.get(RoundReportRow, rnd.id)
    assert row is not None
    report = json.loads(row.report_json)
    assert len(report["orders"]) == inst.order_count
    benchmark.extra_info.update(
        backend=backend,
        orders=inst.order_count,
        proposals=len(inst.proposals),
        setoffs=sum(1 for n in result.setoff.notices if n.set_off_satang > 0),
        report_bytes=row.size_bytes,
        report_build_ms=build_ms,
        target_ms=5_000,
    )


def test_bench_load_report(
    benchmark: Any, every_kind: tuple[Engine, NationalInstance, str]
) -> None:
    """Reading a stored national round's report back as ``GET /v1/…/rounds/{id}`` does
    (after :func:`test_bench_persist_round_with_report` stored one)."""
    engine, inst, backend = every_kind
    with read_session(engine) as s:
        rid = s.execute(select(col(RoundReportRow.round_id))).scalars().first()
    if rid is None:
        pytest.skip("no stored round (run with test_bench_persist_round_with_report)")
    rep = benchmark.pedantic(round_report, args=(engine, rid), rounds=3, iterations=1)
    assert len(rep.explanations) == inst.order_count
    # no target: the report also reads and formats the round's ~58,000 proposals
    benchmark.extra_info.update(backend=backend, orders=inst.order_count)


def every_kind_result(inst: NationalInstance) -> RoundResult:
    """A synthetic combined result: the greedy loans, every order explained, half of each
    area's circle of debts set off (the solver is not what is measured)."""
    liquidity = _result(inst)
    lent: dict[str, int] = defaultdict(int)
    for p in inst.proposals:
        lent[p.offer_id] += p.amount_satang
        lent[p.need_id] += p.amount_satang
    explained = [
        _liquidity_explanation(o.id, "offer", o.coop_id, o.amount_satang, lent[o.id])
        for o in inst.offers
    ] + [
        _liquidity_explanation(n.id, "need", n.coop_id, n.amount_satang, lent[n.id])
        for n in inst.needs
    ]
    liquidity = replace(liquidity, explanations=tuple(explained))
    produce = ProduceResult(
        status=SolveStatus.FEASIBLE,
        policy=FairnessPolicy.MAXMIN,
        price_rule=PriceRule.SPLIT,
        matches=(),
        explanations=tuple(
            [
                Explanation(
                    x.lot.id,
                    "lot",
                    x.lot.seller,
                    FillState.UNMATCHED,
                    x.lot.quantity,
                    0,
                    ("no_buyer_within_reach",),
                    150,
                )
                for x in inst.lots
            ]
            + [
                Explanation(
                    x.order.id,
                    "order",
                    x.order.buyer,
                    FillState.UNMATCHED,
                    x.order.quantity,
                    0,
                    ("price_gap",),
                )
                for x in inst.purchases
            ]
        ),
        objective=ProduceObjective(
            0, 0, 0, 0, 0, 0, 0, 0, sum(x.lot.quantity for x in inst.lots), 0
        ),
        solver="synthetic",
        timings=Timings(0, 0, 0),
    )
    notices = tuple(
        SetoffNotice(d.id, d.debtor, d.creditor, d.amount_satang, d.amount_satang // 2,
                     d.amount_satang - d.amount_satang // 2, d.due_date)
        for d in inst.debts
    )  # fmt: skip
    gross = sum(d.amount_satang for d in inst.debts)
    cleared = sum(n.set_off_satang for n in notices)
    setoff = SetoffResult(
        status=SolveStatus.OPTIMAL,
        notices=notices,
        totals=SetoffTotals(gross, 0, cleared, gross - cleared, 0, 0, 0, len(notices)),
        injection=InjectionResult(0, (), 0, 0, (), 0, ()),
        solver="synthetic",
        timings=Timings(0, 0, 0),
    )
    summary = RoundSummary(gross, cleared, 0, gross - cleared, 0, 0, 0, len(inst.proposals),
                           liquidity.objective.covered_satang, (), 0, 0, (), 0, 0)  # fmt: skip
    return RoundResult(DAY, SolveStatus.FEASIBLE, setoff, liquidity, produce, (), (), summary,
                       Timings(0, 0, 0))  # fmt: skip


def _liquidity_explanation(
    oid: str, side: str, coop: str, amount: int, matched: int
) -> OrderExplanation:
    state = (
        FillState.FILLED
        if matched >= amount
        else FillState.PARTLY_FILLED
        if matched
        else FillState.UNMATCHED
    )
    reasons = ("filled",) if state == FillState.FILLED else ("funds_exhausted",)
    return OrderExplanation(oid, side, coop, state, amount, matched, reasons, "", None)
