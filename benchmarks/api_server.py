"""The app the API load benchmark serves: ``uvicorn --factory benchmarks.api_server:app``.

The database comes from ``COOPMATCH_BENCH_DB_URL`` (and ``COOPMATCH_BENCH_DB_SCHEMA`` for a
PostgreSQL schema); access logging is left to the app's own structlog line, sent nowhere.
``COOPMATCH_BENCH_RATE_PER_MINUTE`` sets the per-coop rate limit of the run (the limit stays
on, only high enough that the load is not throttled); the pool size comes from the usual
``COOPMATCH_DB_POOL_SIZE`` / ``COOPMATCH_DB_MAX_OVERFLOW`` settings.
"""

from __future__ import annotations

import logging
import os

import structlog
from fastapi import FastAPI

from api.cli.serve import freeze_startup_heap
from api.http.app import create_app
from api.http.context import HttpConfig
from api.settings import Settings, create_engine_from

URL_ENV, SCHEMA_ENV = "COOPMATCH_BENCH_DB_URL", "COOPMATCH_BENCH_DB_SCHEMA"
RATE_ENV = "COOPMATCH_BENCH_RATE_PER_MINUTE"


def app() -> FastAPI:
    """The ``/v1`` app on the benchmark database (one per worker process)."""
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        cache_logger_on_first_use=True,
    )
    settings = Settings(database_url=os.environ[URL_ENV])
    schema = os.environ.get(SCHEMA_ENV) or None
    rate = int(os.environ.get(RATE_ENV) or HttpConfig().rate_per_minute)
    app = create_app(
        settings,
        engine=create_engine_from(settings, schema=schema),
        config=HttpConfig(rate_per_minute=rate),
    )
    freeze_startup_heap()  # as ``coopmatch serve`` does
    return app
