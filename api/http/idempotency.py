"""``Idempotency-Key`` on every state-changing POST.

A replay (same key, same request) returns the stored response byte for byte: the first answer
is sent as exactly the text that is stored (:func:`stored_text`, :attr:`Stored.text`) and a
replay sends that text unchanged. The same key with another request is a 422; the same key
while the first request is still running is a 409. Keys are scoped to the caller's principal
and kept ``idempotency_retention_hours`` (≥ 24 h).

Two ways to run a change:

* :func:`in_one_transaction` — the change and its stored response are written in ONE
  transaction (the change's ``work`` gets the session). Concurrent duplicates serialise on
  the write lock, so the second one sees the stored response and replays it.
* :func:`in_service_transaction` — for services that open their own transaction (accept,
  decline, cancel, round run): the key is first claimed "in flight" in its own
  transaction (so a concurrent duplicate gets 409), then the service runs with an
  ``on_commit`` hook that stores the response INSIDE the service's write transaction. The
  change and the stored response commit together or not at all; a failure releases the
  claim, and a crash leaves only the claim, which another request may take over after the
  in-flight lease (nothing of the change was committed).

A claim belongs to a live request: while it runs, a heartbeat thread (:func:`kept_alive`)
renews the claim's ``created_at`` every ``in_flight_heartbeat_s``, so a request that is
merely slow (waiting behind its network's round lock, or solving a large round) keeps its
key; only a claim whose owner stopped beating for ``in_flight_lease_s`` (its process died)
is taken over. For an in-flight row ``created_at`` is thus its last sign of life; once the
response is stored it is when the retention starts.

The web pages keep their form answers here too (:mod:`api.web.form_store`), with
:func:`claim`, :func:`store_after` and :func:`release` around work that commits by itself.

A member's order post runs :func:`in_one_transaction` on its coop's audit chain
(``chain=``): the same guarantees, without the global write lock; on PostgreSQL an offer or
a need takes one statement instead (:mod:`api.http.order_post`). Keys past the retention
are deleted now and then (:func:`maybe_purge`), not on every request.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, partial
from typing import Any

import structlog
from fastapi import Request
from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session, col

from api.db.audit import lock_chain
from api.db.tables_http import IdempotencyKeyRow
from api.db.tx import in_chain_transaction, in_write_transaction, read_session
from api.http.context import AppContext
from api.http.errors import ApiError
from api.services.clock import as_utc

HEADER = "Idempotency-Key"
IN_FLIGHT = 0
_TABLE = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
_THIS_KEY = (_TABLE.c.principal == bindparam("principal")) & (_TABLE.c.key == bindparam("key"))
_LOOKUP = select(
    _TABLE.c.request_hash, _TABLE.c.status_code, _TABLE.c.response_body, _TABLE.c.created_at
).where(_THIS_KEY)
_DROP = delete(_TABLE).where(_THIS_KEY)
_INSERT = insert(_TABLE)
_BEAT = (
    update(_TABLE)
    .where(
        (_TABLE.c.principal == bindparam("p"))
        & (_TABLE.c.key == bindparam("k"))
        & (_TABLE.c.status_code == IN_FLIGHT)
    )
    .values(created_at=bindparam("now"))
)
log = structlog.get_logger("coopmatch.idempotency")


def stored_text(body: Any) -> str:
    """The one serialisation of a response body: the text stored under the key and sent,
    fresh and replayed alike (so that a replay is the first answer byte for byte)."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Stored:
    """A response to send: status and JSON body; ``replayed`` when it came from storage;
    ``raw``: the body's text when already known (as stored, or made by the caller)."""

    status: int
    body: Any
    replayed: bool = False
    raw: str | None = None

    @cached_property
    def text(self) -> str:
        """The body as stored and sent: ``raw``, else :func:`stored_text` of ``body``
        (made once, so the store and the response share the very same text)."""
        return self.raw if self.raw is not None else stored_text(self.body)


