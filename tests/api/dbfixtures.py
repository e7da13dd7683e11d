"""Helpers behind the database fixtures (importable from test modules)."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text

from api.settings import Settings, create_engine_from

PG_ENV = "COOPMATCH_TEST_POSTGRES_URL"
PG_SKIP = f"{PG_ENV} not set: PostgreSQL tier skipped"


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


class FakeClock:
    """A UTC clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)
