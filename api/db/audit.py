"""Hash-chained audit log, in chains.

Each row stores ``hash = sha256(prev_hash + canonical_json(event))`` where the event is
``{"action", "actor", "at", "entity", "entity_id", "payload", "seq"}`` and ``seq`` numbers
the events of its chain from 1. The first event's ``prev_hash`` is the chain's genesis
(:func:`genesis_hash`: 64 zeros for the ``global`` chain, a hash of the chain's name for
the others), so an event moved to another chain no longer verifies.

Chains: ``global`` for everything written under the serialised write lock (rounds,
decisions, imports, keys), and ``coop:<id>`` for a member's order posts, so that posts of
different coops do not wait for each other. Appending locks the chain's row in
``audit_chain_head`` first (:func:`lock_chain`), so the appends of one chain are strictly
ordered; ``prev_hash`` is unique across all chains, ``(chain, seq)`` is unique, and an
insert trigger refuses any event that does not follow its chain's head (and moves the head
on), so no chain can fork or skip. :func:`verify_chain` recomputes every hash from the
stored columns and checks every head against its chain's last event.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from api.db.tables import AuditChainHeadRow, AuditEventRow
from api.services.clock import as_utc

GENESIS_HASH = "0" * 64
GLOBAL_CHAIN = "global"


def genesis_hash(chain: str) -> str:
    """The ``prev_hash`` of a chain's first event."""
    if chain == GLOBAL_CHAIN:
        return GENESIS_HASH
    return hashlib.sha256(f"coopmatch:audit-chain:{chain}".encode()).hexdigest()


def coop_chain(coop_id: str) -> str:
    """The chain of a member coop's order posts."""
    return f"coop:{coop_id}"


def canonical_json(data: Any) -> str:
    """Compact, key-sorted, UTF-8 JSON: the exact bytes that are hashed."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def format_ts(value: datetime) -> str:
    """A timestamp as the UTC ISO text used in hashes (microsecond precision).

    >>> from datetime import UTC
    >>> format_ts(datetime(2026, 11, 21, 3, 4, 5, 6, tzinfo=UTC))
    '2026-11-21T03:04:05.000006Z'
    """
    return as_utc(value).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


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


_EVENTS = AuditEventRow.__table__  # type: ignore[attr-defined]
_HEADS = AuditChainHeadRow.__table__  # type: ignore[attr-defined]


def _lock_head(ins: Any) -> Any:
    """``INSERT (chain, 0, genesis) ON CONFLICT (chain) DO UPDATE … RETURNING seq, hash``."""
    return (
        ins(_HEADS)
        .values(chain=bindparam("c"), seq=0, hash=bindparam("g"))
        .on_conflict_do_update(index_elements=["chain"], set_={"chain": bindparam("c")})
        .returning(_HEADS.c.seq, _HEADS.c.hash)
    )


_LOCK_HEAD_PG = _lock_head(postgresql.insert)
_LOCK_HEAD_SQLITE = _lock_head(sqlite.insert)


def _head_key(chain: str) -> tuple[str, str]:
    return ("audit_head", chain)


def lock_chain(session: Session, chain: str) -> tuple[int, str]:
    """Lock ``chain``'s head row for the rest of the transaction; its (seq, hash).

    One statement: an upsert that creates the head of a new chain (seq 0, its genesis) or
    else locks the existing row. Under READ COMMITTED a waiting transaction then sees the
    head the previous holder committed, so appends stay strictly ordered.
    """
    cached = session.info.get(_head_key(chain))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    dialect = session.get_bind().dialect.name
    stmt = _LOCK_HEAD_PG if dialect == "postgresql" else _LOCK_HEAD_SQLITE
    seq, digest = session.execute(stmt, {"c": chain, "g": genesis_hash(chain)}).one()
    head = (int(seq), str(digest))
    session.info[_head_key(chain)] = head
    return head


def append_events(
    session: Session,
    at: datetime,
    actor: str,
    events: list[AuditEvent],
    chain: str = GLOBAL_CHAIN,
) -> str:
    """Append ``events`` in order to ``chain``; returns the new tail hash."""
    seq, prev = lock_chain(session, chain)
    if not events:
        return prev
    rows = []
    for ev in events:
        seq += 1
        digest = event_hash(prev, seq, at, actor, ev.action, ev.entity, ev.entity_id, ev.payload)
        rows.append(
            {
                "chain": chain,
                "seq": seq,
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
    session.execute(insert(_EVENTS), rows)  # the insert trigger moves the head (0008)
    session.info[_head_key(chain)] = (seq, prev)
    return prev


def append_event(
    session: Session,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
    chain: str = GLOBAL_CHAIN,
) -> str:
    """Append one event to ``chain``; returns its hash."""
    return append_events(
        session, at, actor, [AuditEvent(action, entity, entity_id, payload)], chain
    )


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a chain check."""

    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk every chain in ``seq`` order, recompute every hash, and check each chain's head
    against its last event (a head ahead of its chain means events were cut off its end)."""
    heads = {h.chain: h for h in session.execute(select(AuditChainHeadRow)).scalars()}
    chain, prev, expected, checked, last = "", "", 1, 0, None
    after: tuple[str, int] = ("", 0)
    while True:
        rows = (
            session.execute(
                select(AuditEventRow)
                .where(tuple_(col(AuditEventRow.chain), col(AuditEventRow.seq)) > after)
                .order_by(col(AuditEventRow.chain), col(AuditEventRow.seq))
                .limit(batch)
            )
            .scalars()
            .all()
        )
        for row in rows:
            if row.chain != chain:
                bad = _check_head(heads.pop(chain, None), chain, last, checked)
                if bad is not None:
                    return bad
                chain, prev, expected = row.chain, genesis_hash(row.chain), 1
            bad = _check_event(row, prev, expected, checked)
            if bad is not None:
                return bad
            prev, expected, checked, last = row.hash, expected + 1, checked + 1, row
        if not rows:
            break
        after = (rows[-1].chain, rows[-1].seq)
    bad = _check_head(heads.pop(chain, None), chain, last, checked)
    if bad is not None:
        return bad
    for name, head in sorted(heads.items()):
        if head.seq:
            return ChainReport(False, checked, None, f"chain {name}: head at {head.seq}, no events")
    return ChainReport(ok=True, checked=checked)


def _check_event(row: AuditEventRow, prev: str, expected: int, checked: int) -> ChainReport | None:
    rid = int(row.id or 0)
    if row.seq != expected:
        return ChainReport(False, checked, rid, f"gap: expected event {expected} of {row.chain}")
    if row.prev_hash != prev:
        return ChainReport(False, checked, rid, "prev_hash does not match the chain")
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return ChainReport(False, checked, rid, "payload is not JSON")
    digest = event_hash(
        prev, row.seq, row.occurred_at, row.actor, row.action, row.entity, row.entity_id, payload
    )
    if digest != row.hash:
        return ChainReport(False, checked, rid, "hash does not match the event")
    return None


def _check_head(
    head: AuditChainHeadRow | None, chain: str, last: AuditEventRow | None, checked: int
) -> ChainReport | None:
    """The head of the chain just walked must name its last event."""
    if last is None:
        return None
    if head is None or (head.seq, head.hash) != (last.seq, last.hash):
        at = "missing" if head is None else f"at event {head.seq}"
        return ChainReport(
            False,
            checked,
            int(last.id or 0),
            f"chain {chain}: head {at}, but the chain ends at event {last.seq}",
        )
    return None
