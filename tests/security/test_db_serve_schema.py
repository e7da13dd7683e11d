"""Finding 10 (part) of issue 18: ``coopmatch serve`` in a folder without a database created
an empty one, reported healthy and answered 500 to everything. It now refuses to start
(exit 2, a message naming ``coopmatch db upgrade``) unless the database is at the code's
migration head, and never creates an SQLite file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from dbfixtures import PG_ENV, PgSchema
from typer.testing import CliRunner

from api.cli.main import app
from api.db.migrate import downgrade, upgrade
from api.settings import Settings, create_engine_from


@pytest.fixture
def no_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(app))
    return started


def serve(url: str) -> Any:
    return CliRunner().invoke(app, ["serve"], env={"COOPMATCH_DATABASE_URL": url})


def test_no_database_file_is_refused_and_not_created(tmp_path: Path, no_uvicorn: list) -> None:
    target = tmp_path / "coopmatch.sqlite3"
    res = serve(f"sqlite:///{target}")
    assert res.exit_code == 2, res.output
    assert "coopmatch db upgrade" in res.output and "Traceback" not in res.output
    assert not target.exists() and no_uvicorn == []


def test_an_old_or_empty_database_is_refused(tmp_path: Path, no_uvicorn: list) -> None:
    target = tmp_path / "old.sqlite3"
    url = f"sqlite:///{target}"
    engine = create_engine_from(Settings(database_url=url))
    upgrade(engine, "0008")
    res = serve(url)
    assert res.exit_code == 2 and "0008" in res.output and "db upgrade" in res.output
    downgrade(engine, "base")
    res = serve(url)
    assert res.exit_code == 2 and "empty" in res.output
    upgrade(engine)
    engine.dispose()
    res = serve(url)
    assert res.exit_code == 0, res.output
    assert len(no_uvicorn) == 1


@pytest.mark.postgres
def test_an_empty_postgres_schema_is_refused(no_uvicorn: list) -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} not set: PostgreSQL tier skipped")
    pg = PgSchema(os.environ[PG_ENV])
    url = f"{pg.url}?options=-csearch_path%3D{pg.schema}"
    try:
        res = serve(url)
        assert res.exit_code == 2 and "db upgrade" in res.output, res.output
        upgrade(pg.engine)
        assert serve(url).exit_code == 0
    finally:
        pg.drop()


def test_an_anchor_without_a_usable_key_is_refused(tmp_path: Path, no_uvicorn: list) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    env = {"COOPMATCH_DATABASE_URL": url, "COOPMATCH_AUDIT_ANCHOR_PATH": str(tmp_path / "a")}
    res = CliRunner().invoke(app, ["serve"], env=env)
    assert res.exit_code == 2 and "COOPMATCH_AUDIT_KEY" in res.output, res.output
    res = CliRunner().invoke(app, ["serve"], env={**env, "COOPMATCH_AUDIT_KEY": "short"})
    assert res.exit_code == 2 and "32 bytes" in res.output, res.output
