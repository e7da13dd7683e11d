"""Persisting a solved round in the caller's (single) transaction.

Re-checks the round key and the version of every order touched, voids the previous
version's un-accepted proposals, writes the round, its proposals (COPY on PostgreSQL) and
the reservations, and appends one audit event.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from importlib import metadata as importlib_metadata
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.bulk import allocate_ids, bulk_deltas, copy_rows, versions_of
from api.db.mapping import (
    loan_proposal_rows,
)
from api.db.orders import OrdersChangedError
from api.db.tables import ProposalRow, RoundRow
from api.services.clock import MonotonicNs, monotonic_ns
from api.services.loans import loan_schedule
from api.services.snapshot import KIND, RoundParams, Snapshot
from matcher.liquidity.model import LiquidityResult

PROPOSAL_COLUMNS = (
    "round_id",
    "kind",
    "supply_order_id",
    "demand_order_id",
    "supply_coop_id",
    "demand_coop_id",
    "unit",
    "amount",
    "tier",
    "network_id",
    "status",
    "created_at",
    "expires_at",
)
LOAN_COLUMNS = ("rate_bps", "term_days", "interest_satang")


def code_version() -> str:
    """The installed coopmatch version (recorded with every round)."""
    try:
        return importlib_metadata.version("coopmatch")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


def persist_round(
    session: Session,
    snap: Snapshot,
    result: LiquidityResult,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    params: RoundParams,
    started_at: datetime,
    now: datetime,
    timings_ms: dict[str, int],
    monotonic: MonotonicNs = monotonic_ns,
) -> RoundRow:
    """Write the round, its proposals and reservations in the caller's transaction.

    Raises:
        OrdersChangedError: the key or an order moved on since the snapshot (re-solve).
    """
    t0 = monotonic()
    latest = repo.latest_round(session, network_id, KIND, business_date)
    if latest is not None and not snap.new_version:
        raise OrdersChangedError("round key exists")  # the caller returns that round
    if (0 if latest is None else latest.version) != snap.prev_version:
        raise OrdersChangedError("round key")
    deltas: dict[str, int] = defaultdict(int)
    for p in result.proposals:
        deltas[p.offer_id] += p.amount_satang
        deltas[p.need_id] += p.amount_satang
    touched = set(deltas) | set(snap.freed)
    current = versions_of(session, sorted(touched))
    if any(current.get(oid) != snap.versions.get(oid) for oid in touched):
        raise OrdersChangedError("order version")
    if snap.prev_round_id is not None:
        _supersede(session, snap, now)
    version = snap.prev_version + 1
    rnd = RoundRow(
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        version=version,
        status="completed",
        tier_cascade=",".join(snap.tier_cascade),
        input_hash=snap.input_hash,
        params_json=canonical_json(params.as_json()),
        solve_status=result.status.value,
        solver=result.solver,
        objective_json=canonical_json(asdict(result.objective)),
        notes_json=canonical_json([*snap.notes, *result.notes]),
        order_count=len(snap.problem.offers) + len(snap.problem.needs),
        proposal_count=len(result.proposals),
        load_ms=timings_ms.get("load", 0),
        solve_ms=timings_ms.get("solve", 0),
        persist_ms=0,
        code_version=code_version(),
        created_by=actor,
        started_at=started_at,
        finished_at=now,
    )
    session.add(rnd)
    session.flush()
    round_id = int(rnd.id or 0)
    expires = now + timedelta(hours=params.proposal_ttl_hours)
    heads, loans = [], []
    for p in sorted(result.proposals, key=lambda x: (x.need_id, x.offer_id)):
        repayment, n = snap.repayments.get(p.need_id, ("bullet", 1))
        schedule = loan_schedule(
            p.amount_satang, p.rate_bps, business_date, p.term_days, repayment, n
        )
        interest = sum(i.interest_satang for i in schedule)
        h, loan = loan_proposal_rows(p, round_id, now, expires, interest)
        heads.append(h)
        loans.append(loan)
    ids = allocate_ids(session, "proposal", len(heads))
    copy_rows(
        session,
        "proposal",
        ["id", *PROPOSAL_COLUMNS],
        [(pid, *(h[c] for c in PROPOSAL_COLUMNS)) for pid, h in zip(ids, heads, strict=True)],
    )
    copy_rows(
        session,
        "proposal_loan",
        ["proposal_id", *LOAN_COLUMNS],
        [(pid, *(x[c] for c in LOAN_COLUMNS)) for pid, x in zip(ids, loans, strict=True)],
    )
    bulk_deltas(session, {oid: (d, 0) for oid, d in deltas.items()}, now)
    rnd.persist_ms = (monotonic() - t0) // 1_000_000
    session.add(rnd)
    append_event(
        session,
        now,
        actor,
        "round.persisted",
        "round",
        str(round_id),
        {
            "network_id": network_id,
            "business_date": business_date.isoformat(),
            "version": version,
            "input_hash": snap.input_hash,
            "proposals": len(heads),
            "proposals_digest": hashlib.sha256(
                canonical_json(
                    [[h["supply_order_id"], h["demand_order_id"], h["amount"]] for h in heads]
                ).encode()
            ).hexdigest(),
            "voided": snap.void_ids,
        },
    )
    return rnd


def _supersede(session: Session, snap: Snapshot, now: datetime) -> None:
    """Void the previous version's un-accepted pending proposals and free their orders."""
    if snap.void_ids:
        for start in range(0, len(snap.void_ids), 900):
            part = snap.void_ids[start : start + 900]
            res = session.execute(
                update(ProposalRow)
                .where(
                    col(ProposalRow.id).in_(part),
                    col(ProposalRow.status) == "pending",
                    col(ProposalRow.supply_accepted_at).is_(None),
                    col(ProposalRow.demand_accepted_at).is_(None),
                )
                .values(status="voided", closed_at=now)
            )
            if cast(CursorResult[Any], res).rowcount != len(part):
                raise OrdersChangedError("proposal")
        bulk_deltas(session, {oid: (-a, 0) for oid, a in snap.freed.items()}, now)
    session.execute(
        update(RoundRow).where(col(RoundRow.id) == snap.prev_round_id).values(status="superseded")
    )
