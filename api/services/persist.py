"""Persisting a solved round in the caller's (single) transaction.

Re-checks the round key and the version of every order touched, voids the previous
version's un-accepted proposals, writes the round, its loan and sale proposals (COPY on
PostgreSQL) with their reservations, commits the set-off notices (set-off needs no second
consent, see :class:`api.db.tables.CommitmentSetoffRow`) against the obligations' open
amounts, and appends one audit event.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from importlib import metadata as importlib_metadata
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.bulk import allocate_ids, bulk_deltas, copy_rows, versions_of
from api.db.mapping import loan_proposal_rows, sale_proposal_rows
from api.db.orders import OrdersChangedError
from api.db.tables import ProposalRow, RoundRow
from api.services.clock import MonotonicNs, monotonic_ns
from api.services.loans import BULLET, quoted_interest
from api.services.round.calendar import add_business_days, business_day_end
from api.services.round.report import build_report, report_text, store_report
from api.services.snapshot import KIND, RoundParams, Snapshot
from matcher.liquidity.model import LiquidityResult
from matcher.produce.model import ProduceMatch
from matcher.round.combined import sales_of
from matcher.round.model import NeedChange, RoundResult, sale_obligation_id
from matcher.setoff.model import SetoffNotice

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
SALE_COLUMNS = (
    "product_id",
    "grade",
    "price_satang_per_unit",
    "value_satang",
    "transport_satang",
    "spoilage_satang",
    "distance_m",
    "delivery_date",
    "credit_due_date",
)
RELIEF_COLUMNS = (
    "id",
    "round_id",
    "need_order_id",
    "coop_id",
    "amount_satang",
    "business_date",
    "committed_at",
)
SETOFF_COLUMNS = (
    "round_id",
    "obligation_order_id",
    "debtor_coop_id",
    "creditor_coop_id",
    "amount_satang",
    "remaining_satang",
    "business_date",
    "committed_at",
)


def code_version() -> str:
    """The installed coopmatch version (recorded with every round)."""
    try:
        return importlib_metadata.version("coopmatch")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


@dataclass(frozen=True)
class _Plan:
    """What the round writes: sales with their credit due date, set-offs, counter moves."""

    liquidity: LiquidityResult
    combined: RoundResult | None
    sales: list[tuple[ProduceMatch, date | None]]
    setoffs: list[SetoffNotice]
    deltas: dict[str, tuple[int, int]]
    relief: list[NeedChange] = field(default_factory=list)
    """Needs that set-off covered in part or whole (committed on the need)."""


def _plan(snap: Snapshot, result: LiquidityResult | RoundResult) -> _Plan:
    """Split a liquidity or combined result into what the persist step writes."""
    combined = result if isinstance(result, RoundResult) else None
    liquidity = combined.liquidity if combined is not None else cast(LiquidityResult, result)
    reserve: dict[str, int] = defaultdict(int)
    commit: dict[str, int] = defaultdict(int)
    for p in liquidity.proposals:
        reserve[p.offer_id] += p.amount_satang
        reserve[p.need_id] += p.amount_satang
    sales: list[tuple[ProduceMatch, date | None]] = []
    setoffs: list[SetoffNotice] = []
    relief: list[NeedChange] = []
    if combined is not None:
        due = {o.id: o.due_date for o in combined.new_obligations}
        problem = snap.round_problem.produce if snap.round_problem is not None else None
        matches = sales_of(problem, combined.produce)
        procs = {x.id for x in problem.processors} if problem is not None else set()
        if procs and combined.produce is not None:  # legs into processors are sales too
            matches += [m for m in combined.produce.matches if m.target_id in procs]
        for m in sorted(matches, key=lambda x: (x.target_id, x.source_id, x.grade)):
            sales.append((m, due.get(sale_obligation_id(m.source_id, m.target_id))))
            for oid in (m.source_id, m.target_id):
                if oid not in procs:  # a processor is no order: nothing to reserve
                    reserve[oid] += m.quantity
        setoffs = sorted(
            (n for n in combined.setoff.notices if n.set_off_satang > 0),
            key=lambda n: n.obligation_id,
        )
        for n in setoffs:
            commit[n.obligation_id] += n.set_off_satang
        relief = [c for c in combined.need_changes if c.relief_satang > 0]
        for c in relief:
            commit[c.need_id] += c.relief_satang
    deltas = {oid: (reserve.get(oid, 0), commit.get(oid, 0)) for oid in {*reserve, *commit}}
    return _Plan(liquidity, combined, sales, setoffs, deltas, relief if combined else [])


def proposal_expiry(params: RoundParams, business_date: date, now: datetime) -> datetime:
    """When the round's proposals expire: the end (Asia/Bangkok) of the policy's n-th
    business day after the round's date, or the server's hours after ``now``."""
    if params.proposal_ttl_business_days > 0:
        last = add_business_days(business_date, params.proposal_ttl_business_days)
        return business_day_end(last)
    return now + timedelta(hours=params.proposal_ttl_hours)


def persist_round(
    session: Session,
    snap: Snapshot,
    result: LiquidityResult | RoundResult,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    params: RoundParams,
    started_at: datetime,
    now: datetime,
    timings_ms: dict[str, int],
    monotonic: MonotonicNs = monotonic_ns,
    report: str | None = None,
) -> RoundRow:
    """Write the round, its proposals, set-offs and reservations in the caller's transaction.

    ``result`` is the combined round's result (or, for callers of the liquidity-only
    round, a :class:`LiquidityResult`). A combined round's report is stored with it:
    ``report`` (its :func:`~api.services.round.report.report_text`, built by the caller
    outside the transaction) or, when not given, built here.

    Raises:
        OrdersChangedError: the key or an order moved on since the snapshot (re-solve).
    """
    t0 = monotonic()
    plan = _plan(snap, result)
    _recheck(session, snap, plan, network_id, business_date)
    if snap.prev_round_id is not None:
        _supersede(session, snap, now)
    rnd = _round_row(snap, plan, network_id, business_date, actor, params, started_at, now)
    rnd.load_ms, rnd.solve_ms = timings_ms.get("load", 0), timings_ms.get("solve", 0)
    session.add(rnd)
    session.flush()
    round_id = int(rnd.id or 0)
    if isinstance(result, RoundResult):
        text = report or report_text(build_report(snap.round_problem, result, params))
        store_report(session, round_id, text)
    expires = proposal_expiry(params, business_date, now)
    heads = _write_proposals(session, snap, plan, round_id, business_date, now, expires)
    setoff_rows = [
        (round_id, n.obligation_id, n.debtor, n.creditor, n.set_off_satang, n.remaining_satang)
        for n in plan.setoffs
    ]
    ids = allocate_ids(session, "commitment_setoff", len(setoff_rows))
    copy_rows(
        session,
        "commitment_setoff",
        ["id", *SETOFF_COLUMNS],
        [(i, *r, business_date, now) for i, r in zip(ids, setoff_rows, strict=True)],
    )
    _write_relief(session, plan.relief, round_id, business_date, now)
    bulk_deltas(session, plan.deltas, now)
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
            "version": rnd.version,
            "input_hash": snap.input_hash,
            "proposals": len(heads),
            "proposals_digest": _digest(
                [[h["supply_order_id"], h["demand_order_id"], h["amount"]] for h in heads]
            ),
            "sales": len(plan.sales),
            "setoffs": len(plan.setoffs),
            "setoff_satang": sum(n.set_off_satang for n in plan.setoffs),
            "setoffs_digest": _digest([[n.obligation_id, n.set_off_satang] for n in plan.setoffs]),
            "needs_relieved": {c.need_id: c.relief_satang for c in plan.relief},
            "voided": snap.void_ids,
        },
    )
    return rnd


def _write_relief(
    session: Session, relief: list[NeedChange], round_id: int, business_date: date, now: datetime
) -> None:
    """One ``need_relief`` row per need that set-off covered."""
    ids = allocate_ids(session, "need_relief", len(relief))
    copy_rows(
        session,
        "need_relief",
        RELIEF_COLUMNS,
        [
            (i, round_id, c.need_id, c.borrower, c.relief_satang, business_date, now)
            for i, c in zip(ids, relief, strict=True)
        ],
    )


def _digest(rows: list[list[Any]]) -> str:
    return hashlib.sha256(canonical_json(rows).encode()).hexdigest()


def _recheck(
    session: Session, snap: Snapshot, plan: _Plan, network_id: str, business_date: date
) -> None:
    """The round key and every touched order are as the snapshot saw them."""
    latest = repo.latest_round(session, network_id, KIND, business_date)
    if latest is not None and not snap.new_version:
        raise OrdersChangedError("round key exists")  # the caller returns that round
    if (0 if latest is None else latest.version) != snap.prev_version:
        raise OrdersChangedError("round key")
    touched = set(plan.deltas) | set(snap.freed)
    current = versions_of(session, sorted(touched))
    if any(current.get(oid) != snap.versions.get(oid) for oid in touched):
        raise OrdersChangedError("order version")


def _round_row(
    snap: Snapshot,
    plan: _Plan,
    network_id: str,
    business_date: date,
    actor: str,
    params: RoundParams,
    started_at: datetime,
    now: datetime,
) -> RoundRow:
    liq, combined = plan.liquidity, plan.combined
    objective: dict[str, Any] = asdict(liq.objective)
    notes: list[str] = [*snap.notes, *liq.notes]
    if combined is not None:
        objective["round"] = asdict(combined.summary)
        notes += [*combined.setoff.notes, *combined.notes]
        if combined.produce is not None:
            notes += combined.produce.notes
    return RoundRow(
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        version=snap.prev_version + 1,
        status="completed",
        tier_cascade=",".join(snap.tier_cascade),
        input_hash=snap.input_hash,
        params_json=canonical_json(params.as_json()),
        solve_status=(combined.status if combined is not None else liq.status).value,
        solver=liq.solver,
        objective_json=canonical_json(objective),
        notes_json=canonical_json(notes),
        order_count=snap.order_count,
        proposal_count=len(liq.proposals) + len(plan.sales),
        load_ms=0,
        solve_ms=0,
        persist_ms=0,
        code_version=code_version(),
        created_by=actor,
        started_at=started_at,
        finished_at=now,
    )


def _write_proposals(
    session: Session,
    snap: Snapshot,
    plan: _Plan,
    round_id: int,
    business_date: date,
    now: datetime,
    expires: datetime,
) -> list[dict[str, Any]]:
    """Loan proposals (by need, offer) then sale proposals (by order, lot); returns heads."""
    heads, loans, sales = [], [], []
    for p in sorted(plan.liquidity.proposals, key=lambda x: (x.need_id, x.offer_id)):
        interest = quoted_interest(p, business_date, snap.repayments.get(p.need_id, BULLET))
        h, loan = loan_proposal_rows(p, round_id, now, expires, interest)
        heads.append(h)
        loans.append(loan)
    for m, due in plan.sales:
        h, sale = sale_proposal_rows(
            m, snap.units.get(m.product, "unit"), round_id, now, expires, due
        )
        heads.append(h)
        sales.append(sale)
    ids = allocate_ids(session, "proposal", len(heads))
    copy_rows(
        session,
        "proposal",
        ["id", *PROPOSAL_COLUMNS],
        [(pid, *(h[c] for c in PROPOSAL_COLUMNS)) for pid, h in zip(ids, heads, strict=True)],
    )
    _copy_detail(session, "proposal_loan", LOAN_COLUMNS, ids[: len(loans)], loans)
    _copy_detail(session, "proposal_sale", SALE_COLUMNS, ids[len(loans) :], sales)
    return heads


def _copy_detail(
    session: Session,
    table_name: str,
    columns: Sequence[str],
    ids: Sequence[int],
    rows: Sequence[dict[str, Any]],
) -> None:
    copy_rows(
        session,
        table_name,
        ["proposal_id", *columns],
        [(pid, *(x[c] for c in columns)) for pid, x in zip(ids, rows, strict=True)],
    )


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