async def request_key(request: Request, principal: str) -> tuple[str, str]:
    """(key, request hash) of a state-changing request; 400 when the header is missing."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        raise ApiError(400, "idempotency_required", f"send an {HEADER} header (1–200 characters)")
    if len(key) > 200:
        raise ApiError(422, "validation", f"{HEADER} must be at most 200 characters")
    return key, request_hash(request.method, request.url.path, await request.body())


def request_hash(method: str, path: str, body: bytes) -> str:
    """SHA-256 over the method, path and raw body (length-prefixed)."""
    h = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        h.update(len(part).to_bytes(8, "big") + part)
    return h.hexdigest()


def _check(
    session: Session, ctx: AppContext, principal: str, key: str, digest: str, now: datetime
) -> Stored | None:
    """The stored response, a refusal, or None when the key is new (or stale)."""
    row = session.execute(_LOOKUP, {"principal": principal, "key": key}).first()
    if row is None:
        return None
    age = now - as_utc(row.created_at)
    if age > timedelta(hours=ctx.config.idempotency_retention_hours):
        session.execute(_DROP, {"principal": principal, "key": key})
        return None
    if row.request_hash != digest:
        raise mismatch(key)
    if row.status_code == IN_FLIGHT:
        if age <= timedelta(seconds=ctx.config.in_flight_lease_s):
            raise in_flight(key)
        session.execute(_DROP, {"principal": principal, "key": key})
        return None
    return replay_of(row.status_code, row.response_body)


def replay_of(status: int, text: str) -> Stored:
    """A stored response, its text kept as stored (sent unchanged)."""
    return Stored(status, json.loads(text), replayed=True, raw=text)


def mismatch(key: str) -> ApiError:
    """422: the key was used for another request."""
    return ApiError(422, "idempotency_mismatch", f"{HEADER} {key!r} was used for another request")


def in_flight(key: str) -> ApiError:
    """409: the first request under the key is still running."""
    return ApiError(409, "idempotency_in_flight", f"{HEADER} {key!r} is still in flight")


def purge_due(ctx: AppContext, now: datetime | None = None) -> bool:
    """Whether :func:`maybe_purge` would delete at ``now`` (default: the app clock's now;
    a cheap check, no I/O)."""
    last = ctx.purged_at
    at = ctx.clock() if now is None else now
    return last is None or (at - last).total_seconds() >= ctx.config.idempotency_purge_every_s


def maybe_purge(ctx: AppContext) -> None:
    """Delete every stored key past the retention, at most once per
    ``idempotency_purge_every_s`` of the app clock (per process), in its own short
    transaction. A key past the retention is treated as new by :func:`_check` anyway, so
    how often this runs only bounds the table's size."""
    now = ctx.clock()
    with ctx.purge_lock:
        if not purge_due(ctx, now):
            return
        ctx.purged_at = now
    cutoff = now - timedelta(hours=ctx.config.idempotency_retention_hours)
    with ctx.engine.begin() as conn:
        conn.execute(delete(IdempotencyKeyRow).where(col(IdempotencyKeyRow.created_at) < cutoff))


def _store(
    session: Session,
    principal: str,
    key: str,
    digest: str,
    result: Stored,
    now: datetime,
    claimed: bool = True,
) -> None:
    """Store ``result`` under the key; ``claimed=False``: the key has no row yet (it was
    just checked in this transaction), so it is inserted without reading it again."""
    body = result.text
    if not claimed:
        session.execute(
            _INSERT,
            {
                "principal": principal,
                "key": key,
                "request_hash": digest,
                "created_at": now,
                "status_code": result.status,
                "response_body": body,
            },
        )
        return
    row = session.get(IdempotencyKeyRow, (principal, key))
    if row is None:
        row = IdempotencyKeyRow(
            principal=principal,
            key=key,
            request_hash=digest,
            created_at=now,
            status_code=IN_FLIGHT,
            response_body="null",
        )
    row.status_code = result.status
    row.response_body = body
    session.add(row)


def in_one_transaction(
    ctx: AppContext,
    principal: str,
    key: str,
    digest: str,
    work: Callable[[Session, datetime], Stored],
    *,
    chain: str | None = None,
) -> Stored:
    """Run ``work`` and store its response in the same transaction (or replay).

    With ``chain`` (a member's order post, whose ``work`` only inserts rows and appends to
    that audit chain) the transaction locks the chain's head first and runs without the
    global write lock (:func:`api.db.tx.in_chain_transaction`); a concurrent request with
    the same key then either waits on that lock or, from another chain, loses the insert
    of the key and is re-run, and so still replays or is refused.
    """
    maybe_purge(ctx)

    def tx(session: Session) -> Stored:
        if chain is not None:
            lock_chain(session, chain)
        now = ctx.clock()
        seen = _check(session, ctx, principal, key, digest, now)
        if seen is not None:
            return seen
        result = work(session, now)
        _store(session, principal, key, digest, result, now, claimed=False)
        return result

    if chain is None:
        return in_write_transaction(ctx.engine, tx)
    return in_chain_transaction(ctx.engine, tx)


