"""Know-how matching on the database (การจับคู่ความรู้): teach and learn postings, the
know-how round, and its two-phase proposals.

A coop posts what it can teach (:func:`post_teach`: a topic of the maintained list,
learners per season) or wants to learn (:func:`post_learn`); the postings are checked by
the matcher's own input rules (:func:`matcher.knowhow.checks.check_problem`), one Thai /
English line per field, nothing written on a refusal.

The know-how round (:func:`run_knowhow_round`, round kind ``knowhow``), in one transaction
under the network's round lock: expire the subtree's pending proposals whose answer-by
passed, void the pending ones of an earlier version of the same day, read the subtree's
open learn requests that hold no pending or accepted proposal and its teach offers with
seats left, solve (:func:`matcher.knowhow.solver.solve_knowhow`, min-cost assignment by
topic, distance and capacity), and store one pending proposal per placement.

Two-phase, like a loan proposal: the learner and the mentor both accept
(:func:`accept_knowhow`) → *accepted* (the learn request is closed); one decline → *declined*
(the seat is free again, the request is matched again by a later round). Accepting twice
has no second effect; accepting a closed proposal is refused. A coop only sees the
proposals it is the learner or the mentor of: any other id is "not found".
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.tables import CoopRow, MembershipRow, RoundRow
from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.db.tx import in_write_transaction, network_lock, read_session
from api.services.clock import UtcClock, as_utc, system_clock
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.hooks import OnCommit, with_hook
from api.services.persist import code_version
from api.services.round.calendar import add_business_days, business_day_end
from api.services.round.service import authorize
from matcher.errors import InputError
from matcher.knowhow.model import KnowhowProblem, LearnRequest, TeachOffer

KIND = "knowhow"
ANSWER_DAYS = 5
"""Business days the learner and the mentor have to accept."""
HOLDS = ("pending", "accepted")
CLOSED = ("declined", "expired", "voided")


@dataclass(frozen=True)
class KnowhowView:
    """A know-how proposal as its learner or mentor sees it."""

    id: int
    status: str
    topic: str
    learner: str
    mentor: str
    distance_m: int
    expires_at: datetime
    accepted: tuple[str, ...]
    changed: bool = False


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


def post_teach(
    engine: Engine,
    coop_id: str,
    topic: str,
    capacity: int,
    *,
    lat_e5: int | None = None,
    lon_e5: int | None = None,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[str] | None = None,
) -> str:
    """Post what ``coop_id`` teaches; returns the posting's id.

    Raises:
        ServiceError: a field breaks a rule (named, Thai and English); nothing written.
    """
    return _post(engine, "teach", coop_id, topic, capacity, 0, lat_e5, lon_e5, actor, clock,
                 on_commit)  # fmt: skip


def post_learn(
    engine: Engine,
    coop_id: str,
    topic: str,
    *,
    max_distance_m: int = 100_000,
    lat_e5: int | None = None,
    lon_e5: int | None = None,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[str] | None = None,
) -> str:
    """Post what ``coop_id`` wants to learn; returns the posting's id.

    Raises:
        ServiceError: a field breaks a rule (named, Thai and English); nothing written.
    """
    return _post(engine, "learn", coop_id, topic, 1, max_distance_m, lat_e5, lon_e5, actor,
                 clock, on_commit)  # fmt: skip


def _post(
    engine: Engine,
    side: str,
    coop_id: str,
    topic: str,
    capacity: int,
    max_distance_m: int,
    lat_e5: int | None,
    lon_e5: int | None,
    actor: str,
    clock: UtcClock,
    on_commit: OnCommit[str] | None,
) -> str:
    def work(s: Session) -> str:
        coop = s.get(CoopRow, coop_id)
        if coop is None:
            raise NotFoundError(f"coop {coop_id!r} does not exist", f"ไม่พบสหกรณ์ {coop_id}")
        lat = lat_e5 if lat_e5 is not None else coop.lat_e5
        lon = lon_e5 if lon_e5 is not None else coop.lon_e5
        if lat is None or lon is None:
            raise ServiceError(
                "the posting has no location",
                "ไม่มีพิกัดที่ตั้ง",
                ["lat_e5: give the coordinates, the coop has none (ระบุพิกัด สหกรณ์ยังไม่มีพิกัด)"],
            )
        pid = f"{'kht' if side == 'teach' else 'khl'}_{uuid.uuid4().hex[:24]}"
        _check(side, pid, coop_id, topic, capacity, max_distance_m, lat, lon)
        now = clock()
        s.add(
            KnowhowPostingRow(
                id=pid, side=side, coop_id=coop_id, topic=topic, capacity=capacity,
                lat_e5=lat, lon_e5=lon, max_distance_m=max_distance_m or 100_000,
                status="open", created_at=now,
            )
        )  # fmt: skip
        s.flush()
        append_event(s, now, actor, f"knowhow.{side}", "knowhow_posting", pid,
                     {"coop": coop_id, "topic": topic, "capacity": capacity})  # fmt: skip
        return with_hook(s, pid, on_commit)

    return in_write_transaction(engine, work)


def _check(
    side: str, pid: str, coop: str, topic: str, capacity: int, reach: int, lat: int, lon: int
) -> None:
    """The matcher's input rules on this one posting; field names without the list index."""
    from matcher.knowhow.checks import check_problem

    if side == "teach":
        problem = KnowhowProblem((), (TeachOffer(pid, coop, topic, capacity, lat, lon),))
    else:
        problem = KnowhowProblem((LearnRequest(pid, coop, topic, lat, lon, reach),), ())
    try:
        check_problem(problem)
    except InputError as exc:
        lines = [str(i).replace("offers[0].", "").replace("requests[0].", "") for i in exc.issues]
        raise ServiceError(
            "the know-how posting is not valid", "ข้อมูลการสอน/การเรียนไม่ถูกต้อง", lines
        ) from exc


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
    with network_lock(engine, network_id):
        if not new_version:
            with read_session(engine) as s:
                existing = repo.latest_round(s, network_id, KIND, business_date)
            if existing is not None:
                return in_write_transaction(
                    engine, lambda s: with_hook(s, _outcome(s, existing, True), on_commit)
                )

        def work(s: Session) -> KnowhowRoundOutcome:
            now = clock()
            coops = _coops(s, network_id)
            expired = _expire(s, coops, now)
            prev = repo.latest_round(s, network_id, KIND, business_date)
            voided = _void_day(s, network_id, business_date, now)
            problem = _problem(s, coops)
            from matcher.knowhow.solver import solve_knowhow  # lazy: OR-Tools

            result = solve_knowhow(problem)
            rnd = _round(s, network_id, business_date, prev, result.solver, actor, now)
            rnd.solve_status = result.status.value
            rnd.order_count = len(problem.requests) + len(problem.offers)
            rnd.proposal_count = len(result.mentorships)
            rnd.objective_json = canonical_json(
                {"matched": result.matched, "requests": len(problem.requests),
                 "distance_m": result.distance_m}
            )  # fmt: skip
            rnd.notes_json = canonical_json(list(result.notes))
            expires = business_day_end(add_business_days(business_date, ANSWER_DAYS))
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
            out = _outcome(s, rnd, False, expired=expired, voided=voided)
            return with_hook(s, out, on_commit)

        return in_write_transaction(engine, work)


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


