"""Round kinds that are not the daily round (joint purchase, start-up capital, know-how):
how each runs once a business day per network (:func:`run_kind_round`) and stores its
``round`` row (:func:`new_round_row`: a version per (network, kind, business date); figures
and notes filled in by the caller)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from api.db import repo
from api.db.audit import canonical_json
from api.db.tables import RoundRow
from api.db.tx import in_write_transaction, network_lock, read_session
from api.services.hooks import OnCommit, with_hook
from api.services.persist import code_version

T = TypeVar("T")


def run_kind_round(
    engine: Engine,
    *,
    network_id: str,
    kind: str,
    business_date: date,
    new_version: bool,
    stored: Callable[[Session, RoundRow], T],
    work: Callable[[Session], T],
    on_commit: OnCommit[T] | None,
) -> T:
    """Under the network's round lock: the outcome of the stored round of ``kind`` on the
    date (``stored``) unless ``new_version`` is asked or there is none, else ``work`` in one
    write transaction; ``on_commit`` runs in the transaction either way."""
    with network_lock(engine, network_id):
        if not new_version:
            with read_session(engine) as s:
                existing = repo.latest_round(s, network_id, kind, business_date)
            if existing is not None:
                return in_write_transaction(
                    engine, lambda s: with_hook(s, stored(s, existing), on_commit)
                )
        return in_write_transaction(engine, lambda s: with_hook(s, work(s), on_commit))


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
