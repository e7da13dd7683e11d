"""Database fixtures: every DB test runs on SQLite and, when configured, PostgreSQL (see
:mod:`dbtiers`)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the helper modules beside us

from dbtiers import backend, clock, db, sqlite_template

__all__ = ["backend", "clock", "db", "sqlite_template"]  # pytest fixtures
