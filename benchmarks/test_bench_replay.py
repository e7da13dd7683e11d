"""Season replay: the Lamphun 2555 season (92 days) through ``/v1`` with the default faults.

The real run (``--benchmark-only``) replays the whole season into a fresh PostgreSQL schema
(``COOPMATCH_TEST_POSTGRES_URL``; skipped with a reason without it), tiered rounds, the
default fault plan, the invariants checked after every day, and records in ``extra_info``
the days, POSTs, rounds, proposals, faults injected and survived, wall seconds (target
≤ 120 s on 2 cores) and the ratio against the in-memory simulator's time for the same
season. The smoke run (``--benchmark-disable``) replays 3 days on SQLite. Both check that
every fault was survived and that what no round decides equals the simulator's.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from api.replay.faults import parse_plan
from api.replay.report import EXACT, figures
from api.replay.run import ReplayResult, replay_season
from api.settings import Settings, create_engine_from
from benchmarks.api_load import fresh_schema
from scenarios.sim.loader import load_scenario

LAMPHUN = Path(__file__).resolve().parents[1] / "scenarios" / "lamphun-2555.yaml"
PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
TARGET_S = 120.0


@contextmanager
def _database(smoke: bool, tmp: Path) -> Iterator[tuple[Engine, str]]:
    if smoke:
        engine = create_engine_from(
            Settings(database_url=f"sqlite:///{tmp / f'replay-{uuid.uuid4().hex[:6]}.sqlite3'}")
        )
        try:
            yield engine, "sqlite"
        finally:
            engine.dispose()
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set: the season replay benchmark runs on PostgreSQL")
    with fresh_schema(url, "cm_replay") as (engine, _):
        yield engine, "postgresql"


def test_bench_season_replay(benchmark: Any, smoke: bool, tmp_path: Path) -> None:
    days = 3 if smoke else None
    with _database(smoke, tmp_path) as (engine, backend):
        sc = load_scenario(LAMPHUN)
        cpu0 = os.times()
        r: ReplayResult = benchmark.pedantic(
            lambda: replay_season(
                engine, sc, str(LAMPHUN), seed=1, days=days, plan=parse_plan("default")
            ),
            rounds=1,
            iterations=1,
        )
    cpu1 = os.times()
    assert r.faults.injected == r.faults.survived
    a, b = figures(r.metrics), figures(r.twin)
    assert all(a[k] == b[k] for k in EXACT)
    benchmark.extra_info.update(
        backend=backend,
        days=r.days,
        posts=r.posts,
        retried=r.retries,
        rounds=r.counts.rounds,
        proposals=r.counts.proposals,
        payments=r.counts.payments,
        faults_injected=sum(r.faults.injected.values()),
        faults_survived=sum(r.faults.survived.values()),
        faults_by_kind={k: r.faults.survived.get(k, 0) for k in sorted(r.faults.injected)},
        wall_s=round(r.wall_s, 2),
        # the replay process's CPU (user + system; its in-process server and checks included)
        cpu_s=round(cpu1.user + cpu1.system - cpu0.user - cpu0.system, 2),
        # the child processes' CPU (the rounds killed with SIGKILL)
        children_cpu_s=round(
            cpu1.children_user + cpu1.children_system - cpu0.children_user - cpu0.children_system,
            2,
        ),
        invariants_s=round(r.counts.check_ms / 1000, 2),
        rounds_s=round(r.counts.rounds_ms / 1000, 2),
        simulate_s=round(r.sim_s, 3),
        ratio_vs_simulate=round(r.wall_s / max(r.sim_s, 1e-6)),
        target_s=TARGET_S,
    )
