"""The database fixtures every DB test shares (tests/api and tests/web import them into their
conftest): each test runs on SQLite and, when configured, PostgreSQL.

SQLite: a fresh file per test, copied from a template migrated once per session.
PostgreSQL (``COOPMATCH_TEST_POSTGRES_URL``): a fresh schema per test, migrated with Alembic
and dropped afterwards; skipped with a visible reason when the variable is unset.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbfixtures import PG_ENV, PG_SKIP, FakeClock, PgSchema, make_sqlite
from sqlalchemy import Engine

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
