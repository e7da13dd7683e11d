"""The joint fund's start-up capital round (round kind ``startup``).

Under the network's round lock and in one transaction: expire the subtree's proposals
whose answer-by passed, then propose a loan from the fund's
account offer to each open start-up need of the subtree (:mod:`api.services.startup_capital`
draws the terms and the posting rules), most urgent first, at the policy's rate and the
need's term, as much as the need, the coop's remaining limit and the fund's free balance
allow; a need it cannot serve gets a note (Thai and English). The proposals are ordinary
loan proposals (``proposal`` + ``proposal_loan``): both sides accept through
:mod:`api.services.proposals`. Without ``new_version`` a second call on the same date
returns the stored round; with it, the day's earlier proposals neither side accepted are
voided and proposed afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.bulk import allocate_ids
from api.db.mapping import loan_proposal_rows
from api.db.orders import apply_deltas
from api.db.tables import (
    LiquidityNeedRow,
    MembershipRow,
    NetworkRow,
    OrderRow,
    ProposalLoanRow,
    ProposalRow,
    RoundRow,
)
from api.db.tables_startup import StartupNeedRow
from api.services.clock import UtcClock, system_clock
from api.services.hooks import OnCommit
from api.services.loans import quoted_interest
from api.services.proposals import expire_due
from api.services.round.policy import answer_by
from api.services.round.service import authorize
from api.services.round.stored import new_round_row, run_kind_round
from api.services.startup_capital import fund_terms, held_by
from matcher.domain import NetworkLevel
from matcher.liquidity.model import LoanProposal

KIND = "startup"
ANSWER_DAYS = 5
"""Business days the fund and the coop have to accept a start-up loan proposal when the
network policy sets no ``proposal_ttl_business_days``."""


@dataclass(frozen=True)
class StartupRoundOutcome:
    """What a start-up capital round stored (or found stored, ``reused``)."""

    round_id: int
    version: int
    reused: bool
    proposal_ids: tuple[int, ...]
    lent_satang: int
    notes: tuple[str, ...]


def run_startup_round(
    engine: Engine,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    new_version: bool = False,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[StartupRoundOutcome] | None = None,
) -> StartupRoundOutcome:
    """Run (or return the stored) start-up capital round of ``network_id`` on the date.

    Raises:
        NotFoundError / ForbiddenError: unknown network, or ``actor`` does not coordinate it.
    """
    authorize(engine, actor, network_id)

    def work(s: Session) -> StartupRoundOutcome:
        now = clock()
        # proposals past their answer-by free the fund and the coop's limit first
        expire_due(s, now, actor, [n.id for n in repo.subtree(s, network_id)])
        prev = repo.latest_round(s, network_id, KIND, business_date)
        _void_day(s, network_id, business_date, now)
        expires = answer_by(s, network_id, business_date, ANSWER_DAYS)
        rnd = new_round_row(
            s, network_id=network_id, kind=KIND, day=business_date, prev=prev,
            solver="startup-fund", params={"answer_by": expires.isoformat()}, actor=actor,
            now=now,
        )  # fmt: skip
        notes = _propose(s, network_id, rnd, business_date, now, expires)
        rnd.notes_json = canonical_json(notes)
        s.add(rnd)
        s.flush()
        append_event(
            s, now, actor, "startup_round.run", "round", str(rnd.id),
            {"network": network_id, "date": business_date.isoformat()},
        )  # fmt: skip
        return _outcome(s, rnd, False)

    return run_kind_round(
        engine,
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        new_version=new_version,
        stored=lambda s, existing: _outcome(s, existing, True),
        work=work,
        on_commit=on_commit,
    )


def _void_day(s: Session, network_id: str, day: date, now: datetime) -> None:
    """A new version: void the day's earlier start-up proposals neither side has accepted,
    freeing what they reserved (an accepted side keeps its proposal)."""
    rounds = select(col(RoundRow.id)).where(
        col(RoundRow.network_id) == network_id,
        col(RoundRow.kind) == KIND,
        col(RoundRow.business_date) == day,
    )
    rows = list(
        s.execute(
            select(ProposalRow)
            .where(
                col(ProposalRow.round_id).in_(rounds),
                col(ProposalRow.status) == "pending",
                col(ProposalRow.supply_accepted_at).is_(None),
                col(ProposalRow.demand_accepted_at).is_(None),
            )
            .order_by(col(ProposalRow.id))
        ).scalars()
    )
    deltas: dict[str, tuple[int, int]] = {}
    for p in rows:
        p.status, p.closed_at = "voided", now
        s.add(p)
        for oid in (p.supply_order_id, p.demand_order_id):
            deltas[oid] = (deltas.get(oid, (0, 0))[0] - p.amount, 0)
    s.flush()
    apply_deltas(s, deltas, now)


def _open_needs(s: Session, network_id: str) -> list[tuple[OrderRow, LiquidityNeedRow, str]]:
    """The subtree's open start-up needs with their free amount, most urgent first."""
    nets = [n.id for n in repo.subtree(s, network_id)]
    rows = s.execute(
        select(OrderRow, LiquidityNeedRow, col(MembershipRow.network_id))
        .join(LiquidityNeedRow, col(LiquidityNeedRow.order_id) == col(OrderRow.id))
        .join(StartupNeedRow, col(StartupNeedRow.order_id) == col(OrderRow.id))
        .join(MembershipRow, col(MembershipRow.coop_id) == col(OrderRow.coop_id))
        .where(
            col(MembershipRow.network_id).in_(nets),
            col(OrderRow.status).in_(("open", "reserved")),
        )
        .order_by(col(LiquidityNeedRow.urgency).desc(), col(OrderRow.created_at), col(OrderRow.id))
    ).all()
    return [(o, d, str(h)) for o, d, h in rows if o.amount - o.reserved - o.committed > 0]


