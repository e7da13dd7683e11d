"""Per-post cost of ``POST /v1/orders`` in process: server CPU and database round trips.

Runs the app in process (httpx ``ASGITransport``, no sockets, one client) on a fresh
PostgreSQL schema and posts ``--posts`` orders one after another, after a warm-up that
verifies and caches every key. Logging is filtered to warnings, as in the load run's server
(:mod:`benchmarks.api_server`). Reports the process CPU per post (the client side of the
ASGI transport included; the least of five batches, and the mean), the SQL statements,
commits and pool checkouts per post on the engine (each checkout pings; statements on the
async pool, which the hot paths use on PostgreSQL, are not counted), and optionally a CPU-time
cProfile of the timed posts::

    PYTHONPATH=. python -m benchmarks.api_profile --posts 500 [--profile out.pstats]

The database URL comes from ``COOPMATCH_TEST_POSTGRES_URL`` (a loopback server).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import random
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import structlog
from sqlalchemy import Engine, event

from api.http.app import create_app
from api.settings import Settings
from benchmarks.api_load import _body, fresh_schema, seed_coops

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
BATCHES = 5
"""The timed posts run in batches; the least CPU of a batch is the figure least disturbed by
other work on a shared machine."""


def count_round_trips(engine: Engine) -> Counter[str]:
    """Counters of statements, commits, rollbacks and pool checkouts on ``engine``."""
    seen: Counter[str] = Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _stmt(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        seen["statements"] += 1
        seen[" ".join(statement.split()[:3])[:60]] += 1

    @event.listens_for(engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        seen["commits"] += 1

    @event.listens_for(engine, "rollback")
    def _rollback(conn):  # type: ignore[no-untyped-def]
        seen["rollbacks"] += 1

    @event.listens_for(engine.pool, "checkout")
    def _checkout(dbapi_conn, record, proxy):  # type: ignore[no-untyped-def]
        seen["checkouts"] += 1

    return seen


async def _posts(http: httpx.AsyncClient, tokens: list[str], n: int, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        headers = {
            "Authorization": f"Bearer {rng.choice(tokens)}",
            "Idempotency-Key": uuid.uuid4().hex,
        }
        r = await http.post("/v1/orders", json=_body(rng), headers=headers)
        assert r.status_code == 201, r.text


async def _inline(func: Any, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _run_sync_inline() -> None:
    """Run sync routes and dependencies in the event loop's thread (profiling only: the
    profiler sees one thread; the client is sequential, so nothing would overlap anyway)."""
    import fastapi.dependencies.utils
    import fastapi.routing

    fastapi.routing.run_in_threadpool = _inline  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[assignment]


def measure(url: str, posts: int, profile: str | None) -> dict[str, Any]:
    """Seed a fresh schema, warm up, then time ``posts`` sequential posts."""
    if profile:
        _run_sync_inline()
    with fresh_schema(url, "cm_prof") as (engine, _):
        tokens = list(seed_coops(engine, 8).values())
        app = create_app(Settings(database_url=url), engine=engine)
        seen = count_round_trips(engine)

        async def run() -> list[tuple[float, float]]:
            transport = httpx.ASGITransport(app=app)
            async with (
                app.router.lifespan_context(app),  # opens the async pool, as uvicorn does
                httpx.AsyncClient(base_url="http://bench", transport=transport) as http,
            ):
                await _posts(http, tokens, 100, 1)  # warm-up: argon2 once per key, caches
                seen.clear()
                prof = cProfile.Profile(time.process_time) if profile else None
                if prof:
                    prof.enable()
                batches = []
                for b in range(BATCHES):
                    cpu, wall = time.process_time(), time.perf_counter()
                    await _posts(http, tokens, posts // BATCHES, 2 + b)
                    batches.append((time.process_time() - cpu, time.perf_counter() - wall))
                if prof:
                    prof.disable()
                    prof.dump_stats(profile)
                return batches

        batches = asyncio.run(run())
        n = posts // BATCHES * BATCHES
        per = {k: round(v / n, 2) for k, v in sorted(seen.items())}
        each = posts // BATCHES
        return {
            "posts": n,
            "cpu_ms_per_post_min": round(min(c for c, _ in batches) / each * 1000, 3),
            "cpu_ms_per_post_mean": round(sum(c for c, _ in batches) / n * 1000, 3),
            "wall_ms_per_post_min": round(min(w for _, w in batches) / each * 1000, 3),
            "per_post": per,
        }


def main() -> None:
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        cache_logger_on_first_use=True,
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--profile", default=None, help="write a cProfile .pstats file")
    args = parser.parse_args()
    url = os.environ[PG_ENV]
    print(json.dumps(measure(url, args.posts, args.profile), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
