"""The ``round`` row of a round kind that is not the daily round (start-up capital,
know-how): one helper, so each kind stores its round the same way (a version per
(network, kind, business date); figures and notes filled in by the caller)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from api.db.audit import canonical_json
from api.db.tables import RoundRow
from api.services.persist import code_version


def new_round_row(
    s: Session,
    *,
    network_id: str,
    kind: str,
    day: date,
    prev: RoundRow | None,
    solver: str,
    params: dict[str, Any],
    actor: str,
    now: datetime,
) -> RoundRow:
    """A completed round row, the next version after ``prev`` (flushed: it has its id)."""
    rnd = RoundRow(
        network_id=network_id,
        kind=kind,
        business_date=day,
        version=1 if prev is None else prev.version + 1,
        status="completed",
        tier_cascade=network_id,
        input_hash="",
        params_json=canonical_json(params),
        solve_status="optimal",
        solver=solver,
        objective_json="{}",
        notes_json="[]",
        order_count=0,
        proposal_count=0,
        load_ms=0,
        solve_ms=0,
        persist_ms=0,
        code_version=code_version(),
        created_by=actor,
        started_at=now,
        finished_at=now,
    )
    s.add(rnd)
    s.flush()
    return rnd
