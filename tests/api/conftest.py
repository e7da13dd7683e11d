"""Database fixtures: every DB test runs on SQLite and, when configured, PostgreSQL.

SQLite: a fresh file per test, copied from a template migrated once per session.
PostgreSQL (``COOPMATCH_TEST_POSTGRES_URL``): a fresh schema per test, migrated with Alembic
and dropped afterwards; skipped with a visible reason when the variable is unset.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
PG_SKIP = f"{PG_ENV} not set: PostgreSQL tier skipped"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = create_engine_from(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    engine.dispose()
    return path


def make_sqlite(template: Path, directory: Path) -> tuple[Engine, str]:
    target = directory / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, target)
    url = f"sqlite:///{target}"
    return create_engine_from(Settings(database_url=url)), url


class PgSchema:
    """A throwaway PostgreSQL schema with its engine."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.schema = f"cm_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.schema}"))
        admin.dispose()
        self.engine = create_engine_from(Settings(database_url=url), schema=self.schema)

    def drop(self) -> None:
        self.engine.dispose()
        admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {self.schema} CASCADE"))
        admin.dispose()


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


class FakeClock:
    """A UTC clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
