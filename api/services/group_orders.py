"""Group orders of the joint-purchase round: two-phase acceptance, expiry and voiding.

A group order's state machine (two-phase, like a proposal)::

    pending ──every member coop and the supplier accepted──▶ placed
              (needs and volume committed; each member's debt to the supplier, goods share
               plus delivery, becomes an ``obligation`` order due on the delivery date,
               which the set-off round sees)
    pending ──any member or the supplier declines──▶ declined  (reservations freed)
    pending ──commit-by passes (swept by the next round)──▶ expired (reservations freed)
    pending ──a new round version of the same day──▶ voided     (reservations freed)
    pending ──a need or the offer was cancelled or expired, at the last acceptance──▶ voided

The group's price depends on its whole volume, so the order is placed only when the group
commitment is complete; one refusal ends it (its members are proposed again by a later
round). Accepting twice, or declining a closed order again, has no second effect;
accepting a closed order is refused and changes nothing. A coop only sees the group orders
it is in (as a buyer or as the supplier): any other id is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event
from api.db.mapping import OBLIGATION
from api.db.orders import apply_deltas
from api.db.tables import ObligationRow, OrderRow, RoundRow
from api.db.tables_purchase import JointOrderMemberRow, JointOrderRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, as_utc, system_clock
from api.services.errors import InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook

CLOSED = ("declined", "expired", "voided")


@dataclass(frozen=True)
class JointOrderView:
    """A group order's state after a call; ``changed`` is False when the call was a no-op."""

    id: int
    status: str
    accepted: tuple[str, ...]
    """Coops that have accepted (buyers and the supplier), sorted."""
    waiting: tuple[str, ...]
    """Coops whose answer is still missing, sorted."""
    obligation_ids: tuple[str, ...]
    obligations: tuple[tuple[str, str], ...]
    """(debtor coop, obligation order id) of each placed line."""
    changed: bool


def accept_joint_order(
    engine: Engine,
    joint_order_id: int,
    coop_id: str,
    *,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[JointOrderView] | None = None,
) -> JointOrderView:
    """``coop_id`` (a member buyer or the supplier) accepts; the last acceptance places it.

    Raises:
        NotFoundError: no such order, or ``coop_id`` is not in it.
        InvalidStateError: the order is declined, expired or voided, or its commit-by passed.
    """

    def work(s: Session) -> JointOrderView:
        now = clock()
        jo, members = _load(s, joint_order_id, coop_id)
        if jo.status == "placed":
            return with_hook(s, _view(s, jo, members, changed=False), on_commit)
        if jo.status in CLOSED or now > as_utc(jo.commit_by):
            raise InvalidStateError(
                f"group order {joint_order_id} can no longer be accepted ({jo.status})",
                f"ไม่สามารถยืนยันคำสั่งซื้อร่วม {joint_order_id} ได้แล้ว",
            )
        changed = False
        if coop_id == jo.supplier_coop_id and jo.supplier_accepted_at is None:
            jo.supplier_accepted_at = now
            changed = True
        for m in members:
            if m.coop_id == coop_id and m.accepted_at is None:
                m.accepted_at = now
                changed = True
        s.add(jo)
        for m in members:
            s.add(m)
        s.flush()
        if changed:
            append_event(s, now, coop_id, "joint_order.accepted", "joint_order", str(jo.id), {})
        if jo.supplier_accepted_at is not None and all(m.accepted_at for m in members):
            if _ended(s, jo, members):  # a need or the offer was cancelled or expired since
                _close(s, jo, members, "voided", now)
                append_event(s, now, coop_id, "joint_order.voided", "joint_order", str(jo.id), {})
            else:
                _place(s, jo, members, now, coop_id)
        return with_hook(s, _view(s, jo, members, changed=changed), on_commit)

    return in_write_transaction(engine, work)


def decline_joint_order(
    engine: Engine,
    joint_order_id: int,
    coop_id: str,
    *,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[JointOrderView] | None = None,
) -> JointOrderView:
    """``coop_id`` declines: the whole group order ends and its reservations are freed.

    Raises:
        NotFoundError: no such order, or ``coop_id`` is not in it.
        InvalidStateError: the order was placed already.
    """

    def work(s: Session) -> JointOrderView:
        now = clock()
        jo, members = _load(s, joint_order_id, coop_id)
        if jo.status in CLOSED:
            return with_hook(s, _view(s, jo, members, changed=False), on_commit)
        if jo.status == "placed":
            raise InvalidStateError(
                f"group order {joint_order_id} is placed and cannot be declined",
                f"คำสั่งซื้อร่วม {joint_order_id} สั่งซื้อไปแล้ว ปฏิเสธไม่ได้",
            )
        for m in members:
            if m.coop_id == coop_id:
                m.declined_at = now
                s.add(m)
        _close(s, jo, members, "declined", now)
        append_event(s, now, coop_id, "joint_order.declined", "joint_order", str(jo.id), {})
        return with_hook(s, _view(s, jo, members, changed=True), on_commit)

    return in_write_transaction(engine, work)


def sweep_joint_orders(
    engine: Engine, network_id: str, *, actor: str = "system", clock: UtcClock = system_clock
) -> int:
    """Expire the subtree's pending group orders whose commit-by passed; returns how many."""

    def work(s: Session) -> int:
        return expire_due(s, [n.id for n in repo.subtree(s, network_id)], clock(), actor)

    return in_write_transaction(engine, work)


