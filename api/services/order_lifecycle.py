"""Ending orders early: cancellation by the owner and expiry after ``valid_until``.

An obligation is the creditor's claim, so only the creditor may withdraw it (waive the
debt); the debtor may not, and a debt the system created (a loan instalment that fell due,
or a committed sale on credit) is settled through its loan or sale, never cancelled here.

Either way the order's pending proposals are voided first (freeing the other side too);
what was already committed stays committed, and the status becomes ``cancelled`` or
``expired`` (a status the counter updates never overwrite).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Engine, or_, select, update
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.mapping import OBLIGATION
from api.db.orders import apply_deltas
from api.db.repo import member_coops, share_a_network
from api.db.tables import ObligationRow, OrderRow, ProposalRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import ForbiddenError, InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook

ENDED = ("cancelled", "expired")


def void_pending(session: Session, order_ids: list[str], now: datetime) -> list[int]:
    """Void every pending proposal on ``order_ids`` and free both of its orders."""
    rows = (
        session.execute(
            select(ProposalRow)
            .where(
                col(ProposalRow.status) == "pending",
                or_(
                    col(ProposalRow.supply_order_id).in_(order_ids),
                    col(ProposalRow.demand_order_id).in_(order_ids),
                ),
            )
            .order_by(col(ProposalRow.id))
        )
        .scalars()
        .all()
    )
    freed: dict[str, int] = defaultdict(int)
    for p in rows:
        p.status, p.closed_at = "voided", now
        session.add(p)
        freed[p.supply_order_id] += p.amount
        freed[p.demand_order_id] += p.amount
    session.flush()
    apply_deltas(session, {oid: (-a, 0) for oid, a in freed.items()}, now)
    return [int(p.id or 0) for p in rows]


def _end(session: Session, order_ids: list[str], status: str, now: datetime) -> None:
    session.execute(
        update(OrderRow)
        .where(col(OrderRow.id).in_(order_ids))
        .values(status=status, updated_at=now, version=OrderRow.version + 1)
    )


def _check_may_cancel(session: Session, order: OrderRow, coop_id: str) -> None:
    """Refuse unless ``coop_id`` may cancel ``order``: its owner, or for a debt its creditor
    when the two share a network (a debt named to a coop of another network, posted before
    that was refused, is not that coop's to waive: it is a 404 to it, like any other's)."""
    debt = session.get(ObligationRow, order.id) if order.kind == OBLIGATION.kind else None
    if debt is None:
        if order.coop_id != coop_id:
            raise ForbiddenError(
                f"order {order.id!r} is not {coop_id!r}'s", f"คำสั่ง {order.id} ไม่ใช่ของ {coop_id}"
            )
        return
    stranger = coop_id != order.coop_id and not share_a_network(session, coop_id, order.coop_id)
    if coop_id not in (order.coop_id, debt.creditor_coop_id) or stranger:
        raise ForbiddenError(
            f"obligation {order.id!r} is not {coop_id!r}'s", f"หนี้ {order.id} ไม่ใช่ของ {coop_id}"
        )
    if debt.source_instalment_id is not None or debt.source_commitment_id is not None:
        raise InvalidStateError(
            f"obligation {order.id!r} comes from a loan or a committed sale: not cancellable",
            f"หนี้ {order.id} มาจากสัญญาเงินกู้หรือการขายที่ยืนยันแล้ว ยกเลิกไม่ได้",
        )
    if coop_id == order.coop_id:
        raise InvalidStateError(
            f"obligation {order.id!r}: a debtor may not cancel a debt; only its creditor may",
            f"หนี้ {order.id}: ลูกหนี้ยกเลิกหนี้ไม่ได้ เจ้าหนี้เท่านั้นที่ยกเลิกได้",
        )


def cancel_order(
    engine: Engine,
    order_id: str,
    coop_id: str,
    *,
    actor: str | None = None,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[bool] | None = None,
) -> bool:
    """Cancel the rest of an order; returns False when it had already ended (no effect).

    ``coop_id`` must own the order, except that an obligation is cancelled by its creditor
    only, and only when the debt was posted by hand (not from a loan or a committed sale).

    ``on_commit(session, outcome)`` runs inside the write transaction just before it
    commits (e.g. to store an idempotent response with the change).

    Raises:
        NotFoundError / ForbiddenError: unknown order, or not ``coop_id``'s (nor, for an
            obligation, its creditor's).
        InvalidStateError: the order is already filled; or an obligation the caller may
            not cancel (the debtor's, or one from a loan or committed sale).
    """

    def work(session: Session) -> bool:
        return with_hook(session, change(session), on_commit)

    def change(session: Session) -> bool:
        now = clock()
        order = session.get(OrderRow, order_id)
        if order is None:
            raise NotFoundError(f"order {order_id!r} does not exist", f"ไม่พบคำสั่ง {order_id}")
        _check_may_cancel(session, order, coop_id)
        if order.status in ENDED:
            return False
        if order.status == "filled":
            raise InvalidStateError(
                f"order {order_id!r} is already filled", f"คำสั่ง {order_id} จับคู่ครบแล้ว"
            )
        voided = void_pending(session, [order_id], now)
        _end(session, [order_id], "cancelled", now)
        append_event(
            session, now, actor or coop_id, "order.cancelled", "order", order_id, {"voided": voided}
        )
        return True

    return in_write_transaction(engine, work)


def expire_orders(
    session: Session,
    business_date: date,
    now: datetime,
    actor: str,
    network_ids: list[str] | None = None,
) -> list[str]:
    """End open orders whose ``valid_until`` is before ``business_date``; with
    ``network_ids`` (a round's subtree) only the orders of the subtree's coops."""
    stmt = select(col(OrderRow.id)).where(
        col(OrderRow.status).in_(("open", "reserved")), col(OrderRow.valid_until) < business_date
    )
    if network_ids is not None:
        stmt = stmt.where(col(OrderRow.coop_id).in_(member_coops(network_ids)))
    ids = list(session.execute(stmt.order_by(col(OrderRow.id))).scalars())
    if not ids:
        return []
    voided = void_pending(session, ids, now)
    _end(session, ids, "expired", now)
    append_event(
        session,
        now,
        actor,
        "orders.expired",
        "order",
        "*",
        {"business_date": business_date.isoformat(), "ids": ids, "voided": voided},
    )
    return ids