StoreHook = Callable[[Session, Stored], None]
"""Stores a response in the caller's (the service's) write transaction."""


def in_service_transaction(
    ctx: AppContext,
    principal: str,
    key: str,
    digest: str,
    call: Callable[[StoreHook], Stored],
) -> Stored:
    """Claim the key, then run ``call(store)``; the service calls ``store(session, response)``
    from its ``on_commit`` hook, so the response commits with the change.

    When the service refuses (any exception), the claim is released so the caller may retry.
    A service that never called the hook (none of ours) gets its response stored after.
    The answer is the response last stored (the one that committed), so the fresh text is
    the stored text.
    """
    seen = claim(ctx, principal, key, digest)
    if seen is not None:
        return seen
    stored: list[Stored] = []

    def store(session: Session, result: Stored) -> None:
        _store(session, principal, key, digest, result, ctx.clock())
        stored.append(result)

    try:
        with kept_alive(ctx, principal, key):
            result = call(store)
    except BaseException:
        release(ctx, principal, key)
        raise
    if not stored:  # pragma: no cover - every hooked service calls it
        store_after(ctx, principal, key, digest, result)
        return result
    return stored[-1]


def claim(ctx: AppContext, principal: str, key: str, digest: str) -> Stored | None:
    """In a transaction of its own: the stored response under the key, a refusal (409 while
    another request holds it, 422 for another request), or None once the key is marked in
    flight for this caller, who must then :func:`store_after` or :func:`release` it."""
    maybe_purge(ctx)
    return in_write_transaction(ctx.engine, partial(_claim, ctx, principal, key, digest))


@contextmanager
def kept_alive(ctx: AppContext, principal: str, key: str) -> Iterator[None]:
    """Renew this request's claim on the key every ``in_flight_heartbeat_s`` (at most a
    third of the lease) while the block runs. A daemon thread does it; each renewal takes
    the write lock, so it never conflicts with the service's own write transaction. A
    renewal that fails (the database away for a moment) is logged and tried at the next
    beat."""
    stop = threading.Event()
    every = min(ctx.config.in_flight_heartbeat_s, ctx.config.in_flight_lease_s / 3)

    def beat() -> None:
        while not stop.wait(every):
            try:
                in_write_transaction(
                    ctx.engine,
                    lambda s: s.execute(_BEAT, {"p": principal, "k": key, "now": ctx.clock()}),
                )
            except Exception as exc:
                log.warning("idempotency_heartbeat_failed", error=repr(exc))

    thread = threading.Thread(target=beat, name="idempotency-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def peek(ctx: AppContext, principal: str, key: str) -> Stored | None:
    """What is stored under the key, read only: None when there is no row, a status of
    :data:`IN_FLIGHT` while its request still runs. Never takes a claim over."""
    with read_session(ctx.engine) as session:
        row = session.execute(_LOOKUP, {"principal": principal, "key": key}).first()
    if row is None:
        return None
    return replay_of(row.status_code, row.response_body)


def release(ctx: AppContext, principal: str, key: str) -> None:
    """Give up a claim (the work failed), so that a retry runs it afresh."""
    in_write_transaction(ctx.engine, lambda s: _release(s, principal, key))


def store_after(ctx: AppContext, principal: str, key: str, digest: str, result: Stored) -> None:
    """Store the response of claimed work that committed on its own."""
    in_write_transaction(
        ctx.engine, lambda s: _store(s, principal, key, digest, result, ctx.clock())
    )


def _claim(
    ctx: AppContext, principal: str, key: str, digest: str, session: Session
) -> Stored | None:
    """The stored response or a refusal; otherwise mark the key in flight (None)."""
    now = ctx.clock()
    seen = _check(session, ctx, principal, key, digest, now)
    if seen is not None:
        return seen
    session.add(
        IdempotencyKeyRow(
            principal=principal,
            key=key,
            request_hash=digest,
            status_code=IN_FLIGHT,
            response_body="null",
            created_at=now,
        )
    )
    return None


def _release(session: Session, principal: str, key: str) -> None:
    row = session.get(IdempotencyKeyRow, (principal, key))
    if row is not None and row.status_code == IN_FLIGHT:
        session.delete(row)
