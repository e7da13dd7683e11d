"""Runtime settings read from the environment (prefix ``COOPMATCH_``) and engine creation.

Nothing is created at import time: callers build :class:`Settings` and pass it to
:func:`create_engine_from` in one wiring place.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool


class Settings(BaseSettings):
    """coopmatch settings; every field can be set as ``COOPMATCH_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="COOPMATCH_", extra="ignore")

    database_url: str = "sqlite:///coopmatch.sqlite3"
    """SQLite file in the working directory by default; PostgreSQL in production."""
    actor: str | None = None
    """Default principal of CLI commands (a coordinator id) when ``--as`` is not given."""
    proposal_ttl_hours: int = 24
    """How long a proposal stays a pending reservation before it expires."""
    sqlite_busy_timeout_ms: int = 30_000
    round_retries: int = 5
    round_date_window_days: int = 14
    """A round dated more than this many days from today (Asia/Bangkok) is refused unless
    forced (``--force``, ``"force": true``): a mistyped year must not run a round."""
    """How often a round re-snapshots and re-solves when its orders changed meanwhile."""
    db_pool_size: int = 5
    """PostgreSQL: connections each process keeps open (SQLAlchemy's pool)."""
    db_max_overflow: int = 10
    """PostgreSQL: connections a process may open beyond the pool under load."""
    web_secret: str | None = None
    """Key that signs the web pages' session cookies and form tokens; unset: a random key
    per process, so browser sessions end when the server restarts."""


def is_sqlite(url: str) -> bool:
    """Whether a database URL names SQLite."""
    return url.startswith("sqlite")


def create_engine_from(settings: Settings, *, schema: str | None = None) -> Engine:
    """Build the engine for ``settings.database_url``.

    SQLite: foreign keys on, WAL journal, a busy timeout and explicit ``BEGIN IMMEDIATE``
    transactions (the driver's own implicit transactions are switched off), so every write
    transaction takes the database write lock up front and never deadlocks on a lock upgrade.
    PostgreSQL: ``schema`` (tests) becomes the search path; the pool has
    ``db_pool_size`` + ``db_max_overflow`` connections and pings each one it hands out.
    """
    url = settings.database_url
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            poolclass=NullPool,
        )
        _sqlite_events(engine, settings.sqlite_busy_timeout_ms)
        return engine
    connect_args: dict[str, object] = {}
    if schema is not None:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        connect_args=connect_args,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )


def _sqlite_events(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
