"""Fixtures of the web page tests: the app on SQLite (and PostgreSQL when configured), the
Lamphun seed plus a second, separate province (Loei) whose names must never leak, and a
logged-in browser-like client per coordinator."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))  # shared DB helpers
sys.path.insert(0, str(Path(__file__).resolve().parent))  # our helpers

from dbfixtures import PG_ENV, PG_SKIP, FakeClock, PgSchema, make_sqlite
from sqlalchemy import Engine
from webfixtures import Web, make_web

from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = create_engine_from(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    return str(request.param)


@pytest.fixture
def db(backend: str, sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on the backend under test."""
    if backend == "sqlite":
        engine, _ = make_sqlite(sqlite_template, tmp_path)
        yield engine
        engine.dispose()
        return
    pg = PgSchema(os.environ[PG_ENV])
    try:
        upgrade(pg.engine)
        yield pg.engine
    finally:
        pg.drop()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def web(db: Engine, clock: FakeClock) -> Iterator[Web]:
    made = make_web(db, clock)
    with made.client:
        yield made
