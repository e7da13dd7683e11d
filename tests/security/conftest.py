"""Fixtures of the security suite: the database tiers of tests/api (SQLite always,
PostgreSQL when ``COOPMATCH_TEST_POSTGRES_URL`` is set) and its helper modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules beside us
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # dbtiers, dbseed, …

from dbtiers import backend, clock, db, sqlite_template

__all__ = ["backend", "clock", "db", "sqlite_template"]  # pytest fixtures


@pytest.fixture(autouse=True)
def _fixed_round_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite's rounds are dated 2026-11-21 whatever today is: widen the round-date
    window (the window itself is tested in tests/api/test_round_dates.py)."""
    monkeypatch.setenv("COOPMATCH_ROUND_DATE_WINDOW_DAYS", "36500")
