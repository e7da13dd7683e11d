"""Orders a member posts over the API, of every kind, one at a time: the obligation spec
(a debt the caller owes), the checks that name the body field, the insert with one audit
event, and the rows of a money order built in memory for the response."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, SQLModel

from api.db.audit import GLOBAL_CHAIN, append_event
from api.db.mapping import (
    LIQUIDITY_NEED,
    LIQUIDITY_OFFER,
    OBLIGATION,
    PURCHASE_ORDER,
    STOCK_LOT,
)
from api.db.repo import share_a_network
from api.db.tables import (
    CoopRow,
    LiquidityNeedRow,
    LiquidityOfferRow,
    ObligationRow,
    OrderRow,
)
from api.services.errors import ServiceError
from api.services.orders import (
    NeedSpec,
    ObligationSpec,
    OfferSpec,
    insert_obligations,
    insert_orders,
    order_head,
    order_id_of,
)
from api.services.produce_orders import (
    LotSpec,
    PurchaseSpec,
    check_member_produce,
    insert_produce_orders,
)

MemberOrder = OfferSpec | NeedSpec | LotSpec | PurchaseSpec | ObligationSpec
"""One order a member posts over the API, of any kind."""


def post_member_order(
    session: Session, order: MemberOrder, now: datetime, actor: str, chain: str = GLOBAL_CHAIN
) -> str:
    """Check and insert one order of the caller's coop with one audit event (on ``chain``);
    its kind.

    Raises:
        ServiceError: an unknown product or grade, or a creditor that is not another coop
            of a network the caller is a member of (answered exactly like an unknown coop,
            so other networks cannot be probed; the message names the body field); nothing
            is written.
    """
    offers = [order] if isinstance(order, OfferSpec) else []
    needs = [order] if isinstance(order, NeedSpec) else []
    lots = [order] if isinstance(order, LotSpec) else []
    buys = [order] if isinstance(order, PurchaseSpec) else []
    debts = [order] if isinstance(order, ObligationSpec) else []
    for d in debts:
        if (
            d.creditor == d.debtor
            or session.get(CoopRow, d.creditor) is None
            or not share_a_network(session, d.debtor, d.creditor)
        ):
            raise ServiceError(
                f"creditor_coop_id: {d.creditor!r} is not another coop",
                f"creditor_coop_id: {d.creditor} ไม่ใช่สหกรณ์อื่น",
            )
    check_member_produce(session, lots, buys)
    insert_orders(session, offers, needs, now)
    insert_produce_orders(session, lots, buys, now)
    insert_obligations(session, debts, now)
    kind = kind_of(order)
    payload: dict[str, object] = {"kind": kind}
    if isinstance(order, OfferSpec | NeedSpec | ObligationSpec):
        payload["amount"] = order.amount_satang  # checked by coopmatch audit verify
    append_event(session, now, actor, "order.posted", "order", order_id(order), payload, chain)
    return kind


def order_id(order: MemberOrder) -> str:
    """The id of the order ``order`` posts."""
    return order_id_of(order)


def kind_of(order: MemberOrder) -> str:
    kinds: dict[type, str] = {
        OfferSpec: LIQUIDITY_OFFER.kind,
        NeedSpec: LIQUIDITY_NEED.kind,
        LotSpec: STOCK_LOT.kind,
        PurchaseSpec: PURCHASE_ORDER.kind,
        ObligationSpec: OBLIGATION.kind,
    }
    return kinds[type(order)]


MoneyColumns = tuple[dict[str, object], str, dict[str, object]]
"""A money order's header columns, its detail table's name and the detail columns."""


def money_columns(order: MemberOrder, now: datetime) -> MoneyColumns | None:
    """The columns :func:`post_member_order` inserts for a money order (an offer, a need or
    an obligation); None for produce orders (their unit is the product's, read from the
    database)."""
    if isinstance(order, OfferSpec | NeedSpec):
        offer = isinstance(order, OfferSpec)
        head = order_head(
            order.id,
            (LIQUIDITY_OFFER if offer else LIQUIDITY_NEED).kind,
            order.coop_id,
            order.amount_satang,
            order.valid_until,
            order.arrival,
            now,
        )
        if isinstance(order, OfferSpec):
            detail: dict[str, object] = {
                "order_id": order.id,
                "min_rate_bps": order.min_rate_bps,
                "max_term_days": order.max_term_days,
                "cap_per_borrower_satang": order.cap_per_borrower_satang,
            }
            return head, str(LiquidityOfferRow.__tablename__), detail
        detail = {
            "order_id": order.id,
            "max_rate_bps": order.max_rate_bps,
            "term_days": order.term_days,
            "min_amount_satang": order.min_amount_satang,
            "urgency": order.urgency,
            "repayment": order.repayment,
            "instalments": order.instalments,
        }
        return head, str(LiquidityNeedRow.__tablename__), detail
    if isinstance(order, ObligationSpec):
        head = order_head(
            order.id, OBLIGATION.kind, order.debtor, order.amount_satang, None, 0, now
        )
        detail = {
            "order_id": order.id,
            "creditor_coop_id": order.creditor,
            "due_date": order.due_date,
        }
        return head, str(ObligationRow.__tablename__), detail
    return None


_DETAIL_ROWS: dict[str, type[SQLModel]] = {
    str(row.__tablename__): row for row in (LiquidityOfferRow, LiquidityNeedRow, ObligationRow)
}


def money_rows(order: MemberOrder, now: datetime) -> tuple[OrderRow, SQLModel] | None:
    """The header and detail rows of :func:`money_columns`, built in memory."""
    cols = money_columns(order, now)
    if cols is None:
        return None
    head, table, detail = cols
    return OrderRow(**head), _DETAIL_ROWS[table](**detail)  # type: ignore[arg-type]
