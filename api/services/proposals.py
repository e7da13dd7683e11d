"""Two-phase proposals: a pending reservation that both sides accept, or that dies.

pending ──both sides accept──▶ committed (a ledger entry, plus the loan schedule or the
                                sale terms and, for a sale on credit, the buyer's obligation)
pending ──either side declines──▶ declined (reservation freed)
pending ──expiry passes──▶ expired (reservation freed)
pending ──a new round version replaces it──▶ voided (reservation freed)

Accepting twice, or declining a closed proposal again, has no second effect. Accepting a
proposal that is expired, voided or declined is refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, insert, or_, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.orders import apply_deltas
from api.db.repo import member_coops
from api.db.tables import (
    CommitmentLoanRow,
    CommitmentRow,
    LiquidityNeedRow,
    LoanInstalmentRow,
    ProposalLoanRow,
    ProposalRow,
    RoundRow,
)
from api.db.tables_round import DeclinedPairRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, as_utc, system_clock
from api.services.errors import ForbiddenError, InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook
from api.services.loans import loan_schedule
from api.services.sales import book_sale

CLOSED = ("declined", "expired", "voided")


@dataclass(frozen=True)
class ProposalView:
    """A proposal's state after a call; ``changed`` is False when the call was a no-op."""

    id: int
    status: str
    supply_accepted: bool
    demand_accepted: bool
    commitment_id: int | None
    changed: bool


def _view(p: ProposalRow, changed: bool, commitment_id: int | None = None) -> ProposalView:
    return ProposalView(
        int(p.id or 0),
        p.status,
        p.supply_accepted_at is not None,
        p.demand_accepted_at is not None,
        commitment_id,
        changed,
    )


def _load(session: Session, proposal_id: int, coop_id: str) -> tuple[ProposalRow, str]:
    p = session.get(ProposalRow, proposal_id)
    if p is None:
        raise NotFoundError(f"proposal {proposal_id} does not exist", f"ไม่พบข้อเสนอ {proposal_id}")
    if coop_id == p.supply_coop_id:
        return p, "supply"
    if coop_id == p.demand_coop_id:
        return p, "demand"
    raise ForbiddenError(
        f"coop {coop_id!r} is not a party to proposal {proposal_id}",
        f"สหกรณ์ {coop_id} ไม่ใช่คู่สัญญาของข้อเสนอ {proposal_id}",
    )


def _free(session: Session, p: ProposalRow, now: datetime) -> None:
    apply_deltas(
        session, {p.supply_order_id: (-p.amount, 0), p.demand_order_id: (-p.amount, 0)}, now
    )


def accept_proposal(
    engine: Engine,
    proposal_id: int,
    coop_id: str,
    *,
    actor: str | None = None,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[ProposalView] | None = None,
) -> ProposalView:
    """Record ``coop_id``'s acceptance; commits the loan or sale when both sides accepted.

    ``on_commit(session, view)`` runs inside the write transaction just before it commits
    (e.g. to store an idempotent response with the change), on a no-op too.

    Raises:
        NotFoundError / ForbiddenError: unknown proposal, or the coop is not a party to it.
        InvalidStateError: the proposal is declined, expired or voided, or its expiry passed.
    """

    def work(session: Session) -> ProposalView:
        now = clock()
        p, side = _load(session, proposal_id, coop_id)
        field = "supply_accepted_at" if side == "supply" else "demand_accepted_at"
        if getattr(p, field) is not None:
            return _view(p, changed=False, commitment_id=_commitment_id(session, p))
        if p.status in CLOSED or p.status == "committed":
            raise InvalidStateError(
                f"proposal {proposal_id} is {p.status}; it can no longer be accepted",
                f"ข้อเสนอ {proposal_id} สถานะ {p.status} รับไม่ได้แล้ว",
            )
        if as_utc(p.expires_at) <= now:
            raise InvalidStateError(
                f"proposal {proposal_id} expired at {as_utc(p.expires_at).isoformat()}",
                f"ข้อเสนอ {proposal_id} หมดอายุแล้ว",
            )
        setattr(p, field, now)
        session.add(p)
        append_event(
            session,
            now,
            actor or coop_id,
            "proposal.accepted",
            "proposal",
            str(p.id),
            {"side": side, "coop_id": coop_id},
        )
        commitment_id = None
        if p.supply_accepted_at is not None and p.demand_accepted_at is not None:
            commitment_id = _commit(session, p, now, actor or coop_id)
        session.flush()
        return _view(p, changed=True, commitment_id=commitment_id)

    return in_write_transaction(engine, lambda s: with_hook(s, work(s), on_commit))


def decline_proposal(
    engine: Engine,
    proposal_id: int,
    coop_id: str,
    *,
    actor: str | None = None,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[ProposalView] | None = None,
    reason: str | None = None,
) -> ProposalView:
    """Decline a pending proposal and free both orders; a closed one is left as it is.

    The pair of orders is remembered (``declined_pair``, with the optional ``reason``): the
    network's rounds do not propose it again while neither order changed, unless the
    coordinator asks for it. ``on_commit``: as for :func:`accept_proposal`.

    Raises:
        InvalidStateError: the proposal is already committed.
    """

    def work(session: Session) -> ProposalView:
        now = clock()
        p, side = _load(session, proposal_id, coop_id)
        if p.status in CLOSED:
            return _view(p, changed=False)
        if p.status == "committed":
            raise InvalidStateError(
                f"proposal {proposal_id} is committed; it cannot be declined",
                f"ข้อเสนอ {proposal_id} ผูกพันแล้ว ปฏิเสธไม่ได้",
            )
        p.status, p.closed_at = "declined", now
        session.add(p)
        session.add(
            DeclinedPairRow(
                proposal_id=int(p.id or 0),
                kind=p.kind,
                supply_order_id=p.supply_order_id,
                demand_order_id=p.demand_order_id,
                declined_by_coop_id=coop_id,
                reason=reason,
                declined_at=now,
            )
        )
        session.flush()
        _free(session, p, now)
        append_event(
            session,
            now,
            actor or coop_id,
            "proposal.declined",
            "proposal",
            str(p.id),
            {"side": side, "coop_id": coop_id, "reason": reason},
        )
        return _view(p, changed=True)

    return in_write_transaction(engine, lambda s: with_hook(s, work(s), on_commit))


