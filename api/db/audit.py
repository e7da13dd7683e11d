"""Hash-chained audit log.

Each row stores ``hash = sha256(prev_hash + canonical_json(event))`` where the event is
``{"action", "actor", "at", "entity", "entity_id", "payload", "seq"}``; the first row's
``prev_hash`` is 64 zeros. Appends happen inside write transactions, which are serialised
(see :mod:`api.db.tx`), and ``prev_hash`` is unique, so the chain can never fork.
:func:`verify_chain` recomputes every hash from the stored columns.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from api.db.tables import AuditEventRow
from api.services.clock import as_utc

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> str:
    """Compact, key-sorted, UTF-8 JSON: the exact bytes that are hashed."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def format_ts(value: datetime) -> str:
    """A timestamp as the UTC ISO text used in hashes (microsecond precision)."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
) -> str:
    """The chain hash of one event."""
    event = {
        "action": action,
        "actor": actor,
        "at": format_ts(at),
        "entity": entity,
        "entity_id": entity_id,
        "payload": payload,
        "seq": seq,
    }
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AuditEvent:
    """One event to append."""

    action: str
    entity: str
    entity_id: str
    payload: dict[str, Any]


def _tail(session: Session) -> tuple[int, str]:
    row = session.execute(
        select(col(AuditEventRow.id), col(AuditEventRow.hash))
        .order_by(col(AuditEventRow.id).desc())
        .limit(1)
    ).first()
    return (0, GENESIS_HASH) if row is None else (int(row[0]), str(row[1]))


def append_events(session: Session, at: datetime, actor: str, events: list[AuditEvent]) -> str:
    """Append ``events`` in order to the chain; returns the new tail hash."""
    if not events:
        return _tail(session)[1]
    seq, prev = _tail(session)
    rows = []
    for ev in events:
        seq += 1
        digest = event_hash(prev, seq, at, actor, ev.action, ev.entity, ev.entity_id, ev.payload)
        rows.append(
            {
                "id": seq,
                "occurred_at": at,
                "actor": actor,
                "action": ev.action,
                "entity": ev.entity,
                "entity_id": ev.entity_id,
                "payload": canonical_json(ev.payload),
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(insert(AuditEventRow), rows)
    return prev


def append_event(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
) -> str:
    """Append one event; returns its hash."""
    return append_events(session, at, actor, [AuditEvent(action, entity, entity_id, payload)])


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain check."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order and recompute every hash."""
    prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_id = 0
    while True:
        rows = (
            session.execute(
                select(AuditEventRow)
                .where(col(AuditEventRow.id) > last_id)
                .order_by(col(AuditEventRow.id))
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return ChainReport(ok=True, checked=checked)
        for row in rows:
            rid = int(row.id or 0)
            if rid != expected_seq:
                return ChainReport(False, checked, rid, f"gap: expected event {expected_seq}")
            if row.prev_hash != prev:
                return ChainReport(False, checked, rid, "prev_hash does not match the chain")
            try:
                payload = json.loads(row.payload)
            except ValueError:
                return ChainReport(False, checked, rid, "payload is not JSON")
            digest = event_hash(
                prev,
                rid,
                row.occurred_at,
                row.actor,
                row.action,
                row.entity,
                row.entity_id,
                payload,
            )
            if digest != row.hash:
                return ChainReport(False, checked, rid, "hash does not match the event")
            prev, expected_seq, checked, last_id = row.hash, expected_seq + 1, checked + 1, rid