def expire_due(s: Session, network_ids: list[str], now: datetime, actor: str) -> int:
    """Expire the pending group orders of ``network_ids`` whose commit-by passed."""
    rows = s.execute(
        select(JointOrderRow)
        .where(
            col(JointOrderRow.network_id).in_(network_ids),
            col(JointOrderRow.status) == "pending",
        )
        .order_by(col(JointOrderRow.id))
    ).scalars()
    due = [jo for jo in rows if as_utc(jo.commit_by) < now]
    for jo in due:
        _close(s, jo, _members(s, int(jo.id or 0)), "expired", now)
    if due:
        append_event(
            s, now, actor, "joint_order.expired", "joint_order", "*", {"ids": [j.id for j in due]}
        )
    return len(due)


def void_day(s: Session, network_id: str, kind: str, day: date, now: datetime, actor: str) -> int:
    """Void the pending group orders of the network's ``kind`` rounds on ``day``."""
    rounds = select(col(RoundRow.id)).where(
        col(RoundRow.network_id) == network_id,
        col(RoundRow.kind) == kind,
        col(RoundRow.business_date) == day,
    )
    rows = list(
        s.execute(
            select(JointOrderRow)
            .where(col(JointOrderRow.round_id).in_(rounds), col(JointOrderRow.status) == "pending")
            .order_by(col(JointOrderRow.id))
        ).scalars()
    )
    for jo in rows:
        _close(s, jo, _members(s, int(jo.id or 0)), "voided", now)
    if rows:
        append_event(
            s, now, actor, "joint_order.voided", "joint_order", "*", {"ids": [j.id for j in rows]}
        )
    return len(rows)


def _ended(s: Session, jo: JointOrderRow, members: list[JointOrderMemberRow]) -> bool:
    """A need or the offer of the group order was cancelled or expired."""
    ids = [jo.offer_order_id, *(m.need_order_id for m in members)]
    ended = s.execute(
        select(col(OrderRow.id)).where(
            col(OrderRow.id).in_(ids), col(OrderRow.status).in_(("cancelled", "expired"))
        )
    ).first()
    return ended is not None


def _members(s: Session, jid: int) -> list[JointOrderMemberRow]:
    return list(
        s.execute(
            select(JointOrderMemberRow)
            .where(col(JointOrderMemberRow.joint_order_id) == jid)
            .order_by(col(JointOrderMemberRow.need_order_id))
        ).scalars()
    )


def _load(s: Session, jid: int, coop_id: str) -> tuple[JointOrderRow, list[JointOrderMemberRow]]:
    """The group order if ``coop_id`` is in it; any other case reads as not found."""
    jo = s.get(JointOrderRow, jid)
    members = _members(s, jid) if jo is not None else []
    if jo is None or coop_id not in {jo.supplier_coop_id, *(m.coop_id for m in members)}:
        raise NotFoundError(f"group order {jid} not found", f"ไม่พบคำสั่งซื้อร่วม {jid}")
    return jo, members


def _close(
    s: Session, jo: JointOrderRow, members: list[JointOrderMemberRow], status: str, now: datetime
) -> None:
    """End a pending group order and free what it reserved."""
    jo.status = status
    jo.closed_at = now
    s.add(jo)
    deltas = {m.need_order_id: (-m.quantity, 0) for m in members}
    deltas[jo.offer_order_id] = (-jo.volume, 0)
    apply_deltas(s, deltas, now)
    s.flush()


def _place(
    s: Session, jo: JointOrderRow, members: list[JointOrderMemberRow], now: datetime, actor: str
) -> None:
    """Commit the reservations and book each member's debt to the supplier."""
    jo.status = "placed"
    jo.closed_at = now
    s.add(jo)
    deltas = {m.need_order_id: (-m.quantity, m.quantity) for m in members}
    deltas[jo.offer_order_id] = (-jo.volume, jo.volume)
    apply_deltas(s, deltas, now)
    heads, details = [], []
    for k, m in enumerate(members):
        oid = f"JPO-{jo.id}-{k + 1}"
        m.obligation_order_id = oid
        s.add(m)
        heads.append(
            {
                "id": oid,
                "kind": OBLIGATION.kind,
                "coop_id": m.coop_id,
                "unit": OBLIGATION.unit,
                "amount": m.pays_satang,
                "reserved": 0,
                "committed": 0,
                "status": "open",
                "valid_until": None,
                "arrival": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        details.append(
            {"order_id": oid, "creditor_coop_id": jo.supplier_coop_id, "due_date": jo.delivery_date}
        )
    s.execute(insert(OrderRow), heads)
    s.execute(insert(ObligationRow), details)
    s.flush()
    append_event(
        s,
        now,
        actor,
        "joint_order.placed",
        "joint_order",
        str(jo.id),
        {"obligations": [h["id"] for h in heads], "volume": jo.volume},
    )


def _view(
    s: Session, jo: JointOrderRow, members: list[JointOrderMemberRow], *, changed: bool
) -> JointOrderView:
    accepted = {m.coop_id for m in members if m.accepted_at is not None}
    waiting = {m.coop_id for m in members if m.accepted_at is None}
    (accepted if jo.supplier_accepted_at is not None else waiting).add(jo.supplier_coop_id)
    return JointOrderView(
        id=int(jo.id or 0),
        status=jo.status,
        accepted=tuple(sorted(accepted)),
        waiting=tuple(sorted(waiting - accepted)),
        obligation_ids=tuple(m.obligation_order_id for m in members if m.obligation_order_id),
        obligations=tuple(
            (m.coop_id, m.obligation_order_id) for m in members if m.obligation_order_id
        ),
        changed=changed,
    )