def _round(
    s: Session,
    network_id: str,
    day: date,
    prev: RoundRow | None,
    solver: str,
    actor: str,
    now: datetime,
) -> RoundRow:
    rnd = RoundRow(
        network_id=network_id, kind=KIND, business_date=day,
        version=1 if prev is None else prev.version + 1, status="completed",
        tier_cascade=network_id, input_hash="",
        params_json=canonical_json({"answer_days": ANSWER_DAYS}), solve_status="",
        solver=solver, objective_json="{}", notes_json="[]", order_count=0,
        proposal_count=0, load_ms=0, solve_ms=0, persist_ms=0,
        code_version=code_version(), created_by=actor, started_at=now, finished_at=now,
    )  # fmt: skip
    s.add(rnd)
    s.flush()
    return rnd


def _expire(s: Session, coops: list[str], now: datetime) -> int:
    rows = s.execute(
        select(KnowhowProposalRow).where(
            col(KnowhowProposalRow.status) == "pending",
            col(KnowhowProposalRow.learner_coop_id).in_(coops),
        )
    ).scalars()
    due = [p for p in rows if as_utc(p.expires_at) < now]
    for p in due:
        p.status, p.closed_at = "expired", now
        s.add(p)
    s.flush()
    return len(due)


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


def _load(s: Session, pid: int, coop_id: str) -> KnowhowProposalRow:
    p = s.get(KnowhowProposalRow, pid)
    if p is None or coop_id not in (p.learner_coop_id, p.mentor_coop_id):
        raise NotFoundError(f"know-how proposal {pid} not found", f"ไม่พบข้อเสนอ {pid}")
    return p


