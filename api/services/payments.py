"""Money that moves outside a round: cash payments of debts, and debts that are overdue.

A debt is an ``obligation`` order: a loan instalment that fell due (``OBL-<instalment>``), a
sale bought on credit (``OBL-SALE-<commitment>``) or a debt posted by hand. Its debtor (or
its creditor, acknowledging receipt) records a cash payment, full or partial:

    0 < amount ≤ amount_open = amount − reserved − committed

The payment is appended to ``cash_payment`` (the ledger), counts as committed on the
obligation (filled when nothing is left) and is audited as ``debt.paid``. Recording the
same payment twice is prevented at the edge by the Idempotency-Key.

A debt is **overdue** on a business date when its due date lies before that date and part
of it is still open; ``days_past_due = business date − due date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event
from api.db.mapping import OBLIGATION
from api.db.orders import apply_deltas
from api.db.tables import ObligationRow, OrderRow
from api.db.tables_round import CashPaymentRow
from api.db.tx import in_write_transaction, read_session
from api.services.clock import UtcClock, system_clock
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.hooks import OnCommit, with_hook
from matcher.money import satang_to_decimal_string


@dataclass(frozen=True)
class PaymentOutcome:
    """A recorded payment and what is left of the debt."""

    payment_id: int
    obligation_id: str
    amount_satang: int
    paid_on: date
    open_satang: int
    status: str


@dataclass(frozen=True)
class OverdueDebt:
    """A debt past its due date with part of it still open."""

    obligation_id: str
    debtor: str
    creditor: str
    due_date: date
    open_satang: int
    days_past_due: int
    source: str
    """``instalment``, ``sale`` or ``posted``."""
    source_id: int | None = None
    """The loan instalment's id or the sale commitment's id it comes from."""


def _debt(session: Session, obligation_id: str, coop_id: str | None) -> tuple[OrderRow, str]:
    """The obligation order and its creditor; another coop's debt reads as unknown."""
    order = session.get(OrderRow, obligation_id)
    detail = session.get(ObligationRow, obligation_id) if order is not None else None
    if order is None or detail is None or order.kind != OBLIGATION.kind:
        raise NotFoundError(f"debt {obligation_id!r} does not exist", f"ไม่พบหนี้ {obligation_id}")
    if coop_id is not None and coop_id not in (order.coop_id, detail.creditor_coop_id):
        raise NotFoundError(f"debt {obligation_id!r} does not exist", f"ไม่พบหนี้ {obligation_id}")
    return order, detail.creditor_coop_id


def record_payment(
    engine: Engine,
    obligation_id: str,
    amount_satang: int,
    paid_on: date,
    *,
    actor: str,
    coop_id: str | None = None,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[PaymentOutcome] | None = None,
) -> PaymentOutcome:
    """Record a cash payment of ``amount_satang`` on the debt ``obligation_id``.

    ``coop_id``: the member recording it (the debtor or the creditor); None for a
    coordinator, whose network the caller has checked.

    Raises:
        NotFoundError: no such debt, or not ``coop_id``'s.
        InvalidStateError: the debt is already settled, cancelled or expired.
        ServiceError: ``amount`` is not above zero or exceeds what is open.
    """

    def work(session: Session) -> PaymentOutcome:
        now = clock()
        order, creditor = _debt(session, obligation_id, coop_id)
        if order.status in ("filled", "cancelled", "expired"):
            raise InvalidStateError(
                f"debt {obligation_id!r} is {order.status}; nothing is left to pay",
                f"หนี้ {obligation_id} สถานะ {order.status} ไม่มียอดค้างชำระ",
            )
        open_now = order.amount - order.reserved - order.committed
        if not 0 < amount_satang <= open_now:
            left = satang_to_decimal_string(open_now)
            raise ServiceError(
                f"amount: must be above 0 and at most the open {left} baht",
                f"amount: จำนวนเงินต้องมากกว่า 0 และไม่เกินยอดค้าง {left} บาท",
            )
        row = CashPaymentRow(
            obligation_order_id=obligation_id,
            debtor_coop_id=order.coop_id,
            creditor_coop_id=creditor,
            amount_satang=amount_satang,
            paid_on=paid_on,
            recorded_by=actor,
            recorded_at=now,
        )
        session.add(row)
        session.flush()
        apply_deltas(session, {obligation_id: (0, amount_satang)}, now)
        session.refresh(order)
        append_event(
            session, now, actor, "debt.paid", "order", obligation_id,
            {"payment_id": row.id, "amount_satang": amount_satang,
             "paid_on": paid_on.isoformat(), "open_satang": open_now - amount_satang},
        )  # fmt: skip
        out = PaymentOutcome(
            int(row.id or 0),
            obligation_id,
            amount_satang,
            paid_on,
            open_now - amount_satang,
            order.status,
        )
        return with_hook(session, out, on_commit)

    return in_write_transaction(engine, work)


