"""Dependencies: the app context, the caller (from the API key only), roles, the rate
limit, and every ownership check (another tenant's object is a 404, in one place).

Dependencies that do no I/O, and authentication (async I/O on PostgreSQL), are ``async`` so
FastAPI runs them on the event loop instead of handing each to the thread pool; those that
read the database through the engine stay plain functions."""

from __future__ import annotations

import time
from functools import partial
from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from api.db import repo
from api.db.ids import MAX_ROW_ID
from api.db.tables import CommitmentRow, ObligationRow, OrderRow, ProposalRow, RoundRow
from api.db.tx import read_session
from api.http.context import AppContext
from api.http.errors import ApiError, not_found
from api.http.keys import (
    Principal,
    StoredKey,
    load_key,
    load_key_async,
    split_token,
    verify_secret,
)
from api.http.secret_guard import Busy
from api.http.strict import PLAIN_TEXT
from api.schemas.common import whole_text


async def get_ctx(request: Request) -> AppContext:
    """The app's context (``async``: no I/O, so no hop to the thread pool)."""
    ctx: AppContext = request.app.state.ctx
    return ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def _unauthorized(detail: str) -> ApiError:
    return ApiError(401, "unauthorized", detail, {"WWW-Authenticate": "Bearer"})


def revoked() -> ApiError:
    """401 for an unknown, revoked or wrong key (one answer for all three)."""
    return _unauthorized("unknown or revoked API key")


DEFERS_REVOCATION = frozenset({("POST", "/v1/orders")})
"""Routes whose handler checks the key's revocation itself, inside the change's own
statement on PostgreSQL (:mod:`api.http.order_post`), when the key was verified within
``key_cache_s``: authentication then reads nothing. Such a handler must call
:func:`ensure_not_revoked` on every other path."""


async def authenticate(request: Request, ctx: Ctx) -> Principal:
    """The caller, from ``Authorization: Bearer cm_<id>_<secret>``; then the rate limit.

    ``async``: the key is read on the async pool on PostgreSQL (the thread pool on SQLite)
    and argon2 runs in a bounded worker pool (:func:`checked_key`), so a cached key costs
    no thread hop. Revocation is
    checked on every request: here, or (:data:`DEFERS_REVOCATION`) by the handler, which
    ``request.state.revocation_deferred`` tells."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("send Authorization: Bearer <API key>")
    parts = split_token(token.strip())
    if parts is None:
        raise _unauthorized("malformed API key")
    key_id, secret = parts
    digest = ctx.token_digest(token.strip())
    cached = ctx.verified.get(digest)
    now = time.monotonic()
    fresh = cached is not None and cached[0] == key_id and now - cached[1] <= ctx.config.key_cache_s
    request.state.revocation_deferred = False
    if fresh and ctx.pg is not None and (request.method, request.url.path) in DEFERS_REVOCATION:
        assert cached is not None
        row = cached[2]
        request.state.revocation_deferred = True
    elif fresh:
        row = await _live_key(ctx, key_id)
    else:
        row = await checked_key(ctx, key_id, secret, client_of(request))
        ctx.verified[digest] = (key_id, now, row)
    who = Principal(row.id, row.role, row.principal, row.coop_id)
    request.state.principal = who.principal
    _throttle(ctx.limiter.take(who.principal), "rate limit exceeded")
    return who


def client_of(request: Request) -> str:
    """The client's address as the server sees it (behind a trusted reverse proxy, the
    address the proxy reports: uvicorn's ``--forwarded-allow-ips``)."""
    return request.client.host if request.client else "unknown"


async def checked_key(ctx: AppContext, key_id: str, secret: str, client: str) -> StoredKey:
    """The live key ``key_id`` when ``secret`` is its secret: the one check of a secret,
    for ``/v1`` and the login form alike (:mod:`api.http.secret_guard`: one check at a time
    per client, admitted per client and key, argon2 in a bounded low-priority pool, the
    outcome recorded).

    Raises:
        ApiError: 401 for an unknown, revoked or wrong key; 429 when ``client`` must wait
            or too many checks are already waiting.
    """
    try:
        async with ctx.guard.turn(client):
            return await _checked_in_turn(ctx, key_id, secret, client)
    except Busy:
        raise ApiError(
            429, "rate_limited", "too many key checks at once", {"Retry-After": "1"}
        ) from None


async def _checked_in_turn(ctx: AppContext, key_id: str, secret: str, client: str) -> StoredKey:
    _throttle(ctx.guard.admit(key_id, client), "too many checks of this API key; wait")
    ok: bool | None = None
    try:
        row = await _live_key(ctx, key_id)
        ok = await ctx.guard.run(partial(verify_secret, row, secret))
    finally:
        ctx.guard.record(key_id, client, ok)
    if not ok:
        raise revoked()
    return row


