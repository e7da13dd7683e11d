"""Settings: SQLite file by default, PostgreSQL from the environment, nothing at import."""

from __future__ import annotations

import pytest

from api.settings import Settings, create_engine_from, is_sqlite


def test_defaults_to_a_sqlite_file_in_the_working_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COOPMATCH_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///coopmatch.sqlite3"
    assert is_sqlite(settings.database_url)


def test_environment_selects_postgresql_without_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/none")
    monkeypatch.setenv("COOPMATCH_PROPOSAL_TTL_HOURS", "6")
    settings = Settings()
    assert settings.proposal_ttl_hours == 6
    engine = create_engine_from(settings)  # lazy: no connection is made here
    assert engine.dialect.name == "postgresql"
