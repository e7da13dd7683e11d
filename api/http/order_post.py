"""``POST /v1/orders`` for money orders on PostgreSQL: one statement on the async pool.

A liquidity offer or need needs no read before its insert, so its columns and 201 body
are built in memory (no ORM rows) and handed to ``coopmatch_post_order`` (migration 0009) with
the idempotency key and the coop's audit chain (:mod:`api.db.order_post_pg`), and, when
authentication deferred it, the key's revocation check. The outcome maps to the same
responses as the general path: 401 for a revoked key, a replay of the stored response, 422 for
a key used for another request, 409 while the first is in flight. Serialisation failures,
deadlocks and a lost race for the key's row re-run the statement, as in :mod:`api.db.tx`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import psycopg
from starlette.concurrency import run_in_threadpool

from api.db.order_post_pg import post_money_order
from api.db.tx import is_retryable_driver_error, retry_pause_s
from api.http import row_views as rv
from api.http.context import AppContext
from api.http.deps import revoked
from api.http.idempotency import (
    Stored,
    in_flight,
    maybe_purge,
    mismatch,
    purge_due,
    replay_of,
    stored_text,
)
from api.http.keys import Principal
from api.http.order_views import liquidity_terms
from api.services.member_orders import MemberOrder, MoneyColumns, money_columns
from api.services.orders import NeedSpec, OfferSpec

RETRIES = 8


def takes_fast_path(ctx: AppContext, spec: MemberOrder) -> bool:
    """Whether this post goes through the one-statement path."""
    return ctx.pg is not None and isinstance(spec, OfferSpec | NeedSpec)


def posted_body(spec: MemberOrder, now: datetime) -> tuple[MoneyColumns, dict[str, Any]]:
    """The columns of an offer or a need and its 201 body (what
    :func:`api.http.reads.posted_view` answers), without building ORM rows."""
    cols = money_columns(spec, now)
    assert cols is not None and isinstance(spec, OfferSpec | NeedSpec)
    head, _, detail = cols
    terms = liquidity_terms(SimpleNamespace(**detail), offer=isinstance(spec, OfferSpec))
    return cols, rv.order_public_with(SimpleNamespace(**head), terms).model_dump(mode="json")


async def post_money(
    ctx: AppContext,
    who: Principal,
    idem: tuple[str, str],
    spec: MemberOrder,
    chain: str,
    *,
    check_revocation: bool,
) -> Stored:
    """Post ``spec`` (an offer or a need of the caller's coop) in one statement; with
    ``check_revocation`` the statement first checks that the caller's key is live."""
    assert ctx.pg is not None
    if purge_due(ctx):
        await run_in_threadpool(maybe_purge, ctx)
    key, digest = idem
    now = ctx.clock()
    (head, table, detail), body = posted_body(spec, now)
    text = stored_text(body)  # as the general path stores (and sends) it
    kind = str(head["kind"])
    for attempt in range(RETRIES + 1):
        try:
            async with ctx.pg.connection() as conn:
                out = await post_money_order(
                    conn,
                    key_id=who.key_id if check_revocation else None,
                    principal=who.principal,
                    key=key,
                    digest=digest,
                    now=now,
                    retention=timedelta(hours=ctx.config.idempotency_retention_hours),
                    lease=timedelta(seconds=ctx.config.in_flight_lease_s),
                    chain=chain,
                    actor=who.principal,
                    head=head,
                    table=table,
                    detail=detail,
                    payload={"kind": kind, "amount": head["amount"]},
                    response=text,
                )
            break
        except psycopg.Error as exc:
            if attempt == RETRIES or not is_retryable_driver_error(exc):
                raise
            await asyncio.sleep(retry_pause_s(attempt))
    if out.outcome == "created":
        return Stored(201, body, raw=text)
    if out.outcome == "replayed":
        return replay_of(out.status, out.body or "null")
    if out.outcome == "revoked":
        raise revoked()
    if out.outcome == "mismatch":
        raise mismatch(key)
    raise in_flight(key)
