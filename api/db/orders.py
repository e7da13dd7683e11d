"""Order counters: reserve, free and commit amounts, keeping status and version in step.

Status rule (applied in SQL from the row's old values): cancelled and expired stay as they
are; otherwise ``filled`` when committed reaches the amount, ``reserved`` while anything is
reserved, else ``open``. Every change bumps ``version`` (optimistic concurrency).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

_UPDATE = text(
    "UPDATE orders SET reserved = reserved + :dr, committed = committed + :dc, "
    "version = version + 1, updated_at = :now, status = CASE "
    "WHEN status IN ('cancelled', 'expired') THEN status "
    "WHEN committed + :dc >= amount THEN 'filled' "
    "WHEN reserved + :dr > 0 THEN 'reserved' ELSE 'open' END "
    "WHERE id = :id"
)
CHUNK = 900


class OrdersChangedError(Exception):
    """An order changed since the snapshot (its version moved on)."""


def apply_deltas(session: Session, deltas: Mapping[str, tuple[int, int]], now: datetime) -> None:
    """Add ``(reserved, committed)`` deltas to each order id, in id order."""
    if not deltas:
        return
    params = [
        {"id": oid, "dr": dr, "dc": dc, "now": now} for oid, (dr, dc) in sorted(deltas.items())
    ]
    session.execute(_UPDATE, params)
