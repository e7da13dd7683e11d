"""``POST /v1/orders`` for money orders on PostgreSQL: one statement on the async pool.

A liquidity offer or need needs no read before its insert, so its header, detail row and
201 body are built in memory and handed to ``coopmatch_post_order`` (migration 0009) with
the idempotency key and the coop's audit chain (:mod:`api.db.order_post_pg`). The outcome
maps to the same responses as the general path: a replay of the stored response, 422 for
a key used for another request, 409 while the first is in flight. Serialisation failures,
deadlocks and a lost race for the key's row re-run the statement, as in :mod:`api.db.tx`.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import psycopg
from starlette.concurrency import run_in_threadpool

from api.db.order_post_pg import post_money_order
from api.db.tx import is_retryable_driver_error
from api.http import schemas as sc
from api.http.context import AppContext
from api.http.idempotency import Stored, in_flight, maybe_purge, mismatch, purge_due
from api.http.keys import Principal
from api.services.member_orders import MemberOrder, money_rows
from api.services.orders import NeedSpec, OfferSpec

RETRIES = 8


def takes_fast_path(ctx: AppContext, spec: MemberOrder) -> bool:
    """Whether this post goes through the one-statement path."""
    return ctx.pg is not None and isinstance(spec, OfferSpec | NeedSpec)


async def post_money(
    ctx: AppContext, who: Principal, idem: tuple[str, str], spec: MemberOrder, chain: str
) -> Stored:
    """Post ``spec`` (an offer or a need of the caller's coop) in one statement."""
    assert ctx.pg is not None
    if purge_due(ctx):
        await run_in_threadpool(maybe_purge, ctx)
    key, digest = idem
    now = ctx.clock()
    rows = money_rows(spec, now)
    assert rows is not None
    head, detail = rows
    body = sc.order_public(head, detail).model_dump(mode="json")  # type: ignore[arg-type]
    kind = str(head.kind)
    for attempt in range(RETRIES + 1):
        try:
            async with ctx.pg.connection() as conn:
                out = await post_money_order(
                    conn,
                    principal=who.principal,
                    key=key,
                    digest=digest,
                    now=now,
                    retention=timedelta(hours=ctx.config.idempotency_retention_hours),
                    lease=timedelta(seconds=ctx.config.in_flight_lease_s),
                    chain=chain,
                    actor=who.principal,
                    head=head,
                    detail=detail,
                    payload={"kind": kind},
                    response=body,
                )
            break
        except psycopg.Error as exc:
            if attempt == RETRIES or not is_retryable_driver_error(exc):
                raise
            await asyncio.sleep(min(0.2, 0.005 * 2**attempt))
    if out.outcome == "created":
        return Stored(201, body)
    if out.outcome == "replayed":
        return Stored(out.status, json.loads(out.body or "null"), replayed=True)
    if out.outcome == "mismatch":
        raise mismatch(key)
    raise in_flight(key)
