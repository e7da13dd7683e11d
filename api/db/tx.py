"""Transactions with the right isolation per backend, retried on serialisation failures.

PostgreSQL: write transactions are SERIALIZABLE and open with a transaction-scoped advisory
lock on the write key, so global audit-chain appends are strictly ordered; SQLSTATE 40001
(serialisation failure) and 40P01 (deadlock) re-run the whole unit of work, and so does a
duplicate stored idempotency key (a concurrent request with the same key committed first:
the re-run finds and replays or refuses it).
:func:`in_chain_transaction` is the narrow exception: a unit of work that only inserts new
rows and first locks its own audit chain's head (a member's order post) runs under READ
COMMITTED without the global lock, so posts of different coops commit concurrently (and
share the WAL flush) instead of one after another.
SQLite: every transaction is ``BEGIN IMMEDIATE`` (see :mod:`api.settings`), which takes the
database write lock up front; "database is locked" after the busy timeout is retried too.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

T = TypeVar("T")
RETRY_SQLSTATES = frozenset({"40001", "40P01"})
UNIQUE_VIOLATION = "23505"
RETRY_CONSTRAINTS = frozenset({"idempotency_key_pkey"})
"""Unique constraints whose violation means "a concurrent transaction got there first"."""
WRITE_LOCK_KEY = "coopmatch:write"


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def is_postgres(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL."""
    return engine.dialect.name == "postgresql"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A read-only unit of work (REPEATABLE READ on PostgreSQL, a deferred read on SQLite)."""
    if is_postgres(engine):
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    else:
        conn = engine.connect().execution_options(sqlite_begin="DEFERRED")
    try:
        with conn.begin(), Session(bind=conn) as session:
            yield session
    finally:
        conn.close()


@contextmanager
def single_read(engine: Engine) -> Iterator[Connection]:
    """A connection for one read statement: AUTOCOMMIT on PostgreSQL (no BEGIN and COMMIT
    round trips; one statement sees one snapshot anyway), a deferred read on SQLite."""
    if is_postgres(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn
        return
    with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn, conn.begin():
        yield conn


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back on any error.

    On PostgreSQL the write lock is a session-level advisory lock taken *before* the
    SERIALIZABLE transaction starts, so the transaction's snapshot already sees every write
    committed before it (a transaction-scoped lock would be taken after the snapshot).
    """
    conn = engine.connect()
    pg = is_postgres(engine)
    key = lock_key(WRITE_LOCK_KEY)
    try:
        if pg:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()
            conn.execution_options(isolation_level="SERIALIZABLE")
        try:
            with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
                yield session
                session.flush()
        finally:
            if pg:
                conn.execution_options(isolation_level="AUTOCOMMIT")
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
    finally:
        conn.close()


def is_retryable(exc: BaseException) -> bool:
    """Serialisation failure or deadlock (PostgreSQL), or a busy database (SQLite)."""
    if not isinstance(exc, DBAPIError):
        return False
    return is_retryable_driver_error(exc.orig)


def is_retryable_driver_error(orig: BaseException | None) -> bool:
    """:func:`is_retryable` for the driver's own exception (psycopg or sqlite3)."""
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in RETRY_SQLSTATES:
        return True
    if code == UNIQUE_VIOLATION:
        diag = getattr(orig, "diag", None)
        return getattr(diag, "constraint_name", None) in RETRY_CONSTRAINTS
    return "database is locked" in str(orig)


@contextmanager
def chain_session(engine: Engine) -> Iterator[Session]:
    """A write transaction without the global write lock: READ COMMITTED on PostgreSQL
    (each statement sees what committed before it, so a transaction that waited for a
    chain head's row lock reads the head its holder committed), ``BEGIN IMMEDIATE`` on
    SQLite. Only for work that locks its chain first and otherwise inserts new rows."""
    conn = engine.connect()
    if is_postgres(engine):
        conn = conn.execution_options(isolation_level="READ COMMITTED")
    try:
        with conn.begin(), Session(bind=conn, expire_on_commit=False) as session:
            yield session
            session.flush()
    finally:
        conn.close()


def retry_pause_s(attempt: int) -> float:
    """The pause before re-running a unit of work the ``attempt``-th time (exponential,
    5 ms doubling, at most 0.2 s)."""
    return min(0.2, 0.005 * 2.0**attempt)


def _retrying(
    opener: Callable[[Engine], AbstractContextManager[Session]],
    engine: Engine,
    work: Callable[[Session], T],
    retries: int,
) -> T:
    for attempt in range(retries + 1):
        try:
            with opener(engine) as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == retries or not is_retryable(exc):
                raise
            time.sleep(retry_pause_s(attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def in_write_transaction(engine: Engine, work: Callable[[Session], T], *, retries: int = 8) -> T:
    """Run ``work`` in a write transaction, re-running it on retryable failures."""
    return _retrying(write_session, engine, work, retries)


def in_chain_transaction(engine: Engine, work: Callable[[Session], T], *, retries: int = 8) -> T:
    """Run ``work`` in a :func:`chain_session`, re-running it on retryable failures.

    ``work`` must lock its audit chain (:func:`api.db.audit.lock_chain`) before it reads
    anything it depends on, and otherwise only insert rows (besides its chain's head, it
    may drop its own caller's expired idempotency key; it never updates rows that the
    serialised write transactions also change, such as order counters or proposals).
    """
    return _retrying(chain_session, engine, work, retries)


@contextmanager
def network_lock(engine: Engine, network_id: str) -> Iterator[None]:
    """Hold the per-network round lock for the whole round.

    PostgreSQL: a session-level advisory lock on a dedicated connection, so two rounds on the
    same network never run at once (the second waits, then finds the first's result).
    SQLite: the snapshot and persist transactions are ``BEGIN IMMEDIATE`` and so already
    serialised; the persist step re-checks every order it reserves.
    """
    if not is_postgres(engine):
        yield
        return
    key = lock_key(f"coopmatch:round:{network_id}")
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    finally:
        conn.close()