def _view(p: KnowhowProposalRow, changed: bool) -> KnowhowView:
    accepted = []
    if p.learner_accepted_at is not None:
        accepted.append(p.learner_coop_id)
    if p.mentor_accepted_at is not None:
        accepted.append(p.mentor_coop_id)
    return KnowhowView(
        int(p.id or 0), p.status, p.topic, p.learner_coop_id, p.mentor_coop_id, p.distance_m,
        as_utc(p.expires_at), tuple(sorted(accepted)), changed,
    )  # fmt: skip


def accept_knowhow(
    engine: Engine,
    proposal_id: int,
    coop_id: str,
    *,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[KnowhowView] | None = None,
) -> KnowhowView:
    """The learner or the mentor accepts; the second acceptance closes the learn request.

    Raises:
        NotFoundError: no such proposal, or ``coop_id`` is neither party.
        InvalidStateError: declined, expired, voided, or its answer-by passed.
    """

    def work(s: Session) -> KnowhowView:
        now = clock()
        p = _load(s, proposal_id, coop_id)
        is_learner = coop_id == p.learner_coop_id
        mine = p.learner_accepted_at if is_learner else p.mentor_accepted_at
        if p.status == "accepted" or (p.status == "pending" and mine is not None):
            return with_hook(s, _view(p, False), on_commit)
        if p.status in CLOSED or now > as_utc(p.expires_at):
            raise InvalidStateError(
                f"know-how proposal {proposal_id} is {p.status} or past its answer-by",
                f"ข้อเสนอ {proposal_id} ปิดแล้วหรือเลยกำหนดตอบรับ",
            )
        if is_learner:
            p.learner_accepted_at = now
        else:
            p.mentor_accepted_at = now
        if p.learner_accepted_at is not None and p.mentor_accepted_at is not None:
            p.status, p.closed_at = "accepted", now
            req = s.get(KnowhowPostingRow, p.request_id)
            if req is not None:
                req.status = "closed"
                s.add(req)
        s.add(p)
        s.flush()
        append_event(s, now, coop_id, "knowhow_proposal.accepted", "knowhow_proposal",
                     str(p.id), {"coop": coop_id, "status": p.status})  # fmt: skip
        return with_hook(s, _view(p, True), on_commit)

    return in_write_transaction(engine, work)


def decline_knowhow(
    engine: Engine,
    proposal_id: int,
    coop_id: str,
    *,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[KnowhowView] | None = None,
) -> KnowhowView:
    """The learner or the mentor declines a pending proposal (the seat is free again).

    Raises:
        NotFoundError: no such proposal, or ``coop_id`` is neither party.
        InvalidStateError: it was already accepted by both.
    """

    def work(s: Session) -> KnowhowView:
        now = clock()
        p = _load(s, proposal_id, coop_id)
        if p.status in CLOSED:
            return with_hook(s, _view(p, False), on_commit)
        if p.status == "accepted":
            raise InvalidStateError(
                f"know-how proposal {proposal_id} was accepted by both",
                f"ข้อเสนอ {proposal_id} ได้รับการตอบรับจากทั้งสองฝ่ายแล้ว",
            )
        p.status, p.closed_at = "declined", now
        s.add(p)
        s.flush()
        append_event(s, now, coop_id, "knowhow_proposal.declined", "knowhow_proposal",
                     str(p.id), {"coop": coop_id})  # fmt: skip
        return with_hook(s, _view(p, True), on_commit)

    return in_write_transaction(engine, work)


def knowhow_of_coop(engine: Engine, coop_id: str) -> list[KnowhowView]:
    """The proposals ``coop_id`` is the learner or the mentor of, newest first."""
    with read_session(engine) as s:
        rows = s.execute(
            select(KnowhowProposalRow)
            .where(
                (col(KnowhowProposalRow.learner_coop_id) == coop_id)
                | (col(KnowhowProposalRow.mentor_coop_id) == coop_id)
            )
            .order_by(col(KnowhowProposalRow.id).desc())
        ).scalars()
        return [_view(p, False) for p in rows]


def knowhow_proposal_of_coop(engine: Engine, proposal_id: int, coop_id: str) -> KnowhowView:
    """One proposal ``coop_id`` is a party to.

    Raises:
        NotFoundError: no such proposal, or ``coop_id`` is neither party.
    """
    with read_session(engine) as s:
        return _view(_load(s, proposal_id, coop_id), False)
