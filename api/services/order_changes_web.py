"""Amending an open order from the member's web page: a new amount (or quantity), a new rate
limit for a money order, a new reserve price for a stock lot, a new ``valid_until`` for a
money order.

Kept thin, for the lead to merge with the ``/v1`` amendment service: an amendment is a
change of the order, so its pending proposals are voided first (freeing the other side, as
a cancellation does: :func:`api.services.order_lifecycle.cancel_order`'s rule), its
``version`` grows (a declined pair may then be proposed again), and one ``order.amended``
audit event records the new terms. What is already committed stays committed: the new
amount must stay above it. An obligation is not amended (cancel it and post it again), nor
an order that has ended.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session

from api.db.audit import append_event
from api.db.mapping import LIQUIDITY_NEED, LIQUIDITY_OFFER, PURCHASE_ORDER, STOCK_LOT
from api.db.tables import (
    LiquidityNeedRow,
    LiquidityOfferRow,
    OrderRow,
    PurchaseOrderRow,
    StockLotRow,
)
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.order_lifecycle import ENDED, _void_pending

AMENDABLE = ("liquidity_offer", "liquidity_need", "stock_lot", "purchase_order")


@dataclass(frozen=True)
class Amendment:
    """New terms; None keeps the old one. ``amount`` is satang for a money order and base
    units for a produce order; ``rate_bps`` is an offer's lowest or a need's highest rate;
    ``reserve_satang`` a stock lot's lowest price per unit."""

    amount: int | None = None
    rate_bps: int | None = None
    reserve_satang: int | None = None
    valid_until: date | None = None


def amend_order(
    engine: Engine,
    order_id: str,
    coop_id: str,
    change: Amendment,
    *,
    actor: str | None = None,
    clock: UtcClock = system_clock,
) -> list[int]:
    """Apply ``change`` to ``coop_id``'s open order; returns the proposals it voided.

    Raises:
        NotFoundError: no such order, or another coop's (the same answer).
        InvalidStateError: the order ended, is filled, or is an obligation.
        ServiceError: the new amount is not above what is already committed (names
            ``amount``).
    """

    def work(session: Session) -> list[int]:
        now = clock()
        order = session.get(OrderRow, order_id)
        if order is None or order.coop_id != coop_id:
            raise NotFoundError(f"order {order_id!r} does not exist", f"ไม่พบคำสั่ง {order_id}")
        if order.kind not in AMENDABLE or order.status in (*ENDED, "filled"):
            raise InvalidStateError(
                f"order {order_id!r} ({order.kind}, {order.status}) cannot be amended",
                f"คำสั่ง {order_id} แก้ไขไม่ได้ในสถานะนี้",
            )
        amount = order.amount if change.amount is None else change.amount
        if amount <= order.committed:
            raise ServiceError(
                f"amount: must be more than the {order.committed} already committed",
                f"amount: ต้องมากกว่ายอดที่ตกลงแล้ว ({order.committed})",
            )
        _check_floor(session, order, amount)
        voided = _void_pending(session, [order_id], now)
        session.refresh(order)
        order.amount = amount
        if change.valid_until is not None and order.kind in (
            LIQUIDITY_OFFER.kind,
            LIQUIDITY_NEED.kind,
        ):
            order.valid_until = change.valid_until
        order.status = "reserved" if order.reserved > 0 else "open"
        order.version += 1
        order.updated_at = now
        session.add(order)
        _amend_detail(session, order, change)
        payload = {"voided": voided, **{k: v for k, v in asdict(change).items() if v is not None}}
        if change.valid_until is not None:
            payload["valid_until"] = change.valid_until.isoformat()
        append_event(session, now, actor or coop_id, "order.amended", "order", order_id, payload)
        return voided

    return in_write_transaction(engine, work)


def _check_floor(session: Session, order: OrderRow, amount: int) -> None:
    """A need's amount stays at least its smallest useful loan, a purchase order's quantity
    at least its smallest lot (the rules of posting, :mod:`api.http.order_schemas`)."""
    need = session.get(LiquidityNeedRow, order.id) if order.kind == LIQUIDITY_NEED.kind else None
    floor = need.min_amount_satang if need is not None else 0
    if order.kind == PURCHASE_ORDER.kind:
        po = session.get(PurchaseOrderRow, order.id)
        floor = po.min_lot_units if po is not None else 0
    if amount < floor:
        raise ServiceError(
            f"amount: must not be below the smallest useful amount {floor}",
            f"amount: ต้องไม่น้อยกว่าจำนวนขั้นต่ำ {floor}",
        )


def _amend_detail(session: Session, order: OrderRow, change: Amendment) -> None:
    """The kind's own terms: the rate limit of a money order, a lot's reserve price."""
    if change.rate_bps is not None and order.kind == LIQUIDITY_OFFER.kind:
        offer = session.get(LiquidityOfferRow, order.id)
        if offer is not None:
            offer.min_rate_bps = change.rate_bps
            session.add(offer)
    if change.rate_bps is not None and order.kind == LIQUIDITY_NEED.kind:
        need = session.get(LiquidityNeedRow, order.id)
        if need is not None:
            need.max_rate_bps = change.rate_bps
            session.add(need)
    if change.reserve_satang is not None and order.kind == STOCK_LOT.kind:
        lot = session.get(StockLotRow, order.id)
        if lot is not None:
            lot.reserve_satang_per_unit = change.reserve_satang
            session.add(lot)
