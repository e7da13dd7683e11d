"""The know-how round (round kind ``knowhow``): learners placed with mentors.

In one transaction under the network's round lock: expire the subtree's pending know-how
proposals whose answer-by passed (:func:`api.services.knowhow.expire_knowhow`, as the daily
round's sweep does), void the pending ones of an earlier version of the same
day, read the subtree's open learn requests that hold no pending or accepted proposal and
its teach offers with the seats they have left, solve
(:func:`matcher.knowhow.solver.solve_knowhow`: min-cost assignment by topic, distance and
capacity), and store one pending proposal per placement, to be answered by the end of the
policy's proposal lifetime in business days (:func:`api.services.round.policy.answer_by`)
through :mod:`api.services.knowhow` (two-phase). Without ``new_version`` a second call on the same
date returns the stored round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.tables import MembershipRow, RoundRow
from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.services.clock import UtcClock, system_clock
from api.services.hooks import OnCommit
from api.services.knowhow import HOLDS, expire_knowhow
from api.services.round.policy import answer_by
from api.services.round.service import authorize
from api.services.round.stored import new_round_row, run_kind_round
from matcher.knowhow.model import KnowhowProblem, LearnRequest, TeachOffer

KIND = "knowhow"
ANSWER_DAYS = 5
"""Business days the learner and the mentor have to accept when the network policy sets no
``proposal_ttl_business_days``."""


@dataclass(frozen=True)
class KnowhowRoundOutcome:
    """What a know-how round stored (or found stored, ``reused``)."""

    round_id: int
    version: int
    reused: bool
    proposal_ids: tuple[int, ...]
    matched: int
    requests: int
    expired: int = 0
    voided: int = 0


def run_knowhow_round(
    engine: Engine,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    new_version: bool = False,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[KnowhowRoundOutcome] | None = None,
) -> KnowhowRoundOutcome:
    """Run (or return the stored) know-how round of ``network_id`` on the date.

    Raises:
        NotFoundError / ForbiddenError: unknown network, or ``actor`` does not coordinate it.
    """
    authorize(engine, actor, network_id)

    def work(s: Session) -> KnowhowRoundOutcome:
        now = clock()
        coops = _coops(s, network_id)
        expired = expire_knowhow(s, [n.id for n in repo.subtree(s, network_id)], now, actor)
        prev = repo.latest_round(s, network_id, KIND, business_date)
        voided = _void_day(s, network_id, business_date, now)
        problem = _problem(s, coops)
        from matcher.knowhow.solver import solve_knowhow  # lazy: OR-Tools

        result = solve_knowhow(problem)
        expires = answer_by(s, network_id, business_date, ANSWER_DAYS)
        rnd = new_round_row(
            s, network_id=network_id, kind=KIND, day=business_date, prev=prev,
            solver=result.solver, params={"answer_by": expires.isoformat()}, actor=actor,
            now=now,
        )  # fmt: skip
        rnd.solve_status = result.status.value
        rnd.order_count = len(problem.requests) + len(problem.offers)
        rnd.proposal_count = len(result.mentorships)
        rnd.objective_json = canonical_json(
            {"matched": result.matched, "requests": len(problem.requests),
             "distance_m": result.distance_m}
        )  # fmt: skip
        rnd.notes_json = canonical_json(list(result.notes))
        for m in result.mentorships:
            s.add(
                KnowhowProposalRow(
                    round_id=int(rnd.id or 0), network_id=network_id,
                    request_id=m.request_id, offer_id=m.offer_id,
                    learner_coop_id=m.learner, mentor_coop_id=m.mentor, topic=m.topic,
                    distance_m=m.distance_m, status="pending", created_at=now,
                    expires_at=expires,
                )
            )  # fmt: skip
        s.add(rnd)
        s.flush()
        append_event(s, now, actor, "knowhow_round.run", "round", str(rnd.id),
                     {"network": network_id, "date": business_date.isoformat(),
                      "matched": result.matched})  # fmt: skip
        return _outcome(s, rnd, False, expired=expired, voided=voided)

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


def _coops(s: Session, network_id: str) -> list[str]:
    nets = [n.id for n in repo.subtree(s, network_id)]
    rows = s.execute(
        select(col(MembershipRow.coop_id)).where(col(MembershipRow.network_id).in_(nets))
    ).scalars()
    return sorted(set(rows))


def _problem(s: Session, coops: list[str]) -> KnowhowProblem:
    """Open requests holding no proposal; teach offers with the seats they have left."""
    postings = s.execute(
        select(KnowhowPostingRow)
        .where(col(KnowhowPostingRow.coop_id).in_(coops), col(KnowhowPostingRow.status) == "open")
        .order_by(col(KnowhowPostingRow.id))
    ).scalars()
    held_req = set(
        s.execute(
            select(col(KnowhowProposalRow.request_id)).where(
                col(KnowhowProposalRow.status).in_(HOLDS)
            )
        ).scalars()
    )
    seats = dict(
        s.execute(
            select(col(KnowhowProposalRow.offer_id), func.count())
            .where(col(KnowhowProposalRow.status).in_(HOLDS))
            .group_by(col(KnowhowProposalRow.offer_id))
        ).all()
    )
    requests, offers = [], []
    for p in postings:
        if p.side == "learn" and p.id not in held_req:
            requests.append(
                LearnRequest(p.id, p.coop_id, p.topic, p.lat_e5, p.lon_e5, p.max_distance_m)
            )
        elif p.side == "teach" and p.capacity - int(seats.get(p.id, 0)) > 0:
            left = p.capacity - int(seats.get(p.id, 0))
            offers.append(TeachOffer(p.id, p.coop_id, p.topic, left, p.lat_e5, p.lon_e5))
    return KnowhowProblem(tuple(requests), tuple(offers))


def _void_day(s: Session, network_id: str, day: date, now: datetime) -> int:
    rounds = select(col(RoundRow.id)).where(
        col(RoundRow.network_id) == network_id,
        col(RoundRow.kind) == KIND,
        col(RoundRow.business_date) == day,
    )
    rows = list(
        s.execute(
            select(KnowhowProposalRow).where(
                col(KnowhowProposalRow.round_id).in_(rounds),
                col(KnowhowProposalRow.status) == "pending",
            )
        ).scalars()
    )
    for p in rows:
        p.status, p.closed_at = "voided", now
        s.add(p)
    s.flush()
    return len(rows)


def _outcome(
    s: Session, rnd: RoundRow, reused: bool, *, expired: int = 0, voided: int = 0
) -> KnowhowRoundOutcome:
    ids = s.execute(
        select(col(KnowhowProposalRow.id))
        .where(col(KnowhowProposalRow.round_id) == rnd.id)
        .order_by(col(KnowhowProposalRow.id))
    ).scalars()
    obj = json.loads(rnd.objective_json)
    return KnowhowRoundOutcome(
        round_id=int(rnd.id or 0),
        version=rnd.version,
        reused=reused,
        proposal_ids=tuple(int(i) for i in ids),
        matched=int(obj.get("matched", 0)),
        requests=int(obj.get("requests", 0)),
        expired=expired,
        voided=voided,
    )