def overdue_debts(
    engine: Engine,
    as_of: date,
    *,
    network_id: str | None = None,
    coop_id: str | None = None,
) -> list[OverdueDebt]:
    """Debts of the network's subtree (or owed by or to ``coop_id``) overdue on ``as_of``,
    most days past due first."""
    with read_session(engine) as s:
        return overdue_in(s, as_of, network_id=network_id, coop_id=coop_id)


def overdue_in(
    session: Session,
    as_of: date,
    *,
    network_id: str | None = None,
    coop_id: str | None = None,
) -> list[OverdueDebt]:
    """:func:`overdue_debts` in the caller's session."""
    due = open_debts_in(session, as_of, network_id=network_id, coop_id=coop_id)
    return sorted(
        (d for d in due if d.days_past_due > 0), key=lambda d: (-d.days_past_due, d.obligation_id)
    )


def open_debts_in(
    session: Session,
    as_of: date,
    *,
    network_id: str | None = None,
    coop_id: str | None = None,
) -> list[OverdueDebt]:
    """Every debt with part of it open, owed by the network's subtree (or owed by or to
    ``coop_id``), by due date then id; ``days_past_due`` is 0 for one not yet overdue on
    ``as_of``."""
    stmt = (
        select(OrderRow, ObligationRow)
        .join(ObligationRow, col(ObligationRow.order_id) == col(OrderRow.id))
        .where(col(OrderRow.status).in_(("open", "reserved")))
    )
    if network_id is not None:
        net_ids = [n.id for n in repo.subtree(session, network_id)]
        stmt = stmt.where(col(OrderRow.coop_id).in_(repo.member_coops(net_ids)))
    out = []
    for order, detail in session.execute(stmt.order_by(col(OrderRow.id))).all():
        if coop_id is not None and coop_id not in (order.coop_id, detail.creditor_coop_id):
            continue
        left = order.amount - order.reserved - order.committed
        if left <= 0:
            continue
        source, source_id = (
            ("instalment", detail.source_instalment_id)
            if detail.source_instalment_id is not None
            else ("sale", detail.source_commitment_id)
            if detail.source_commitment_id is not None
            else ("posted", None)
        )
        out.append(
            OverdueDebt(
                order.id,
                order.coop_id,
                detail.creditor_coop_id,
                detail.due_date,
                left,
                max(0, (as_of - detail.due_date).days),
                source,
                source_id,
            )
        )
    return sorted(out, key=lambda d: (d.due_date, d.obligation_id))


def open_debts(
    engine: Engine,
    as_of: date,
    *,
    network_id: str | None = None,
    coop_id: str | None = None,
) -> list[OverdueDebt]:
    """:func:`open_debts_in` in a read session (what the payments pages list)."""
    with read_session(engine) as s:
        return open_debts_in(s, as_of, network_id=network_id, coop_id=coop_id)
