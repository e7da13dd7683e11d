"""A member's money-order post on PostgreSQL in one statement (``coopmatch_post_order``,
migration 0009), over an async psycopg connection.

The general path (:func:`api.http.idempotency.in_one_transaction`) takes about ten round
trips and the ORM's bookkeeping for a post; this one builds the rows, the stored response
and the canonical event text in Python and hands them to the function, which locks the
coop's chain head, checks the idempotency key, inserts, appends the hashed event and stores
the response, all in one implicit transaction. Same guarantees, same rows, same chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from api.db.audit import canonical_json, format_ts, genesis_hash

CALL = (
    "SELECT o_outcome, o_status, o_body FROM coopmatch_post_order("
    "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s::jsonb, %s)"
)
ACTION, ENTITY = "order.posted", "order"


@dataclass(frozen=True)
class PostOutcome:
    """What the function answered: ``created``, ``replayed``, ``revoked`` (the caller's key
    is revoked or gone), ``mismatch`` or ``in_flight``; the status and (for created and
    replayed) the JSON body text."""

    outcome: str
    status: int
    body: str | None


def _plain(columns: dict[str, object]) -> str:
    """Columns as JSON for ``jsonb_populate_record`` (dates in ISO form)."""
    return json.dumps(
        {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in columns.items()}
    )


def event_prefix(actor: str, at: datetime, entity_id: str, payload: dict[str, Any]) -> str:
    """The canonical JSON of the ``order.posted`` event up to its ``seq`` value: the
    function appends the seq and ``}``. ``seq`` sorts last among the event's keys, so the
    result is exactly :func:`api.db.audit.canonical_json` of the whole event."""
    event = {
        "action": ACTION,
        "actor": actor,
        "at": format_ts(at),
        "entity": ENTITY,
        "entity_id": entity_id,
        "payload": payload,
    }
    return canonical_json(event)[:-1] + ',"seq":'


async def post_money_order(
    conn: AsyncConnection[Any],
    *,
    key_id: str | None,
    principal: str,
    key: str,
    digest: str,
    now: datetime,
    retention: timedelta,
    lease: timedelta,
    chain: str,
    actor: str,
    head: dict[str, object],
    table: str,
    detail: dict[str, object],
    payload: dict[str, Any],
    response: str,
) -> PostOutcome:
    """Run the one-statement post on ``conn`` (autocommit: the statement is its own
    transaction). ``key_id``: the API key whose revocation the statement checks first (None:
    already checked); ``table``: the detail table of ``detail``; ``response`` is the 201
    body's JSON text, stored under the key as it is sent."""
    order_id = str(head["id"])
    params = (
        key_id,
        principal,
        key,
        digest,
        now,
        retention,
        lease,
        chain,
        genesis_hash(chain),
        actor,
        event_prefix(actor, now, order_id, payload),
        canonical_json(payload),
        _plain(head),
        table,
        _plain(detail),
        response,
    )
    cur = await conn.execute(CALL, params)
    row = await cur.fetchone()
    if row is None:  # pragma: no cover - the function always returns one row
        raise RuntimeError("coopmatch_post_order returned no row")
    return PostOutcome(str(row[0]), int(row[1]), row[2])
