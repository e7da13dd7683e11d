"""HTTP API load: order posts per second and latency through uvicorn on loopback.

Target (issue 6): ≥ 500 order posts/s sustained with p99 ≤ 100 ms on the 2-core machine,
zero errors and zero duplicates under client retries (2 % of posts are sent again after
their 201, 1 % first hang up before any answer and then retry with the same key; the smoke
run loses five times as many). 24 coops post, each under its own rate
limit (raised for the run to ``RATE_PER_MINUTE``, still enforced);
the keys use argon2 at its default costs, verified once per worker in a warm-up and then
cached (``HttpConfig.key_cache_s``). The full run serves PostgreSQL
(``COOPMATCH_TEST_POSTGRES_URL``, skipped with a reason without it) for
``COOPMATCH_BENCH_API_SECONDS`` (default 10) with ``COOPMATCH_BENCH_API_WORKERS`` uvicorn
workers (default 2) and ``COOPMATCH_BENCH_API_CLIENTS`` async clients (default 16: in a
closed loop a post's latency is about clients ÷ throughput, and 16 already keep both workers
busy; 32 gave no more posts a second, only twice the queueing in each answer); the
smoke run (``--benchmark-disable``) serves SQLite with one uvicorn worker for 1 s.
Figures go to ``extra_info``; the run itself is timed once (``pedantic``).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine

from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from
from benchmarks.api_load import (
    Losses,
    count_orders,
    fresh_schema,
    run_load,
    seed_coops,
    serve,
    warm_keys,
)

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
SEED = 6
DB_POOL_PER_WORKER = 4
"""PostgreSQL connections each worker keeps (as many again on demand): a post holds one for
one statement only, and on two cores more concurrent backends only contend for locks
(18 a worker ran about a fifth slower than 4)."""
RATE_PER_MINUTE = 60_000
"""The run's per-coop rate limit: on, as in production, but above what the load asks for
(the default of 600 a minute would throttle a coop after its first minute's burst)."""

SMOKE_LOSSES = Losses(resend=0.1, hang_up=0.05)
"""The smoke run is short: lose more answers, so that both kinds of retry surely happen."""


@pytest.fixture
def bench_db(smoke: bool, tmp_path: Path) -> Iterator[tuple[Engine, str, str | None]]:
    """(engine, URL, schema): SQLite for the smoke run, a fresh PostgreSQL schema otherwise."""
    url = os.environ.get(PG_ENV)
    if smoke:
        url = f"sqlite:///{tmp_path / 'api-bench.sqlite3'}"
        engine = create_engine_from(Settings(database_url=url))
        upgrade(engine)
        yield engine, url, None
        engine.dispose()
        return
    if not url:
        pytest.skip(f"{PG_ENV} not set: the API load benchmark needs PostgreSQL")
    with fresh_schema(url, "cm_bench_api") as (engine, schema):
        yield engine, url, schema


def test_bench_api_order_posts(
    benchmark: Any, smoke: bool, bench_db: tuple[Engine, str, str | None]
) -> None:
    engine, url, schema = bench_db
    if smoke:
        _smoke(engine, url)
        return
    seconds = float(os.environ.get("COOPMATCH_BENCH_API_SECONDS", "10"))
    workers = int(os.environ.get("COOPMATCH_BENCH_API_WORKERS", "2"))
    concurrency = int(os.environ.get("COOPMATCH_BENCH_API_CLIENTS", "16"))
    tokens = list(seed_coops(engine, 24).values())
    pool = DB_POOL_PER_WORKER
    with serve(url, schema, workers, rate_per_minute=RATE_PER_MINUTE, pool_size=pool) as base:
        # every worker verifies each key once (argon2, then cached) before the timed run
        asyncio.run(warm_keys(base, tokens, per_key=8 * workers))
        warm = count_orders(engine)
        result = benchmark.pedantic(
            lambda: asyncio.run(
                run_load(base, tokens, seconds=seconds, concurrency=concurrency, seed=SEED)
            ),
            rounds=1,
            iterations=1,
        )
    figures = result.figures(count_orders(engine) - warm)
    benchmark.extra_info.update(
        figures
        | {
            "backend": "postgresql",
            "workers": workers,
            "clients": concurrency,
            "db_pool_per_worker": pool,
            "rate_per_minute": RATE_PER_MINUTE,
            "seconds": round(result.seconds, 2),
            "target_posts_per_s": 500,
            "target_p99_ms": 100,
        }
    )
    _check(figures)


def _smoke(engine: Engine, url: str) -> None:
    """One second on SQLite through one uvicorn worker: the same driver and checks."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    tokens = list(seed_coops(engine, 4, hasher).values())
    before = count_orders(engine)
    with serve(url, None, 1, rate_per_minute=RATE_PER_MINUTE) as base:
        result = asyncio.run(
            run_load(base, tokens, seconds=1.0, concurrency=4, seed=SEED, losses=SMOKE_LOSSES)
        )
    figures = result.figures(count_orders(engine) - before)
    _check(figures)
    assert figures["hung_up"] > 0 and figures["replayed"] > 0, figures


def _check(figures: dict[str, Any]) -> None:
    assert figures["errors"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["posts"] > 0, figures