def expire_due(
    session: Session, now: datetime, actor: str, network_ids: list[str] | None = None
) -> list[int]:
    """Expire every pending proposal whose expiry has passed; returns their ids.

    With ``network_ids`` (a round's subtree) only proposals with a party among the
    subtree's coops are touched: a round never acts on another network."""
    stmt = select(ProposalRow).where(
        col(ProposalRow.status) == "pending", col(ProposalRow.expires_at) <= now
    )
    if network_ids is not None:
        coops = member_coops(network_ids)
        stmt = stmt.where(
            or_(
                col(ProposalRow.supply_coop_id).in_(coops),
                col(ProposalRow.demand_coop_id).in_(coops),
            )
        )
    rows = session.execute(stmt.order_by(col(ProposalRow.id))).scalars().all()
    for p in rows:
        p.status, p.closed_at = "expired", now
        session.add(p)
    session.flush()
    for p in rows:
        _free(session, p, now)
    if rows:
        append_event(
            session,
            now,
            actor,
            "proposal.expired",
            "proposal",
            "*",
            {"ids": [int(p.id or 0) for p in rows]},
        )
    return [int(p.id or 0) for p in rows]


def expire_proposals(
    engine: Engine, *, actor: str = "system", clock: UtcClock = system_clock
) -> list[int]:
    """Expire due proposals in their own transaction."""
    return in_write_transaction(engine, lambda s: expire_due(s, clock(), actor))


def _commitment_id(session: Session, p: ProposalRow) -> int | None:
    return session.execute(
        select(col(CommitmentRow.id)).where(col(CommitmentRow.proposal_id) == p.id)
    ).scalar_one_or_none()


def _commit(session: Session, p: ProposalRow, now: datetime, actor: str) -> int:
    """Both sides accepted: append the ledger entry and its terms, move the amounts."""
    rnd = session.get(RoundRow, p.round_id)
    if rnd is None:  # pragma: no cover - the foreign key forbids it
        raise InvalidStateError(f"proposal {p.id} has no round", "ข้อเสนอไม่มีรอบ")
    cid = session.execute(
        insert(CommitmentRow).returning(col(CommitmentRow.id)),
        {
            "proposal_id": p.id,
            "kind": p.kind,
            "supply_coop_id": p.supply_coop_id,
            "demand_coop_id": p.demand_coop_id,
            "unit": p.unit,
            "amount": p.amount,
            "business_date": rnd.business_date,
            "committed_at": now,
        },
    ).scalar_one()
    terms: dict[str, int | str | None]
    if p.kind == "sale":
        terms = book_sale(session, p, int(cid), now, actor)
    else:
        terms = _book_loan(session, p, int(cid), rnd.business_date)
    p.status, p.closed_at = "committed", now
    session.add(p)
    session.flush()
    apply_deltas(
        session,
        {p.supply_order_id: (-p.amount, p.amount), p.demand_order_id: (-p.amount, p.amount)},
        now,
    )
    append_event(
        session,
        now,
        actor,
        "proposal.committed",
        "proposal",
        str(p.id),
        {"commitment_id": int(cid), **terms},
    )
    return int(cid)


def _book_loan(
    session: Session, p: ProposalRow, cid: int, start: date
) -> dict[str, int | str | None]:
    """The loan's terms and repayment schedule (append-only)."""
    terms = session.get(ProposalLoanRow, p.id)
    need = session.get(LiquidityNeedRow, p.demand_order_id)
    if terms is None:
        raise InvalidStateError(f"proposal {p.id} has no loan terms", "ข้อเสนอไม่มีเงื่อนไขเงินกู้")
    repayment = need.repayment if need is not None else "bullet"
    n = need.instalments if need is not None else 1
    schedule = loan_schedule(p.amount, terms.rate_bps, start, terms.term_days, repayment, n)
    session.execute(
        insert(CommitmentLoanRow),
        {
            "commitment_id": cid,
            "rate_bps": terms.rate_bps,
            "term_days": terms.term_days,
            "interest_satang": sum(i.interest_satang for i in schedule),
            "start_date": start,
            "maturity_date": schedule[-1].due_date,
            "repayment": repayment,
        },
    )
    session.execute(
        insert(LoanInstalmentRow),
        [
            {
                "commitment_id": cid,
                "seq": i.seq,
                "due_date": i.due_date,
                "principal_satang": i.principal_satang,
                "interest_satang": i.interest_satang,
            }
            for i in schedule
        ],
    )
    return {
        "amount_satang": p.amount,
        "rate_bps": terms.rate_bps,
        "term_days": terms.term_days,
        "instalments": len(schedule),
        "interest_satang": sum(i.interest_satang for i in schedule),
    }
