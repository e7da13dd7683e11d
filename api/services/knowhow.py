"""Know-how matching on the database (การจับคู่ความรู้): teach and learn postings, the
know-how round, and its two-phase proposals.

A coop posts what it can teach (:func:`post_teach`: a topic of the maintained list,
learners per season) or wants to learn (:func:`post_learn`), at the point it names, else its
own coordinates, else its district's point; the postings are checked by
the matcher's own input rules (:func:`matcher.knowhow.checks.check_problem`), one Thai /
English line per field, nothing written on a refusal.

The know-how round (:mod:`api.services.knowhow_round`, round kind ``knowhow``) stores one
pending proposal per placement; it expires at the end (Asia/Bangkok) of the network
policy's ``proposal_ttl_business_days``-th business day after the round's date, and every
round of the subtree (the daily round's sweep, the know-how round) expires those past it
(:func:`expire_knowhow`).

Two-phase, like a loan proposal: the learner and the mentor both accept
(:func:`accept_knowhow`) → *accepted* (the learn request is closed); one decline → *declined*
(the seat is free again, the request is matched again by a later round). Accepting twice
has no second effect; accepting a closed proposal is refused. A coop only sees the
proposals it is the learner or the mentor of: any other id is "not found".

A coop withdraws its own open posting (:func:`withdraw_posting`: *open* → *withdrawn*, no
later round reads it); the pending proposals that hold it are voided, in one audited
transaction. Another coop's posting is "not found"; withdrawing twice has no second effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.repo import member_coops, subtree
from api.db.tables import CoopRow
from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.db.tx import in_write_transaction, read_session
from api.services.clock import UtcClock, as_utc, system_clock
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.hooks import OnCommit, with_hook
from api.services.order_ids import new_order_id
from matcher.errors import InputError
from matcher.knowhow.model import KnowhowProblem, LearnRequest, TeachOffer

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
class WithdrawnPosting:
    """A posting its coop withdrew, and the pending proposals that withdrawal voided."""

    id: str
    status: str
    voided: tuple[int, ...]
    changed: bool


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
        pid = add_posting(s, side, coop_id, topic, capacity, max_distance_m, lat_e5, lon_e5,
                          actor=actor, now=clock())  # fmt: skip
        return with_hook(s, pid, on_commit)

    return in_write_transaction(engine, work)


def add_posting(
    s: Session,
    side: str,
    coop_id: str,
    topic: str,
    capacity: int,
    max_distance_m: int,
    lat_e5: int | None,
    lon_e5: int | None,
    *,
    actor: str,
    now: datetime,
) -> str:
    """Store a ``teach`` or ``learn`` posting in the caller's transaction (audited); its id.

    Raises:
        NotFoundError: no such coop.
        ServiceError: no location, or a field breaks a rule (named, Thai and English).
    """
    coop = s.get(CoopRow, coop_id)
    if coop is None:
        raise NotFoundError(f"coop {coop_id!r} does not exist", f"ไม่พบสหกรณ์ {coop_id}")
    home = home_point(coop)
    lat = lat_e5 if lat_e5 is not None else home[0]
    lon = lon_e5 if lon_e5 is not None else home[1]
    if lat is None or lon is None:
        raise ServiceError(
            "the posting has no location",
            "ไม่มีพิกัดที่ตั้ง",
            ["lat_e5: give the coordinates, the coop has none (ระบุพิกัด สหกรณ์ยังไม่มีพิกัด)"],
        )
    pid = new_order_id("kht" if side == "teach" else "khl")
    _check(side, pid, coop_id, topic, capacity, max_distance_m, lat, lon)
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
    return pid


def home_point(coop: CoopRow) -> tuple[int | None, int | None]:
    """The coop's own coordinates, else its district's point (as the daily round does)."""
    if coop.lat_e5 is not None and coop.lon_e5 is not None:
        return coop.lat_e5, coop.lon_e5
    from scenarios.sim.loader import districts

    d = districts().get(coop.district_code or "")
    return (d.lat_e5, d.lon_e5) if d is not None else (None, None)


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


def expire_knowhow(session: Session, network_ids: list[str], now: datetime, actor: str) -> int:
    """Expire the pending know-how proposals whose answer-by passed and whose learner or
    mentor is a member of ``network_ids`` (a round's subtree: never another network's)."""
    coops = member_coops(network_ids)
    rows = session.execute(
        select(KnowhowProposalRow)
        .where(
            col(KnowhowProposalRow.status) == "pending",
            col(KnowhowProposalRow.learner_coop_id).in_(coops)
            | col(KnowhowProposalRow.mentor_coop_id).in_(coops),
        )
        .order_by(col(KnowhowProposalRow.id))
    ).scalars()
    due = [p for p in rows if as_utc(p.expires_at) < now]
    for p in due:
        p.status, p.closed_at = "expired", now
        session.add(p)
    session.flush()
    if due:
        append_event(session, now, actor, "knowhow_proposal.expired", "knowhow_proposal", "*",
                     {"ids": [int(p.id or 0) for p in due]})  # fmt: skip
    return len(due)


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


def withdraw_posting(
    engine: Engine,
    posting_id: str,
    coop_id: str,
    *,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[WithdrawnPosting] | None = None,
) -> WithdrawnPosting:
    """``coop_id`` withdraws its own open teach offer or learn request; the pending
    proposals that hold it are voided (audited). A second withdrawal changes nothing.

    Raises:
        NotFoundError: no such posting, or it is another coop's.
        InvalidStateError: the posting is closed (its learner was placed).
    """

    def work(s: Session) -> WithdrawnPosting:
        now = clock()
        p = s.get(KnowhowPostingRow, posting_id)
        if p is None or p.coop_id != coop_id:
            raise NotFoundError(
                f"know-how posting {posting_id!r} not found", f"ไม่พบประกาศ {posting_id}"
            )
        if p.status == "withdrawn":
            return with_hook(s, WithdrawnPosting(p.id, p.status, (), False), on_commit)
        if p.status != "open":
            raise InvalidStateError(
                f"know-how posting {posting_id!r} is {p.status}",
                f"ประกาศ {posting_id} ปิดแล้ว ถอนไม่ได้",
            )
        pending = list(
            s.execute(
                select(KnowhowProposalRow)
                .where(
                    col(KnowhowProposalRow.status) == "pending",
                    (col(KnowhowProposalRow.request_id) == p.id)
                    | (col(KnowhowProposalRow.offer_id) == p.id),
                )
                .order_by(col(KnowhowProposalRow.id))
            ).scalars()
        )
        for k in pending:
            k.status, k.closed_at = "voided", now
            s.add(k)
        p.status = "withdrawn"
        s.add(p)
        s.flush()
        voided = tuple(int(k.id or 0) for k in pending)
        append_event(s, now, actor, "knowhow_posting.withdrawn", "knowhow_posting", p.id,
                     {"coop": coop_id, "voided": list(voided)})  # fmt: skip
        return with_hook(s, WithdrawnPosting(p.id, p.status, voided, True), on_commit)

    return in_write_transaction(engine, work)


def knowhow_of_network(engine: Engine, network_id: str) -> list[KnowhowView]:
    """The proposals whose learner or mentor is a coop of ``network_id``'s subtree, newest
    first (the caller has checked that the coordinator sees the network)."""
    with read_session(engine) as s:
        coops = member_coops([n.id for n in subtree(s, network_id)])
        rows = s.execute(
            select(KnowhowProposalRow)
            .where(
                col(KnowhowProposalRow.learner_coop_id).in_(coops)
                | col(KnowhowProposalRow.mentor_coop_id).in_(coops)
            )
            .order_by(col(KnowhowProposalRow.id).desc())
        ).scalars()
        return [_view(p, False) for p in rows]