def _propose(
    s: Session, network_id: str, rnd: RoundRow, day: date, now: datetime, expires: datetime
) -> list[str]:
    """Loan proposals from the fund to the open start-up needs, answered by ``expires``;
    returns the round's notes."""
    notes: list[str] = []
    deltas: dict[str, tuple[int, int]] = {}
    free: dict[str, int] = {}
    ids: list[int] = []
    lent = 0
    for order, detail, home in _open_needs(s, network_id):
        found = fund_terms(s, home)
        t = found.terms if found is not None else None
        if found is None or t is None or not t.enabled:
            notes.append(f"{order.id}: no start-up capital under the policy (ไม่มีทุนเริ่มต้นตามนโยบาย)")
            continue
        acct = s.get(OrderRow, found.fund.account_id)
        if acct is None or acct.status in ("cancelled", "expired"):
            notes.append(f"{order.id}: the joint fund has no open account (กองทุนร่วมไม่มีบัญชีเปิด)")
            continue
        if acct.id not in free:
            free[acct.id] = acct.amount - acct.reserved - acct.committed
        room = t.max_per_coop_satang - held_by(s, order.coop_id) - deltas.get(order.id, (0, 0))[0]
        want = order.amount - order.reserved - order.committed
        amount = min(want, room, free[acct.id])
        if detail.term_days > t.max_term_days or detail.max_rate_bps < t.rate_bps:
            notes.append(
                f"{order.id}: outside the policy's term or rate now (นอกเงื่อนไขนโยบายปัจจุบัน)"
            )
            continue
        if amount <= 0 or amount < detail.min_amount_satang:
            notes.append(
                f"{order.id}: the fund or the coop's start-up limit has too little room "
                "(กองทุนหรือวงเงินทุนเริ่มต้นของสหกรณ์ไม่พอ)"
            )
            continue
        fund_net = s.get(NetworkRow, found.network_id)
        tier = NetworkLevel(fund_net.level).name.lower() if fund_net else "national"
        p = LoanProposal(
            acct.id, order.id, acct.coop_id, order.coop_id, amount, t.rate_bps,
            detail.term_days, tier, network_id, 0,
        )  # fmt: skip
        interest = quoted_interest(p, day, (detail.repayment, detail.instalments))
        head, loan = loan_proposal_rows(p, int(rnd.id or 0), now, expires, interest)
        row = ProposalRow(id=allocate_ids(s, "proposal", 1)[0], **head)
        s.add(row)
        s.flush()
        s.add(ProposalLoanRow(proposal_id=int(row.id or 0), **loan))
        ids.append(int(row.id or 0))
        free[acct.id] -= amount
        lent += amount
        deltas[order.id] = (amount, 0)
        deltas[acct.id] = (deltas.get(acct.id, (0, 0))[0] + amount, 0)
    apply_deltas(s, deltas, now)
    rnd.proposal_count, rnd.order_count = len(ids), len(deltas)
    rnd.objective_json = canonical_json({"lent_satang": lent})
    return notes


def _outcome(s: Session, rnd: RoundRow, reused: bool) -> StartupRoundOutcome:
    pids = s.execute(
        select(col(ProposalRow.id))
        .where(col(ProposalRow.round_id) == rnd.id)
        .order_by(col(ProposalRow.id))
    ).scalars()
    return StartupRoundOutcome(
        round_id=int(rnd.id or 0),
        version=rnd.version,
        reused=reused,
        proposal_ids=tuple(int(p) for p in pids),
        lent_satang=int(json.loads(rnd.objective_json).get("lent_satang", 0)),
        notes=tuple(json.loads(rnd.notes_json)),
    )
