"""Runtime settings read from the environment (prefix ``COOPMATCH_``) and engine creation.

Nothing is created at import time: callers build :class:`Settings` and pass it to
:func:`create_engine_from` in one wiring place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool


class Settings(BaseSettings):
    """coopmatch settings; every field can be set as ``COOPMATCH_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="COOPMATCH_", extra="ignore")

    database_url: str = "sqlite:///coopmatch.sqlite3"
    """SQLite file in the working directory by default; PostgreSQL in production, where it
    names the runtime role (DML only; see docs/security-db.md)."""
    migration_database_url: str | None = None
    """PostgreSQL: the migration role (owner of the schema) that ``coopmatch db upgrade``
    and ``coopmatch db roles`` connect as; unset: ``database_url``."""
    runtime_role: str | None = None
    """The role ``db roles`` and ``db upgrade`` grant the runtime privileges to; unset: the
    user of ``database_url`` when it differs from the migration URL's."""
    audit_key: SecretStr | None = None
    """Key (≥ 32 bytes) that signs the audit anchor; it never enters the database."""
    audit_key_file: Path | None = None
    """A file holding the audit key (preferred over ``audit_key`` in production)."""
    audit_anchor_path: Path | None = None
    """Append-only file of signed audit checkpoints, outside the database; written at
    every round and by ``coopmatch audit anchor``, checked by ``coopmatch audit verify``."""
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
    """Key (at least 32 bytes) that signs the web pages' form tokens; set the same one on
    every process. Unset: a random key per process (open forms are refused after a
    restart). A shorter one is refused at start-up."""
    environment: Literal["development", "production"] = "development"
    """``production`` turns the API documentation off and ``/metrics`` off unless it has
    a token (each overridable below)."""
    api_docs: bool | None = None
    """Serve ``/docs``, ``/redoc`` and ``/openapi.json``; unset: on in development only."""
    metrics_token: str | None = None
    """When set, ``/metrics`` needs ``Authorization: Bearer <token>``; unset, it is open in
    development and absent (404) in production."""
    secure_cookies: bool = False
    """Always mark cookies ``Secure``; without it they are marked when the request came
    over HTTPS (directly, or through a trusted proxy's ``X-Forwarded-Proto``)."""
    public_origin: str | None = None
    """The origin browsers see (``https://coopmatch.example.go.th``); web posts whose
    ``Origin`` differs are refused. Unset: the origin each request was addressed to."""
    forwarded_allow_ips: str = "127.0.0.1"
    """Reverse proxies trusted for ``X-Forwarded-For``/``-Proto`` (comma-separated
    addresses or ``*``): the client address the limits use and the scheme come from them."""
    http_limit_concurrency: int = 400
    """Connections and requests served at once; past it the server answers 503."""
    http_timeout_keep_alive_s: int = 5
    """An idle keep-alive connection is closed after this many seconds."""
    http_head_timeout_s: float = 10.0
    """A request's line and headers must arrive within this many seconds."""
    http_body_timeout_s: float = 30.0
    """A request's body must arrive within this many seconds (else 408)."""
    http_max_header_bytes: int = 16_384
    """The request line and headers together may be at most this long (else 400)."""
    jobs_threads: int = 1
    """Funding plans and stress runs run at once per process (background jobs)."""
    jobs_sample_workers: int = 1
    """Processes a funding job samples its seasons on (1: in the job's own thread)."""
    jobs_beat_s: float = 5.0
    """How often a process renews the heartbeat of the jobs it holds."""
    jobs_lease_s: float = 60.0
    """A job whose heartbeat stopped this long ago (its process died) is marked
    interrupted and may be retried."""
    smtp_host: str | None = None
    """The mail server reminders go through; no e-mail is sent when unset."""
    smtp_port: int = 25
    smtp_from: str = "coopmatch@localhost"
    """The sender of reminder e-mails."""
    line_channel_token: SecretStr | None = None
    """The LINE Messaging API channel access token; no LINE message is sent when unset."""
    line_api_url: str = "https://api.line.me"
    """Where the LINE Messaging API answers (a stand-in on loopback in the tests)."""
    reminders_interval_s: float = Field(900.0, ge=0, le=86_400)
    """How often ``coopmatch serve`` sends the reminders due, in seconds, in a background
    thread (:mod:`api.http.reminder_loop`); 0 turns it off (``coopmatch reminders send``
    from cron instead). It runs only where a channel is configured; a message goes at most
    once a business day however often it runs."""

    @property
    def docs_enabled(self) -> bool:
        """Whether the API documentation is served."""
        return self.api_docs if self.api_docs is not None else self.environment == "development"


def migration_url(settings: Settings) -> str:
    """The URL migrations run as (the schema's owner)."""
    return settings.migration_database_url or settings.database_url


def audit_key_bytes(settings: Settings) -> bytes | None:
    """The audit anchor's key from ``audit_key_file`` or ``audit_key`` (None when unset)."""
    if settings.audit_key_file is not None:
        return settings.audit_key_file.read_bytes().strip()
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode("utf-8")
    return None


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
