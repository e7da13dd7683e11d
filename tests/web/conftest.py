"""Fixtures of the web page tests: the app on SQLite (and PostgreSQL when configured), the
Lamphun seed plus a second, separate province (Loei) whose names must never leak, and a
logged-in browser-like client per coordinator."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "api"))  # shared DB helpers
sys.path.insert(0, str(Path(__file__).resolve().parent))  # our helpers

from dbfixtures import FakeClock
from dbtiers import backend, clock, db, sqlite_template
from sqlalchemy import Engine
from webfixtures import Web, make_web

__all__ = ["backend", "clock", "db", "sqlite_template"]  # shared pytest fixtures


@pytest.fixture
def web(db: Engine, clock: FakeClock) -> Iterator[Web]:
    made = make_web(db, clock)
    with made.client:
        yield made
