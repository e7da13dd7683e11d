"""Running the Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    """An Alembic config whose env.py migrates through ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database behind ``engine`` to ``revision``."""
    command.downgrade(alembic_config(engine), revision)


def head_revision() -> str:
    """The newest revision the code knows (the Alembic head)."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None  # the migrations folder always has a head
    return head


def missing_sqlite_file(engine: Engine) -> str | None:
    """The file an SQLite engine names when it does not exist yet (connecting would create
    it, empty); None for PostgreSQL, an in-memory database or an existing file."""
    if engine.dialect.name != "sqlite":
        return None
    name = engine.url.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return None if Path(name).exists() else name


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