def _throttle(wait: float, detail: str) -> None:
    """429 with ``Retry-After`` when a limiter says to wait."""
    if wait > 0:
        raise ApiError(429, "rate_limited", detail, {"Retry-After": str(int(wait) + 1)})


async def ensure_not_revoked(request: Request, ctx: AppContext, who: Principal) -> None:
    """The revocation check authentication deferred to this handler (nothing when it did
    not defer); 401 when the key is revoked."""
    if getattr(request.state, "revocation_deferred", False):
        await _live_key(ctx, who.key_id)


async def _live_key(ctx: AppContext, key_id: str) -> StoredKey:
    """The stored key; 401 when it is unknown or revoked."""
    row = await _stored_key(ctx, key_id)
    if row is None or row.revoked:
        raise revoked()
    return row


async def _stored_key(ctx: AppContext, key_id: str) -> StoredKey | None:
    if ctx.pg is None:
        return await run_in_threadpool(load_key, ctx.engine, key_id)
    async with ctx.pg.connection() as conn:
        return await load_key_async(conn, key_id)


Caller = Annotated[Principal, Depends(authenticate)]
TextId = Annotated[str, Path(max_length=64, pattern=PLAIN_TEXT, description="a text id")]
"""A text id in a path (an order, a network, a key): at most 64 characters and no control
character (which :mod:`api.http.strict` refuses on every route; this documents it)."""
RowId = Annotated[
    int, Path(ge=1, le=MAX_ROW_ID, description="a row id"), BeforeValidator(whole_text)
]
"""An integer id in a path: 1 to :data:`MAX_ROW_ID` (larger ones can name nothing, and
PostgreSQL would refuse them as out of range)."""


async def member(caller: Caller) -> Principal:
    """A member key (bound to one coop)."""
    if caller.role != "member" or caller.coop_id is None:
        raise ApiError(403, "forbidden_role", "this operation needs a member (coop) key")
    return caller


async def coordinator(caller: Caller) -> Principal:
    """A coordinator key."""
    if caller.role != "coordinator":
        raise ApiError(403, "forbidden_role", "this operation needs a coordinator key")
    return caller


async def admin(caller: Caller) -> Principal:
    """An admin key."""
    if caller.role != "admin":
        raise ApiError(403, "forbidden_role", "this operation needs an admin key")
    return caller


Member = Annotated[Principal, Depends(member)]
Admin = Annotated[Principal, Depends(admin)]
Coordinator = Annotated[Principal, Depends(coordinator)]


def own_order(order_id: TextId, who: Member, ctx: Ctx) -> OrderRow:
    """The caller's order, or 404."""
    with read_session(ctx.engine) as s:
        row = s.get(OrderRow, order_id)
    if row is None or row.coop_id != who.coop_id:
        raise not_found(f"order {order_id!r}")
    return row


def cancellable_order(order_id: TextId, who: Member, ctx: Ctx) -> OrderRow:
    """The caller's order, or an obligation owed to the caller's coop (its creditor may
    withdraw it), or 404; the service decides whether the cancel is allowed."""
    with read_session(ctx.engine) as s:
        row = s.get(OrderRow, order_id)
        debt = s.get(ObligationRow, order_id) if row is not None else None
    if row is None or who.coop_id not in (
        row.coop_id,
        debt.creditor_coop_id if debt is not None else row.coop_id,
    ):
        raise not_found(f"order {order_id!r}")
    return row


def own_proposal(proposal_id: RowId, who: Member, ctx: Ctx) -> ProposalRow:
    """A proposal the caller's coop is a party to, or 404."""
    with read_session(ctx.engine) as s:
        row = s.get(ProposalRow, proposal_id)
    if row is None or who.coop_id not in (row.supply_coop_id, row.demand_coop_id):
        raise not_found(f"proposal {proposal_id}")
    return row


def own_commitment(commitment_id: RowId, who: Member, ctx: Ctx) -> CommitmentRow:
    """A commitment the caller's coop is a party to, or 404."""
    with read_session(ctx.engine) as s:
        row = s.get(CommitmentRow, commitment_id)
    if row is None or who.coop_id not in (row.supply_coop_id, row.demand_coop_id):
        raise not_found(f"commitment {commitment_id}")
    return row


def coordinated_network(network_id: TextId, who: Coordinator, ctx: Ctx) -> str:
    """A network the caller coordinates (directly or through an ancestor), or 404."""
    with read_session(ctx.engine) as s:
        if not repo.coordinates(s, who.principal, network_id):
            raise not_found(f"network {network_id!r}")
    return network_id


Network = Annotated[str, Depends(coordinated_network)]


def network_round(round_id: RowId, network_id: Network, ctx: Ctx) -> RoundRow:
    """A round of the network or a network below it, or 404."""
    with read_session(ctx.engine) as s:
        row = s.get(RoundRow, round_id)
        ids = {n.id for n in repo.subtree(s, network_id)}
    if row is None or row.network_id not in ids:
        raise not_found(f"round {round_id}")
    return row
