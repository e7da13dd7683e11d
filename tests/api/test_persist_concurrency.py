"""Concurrent rounds on overlapping networks never over-allocate; a crash writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

from dbseed import COORDINATOR, T0, check_invariants, seed_combined, seed_lamphun
from sqlalchemy import func, select, text
from sqlmodel import Session

from api.db.tables import (
    AuditEventRow,
    CommitmentSetoffRow,
    OrderRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tx import in_write_transaction, is_postgres
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.round.service import CRASH_HOOK_ENV, run_round

REPO = Path(__file__).resolve().parents[2]
DAY0 = date(2026, 11, 21)


def _fresh_orders(db, k: int, day: date) -> None:  # type: ignore[no-untyped-def]
    """Orders valid on ``day`` only: scarce funds shared by both areas and the province."""
    offers = [
        OfferSpec(f"O1-{k}", "C1", 400_000_00, 300, 365, valid_until=day),
        OfferSpec(f"O3-{k}", "C3", 150_000_00, 350, 180, valid_until=day),
    ]
    needs = [
        NeedSpec(f"N2-{k}", "C2", 300_000_00, 700, 90, valid_until=day),
        NeedSpec(f"N4-{k}", "C4", 350_000_00, 650, 120, valid_until=day),
        NeedSpec(f"N2b-{k}", "C2", 200_000_00, 600, 60, valid_until=day),
    ]
    in_write_transaction(db, lambda s: insert_orders(s, offers, needs, T0))


def test_two_rounds_at_once_never_over_allocate(db, clock) -> None:
    seed_lamphun(db)
    for k in range(50):
        day = DAY0 + timedelta(days=k + 1)
        _fresh_orders(db, k, day)
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def go(
            net: str,
            day: date = day,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            try:
                barrier.wait()
                run_round(db, network_id=net, business_date=day, actor=COORDINATOR, clock=clock)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=go, args=(n,)) for n in ("LPN", "LPN-A1")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors
        check_invariants(db)
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(RoundRow)).scalar_one() == 100


def _counts(db) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        counts = tuple(
            int(s.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (RoundRow, ProposalRow, ProposalSaleRow, CommitmentSetoffRow, AuditEventRow)
        )
        versions = tuple(s.execute(select(OrderRow.version).order_by(OrderRow.id)).scalars())
    return (*counts, *versions)


CHILD = """
import sys
from datetime import date
from api.settings import Settings, create_engine_from
from api.services.round.service import run_round
url, schema = sys.argv[1], (sys.argv[2] or None)
engine = create_engine_from(Settings(database_url=url), schema=schema)
run_round(engine, network_id="LPN", business_date=date(2026, 11, 21), actor=sys.argv[3])
print("persisted")
"""


def test_crash_between_solve_and_persist_leaves_nothing(db) -> None:
    seed_lamphun(db)
    seed_combined(db)  # set-offs and sales too: none may be half-written
    before = _counts(db)
    schema = ""
    if is_postgres(db):
        with db.connect() as conn:
            schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    url = db.url.render_as_string(hide_password=False)
    env = {**os.environ, CRASH_HOOK_ENV: "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, url, schema, COORDINATOR],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 75, proc.stderr
    assert "persisted" not in proc.stdout
    assert _counts(db) == before
    env.pop(CRASH_HOOK_ENV)
    ok = subprocess.run(
        [sys.executable, "-c", CHILD, url, schema, COORDINATOR],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    after = _counts(db)
    assert after[:4] != before[:4] and min(after[:4]) > 0  # round, proposals, sales, set-offs
    check_invariants(db)


def test_same_round_started_twice_at_once_is_persisted_once(db, clock) -> None:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    for k in range(10):
        day = DAY0 + timedelta(days=100 + k)
        _fresh_orders(db, 100 + k, day)
        barrier = threading.Barrier(2)
        outcomes: list[int] = []

        def go(
            day: date = day, barrier: threading.Barrier = barrier, outcomes: list[int] = outcomes
        ) -> None:
            barrier.wait()
            out = run_round(db, network_id="LPN", business_date=day, actor=COORDINATOR, clock=clock)
            outcomes.append(out.round_id)

        threads = [threading.Thread(target=go) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(outcomes) == 2 and outcomes[0] == outcomes[1]
        check_invariants(db)
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(RoundRow)).scalar_one() == 10
