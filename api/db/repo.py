"""Read queries the services share: the network subtree, its coops and the open orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import Column, ColumnElement, Select, Table, func, or_, select
from sqlalchemy.sql.base import ReadOnlyColumnCollection
from sqlmodel import Session, SQLModel, col

from api.db.mapping import (
    OBLIGATION,
    PURCHASE_ORDER,
    STOCK_LOT,
    OpenOrder,
    product_to_domain,
    purchase_order_to_domain,
    stock_lot_to_domain,
)
from api.db.tables import (
    CoopRow,
    CoordinatorRow,
    LiquidityNeedRow,
    LiquidityOfferRow,
    MembershipRow,
    NeedReliefRow,
    NetworkRow,
    ObligationRow,
    OrderRow,
    ProductRow,
    PurchaseOrderGradeRow,
    PurchaseOrderRow,
    RoundRow,
    StockLotRow,
)
from matcher.produce.model import Product, PurchaseOrder, StockLot

OPEN_STATUSES = ("open", "reserved")


def subtree(session: Session, network_id: str) -> list[NetworkRow]:
    """The network and every network below it (empty if it does not exist)."""
    rows = session.execute(select(NetworkRow)).scalars().all()
    children: dict[str | None, list[NetworkRow]] = defaultdict(list)
    by_id = {}
    for r in rows:
        children[r.parent_id].append(r)
        by_id[r.id] = r
    if network_id not in by_id:
        return []
    out, stack = [], [by_id[network_id]]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children.get(node.id, ()))
    return out


def ancestors(session: Session, network_id: str) -> list[str]:
    """The network and its ancestors, nearest first."""
    parents = dict(session.execute(select(col(NetworkRow.id), col(NetworkRow.parent_id))).all())
    chain: list[str] = []
    cur: str | None = network_id
    while cur is not None and cur in parents and cur not in chain:
        chain.append(cur)
        cur = parents[cur]
    return chain


def share_a_network(session: Session, coop_a: str, coop_b: str) -> bool:
    """Whether two coops are members of one network: their home networks have a common
    ancestor (a coop is a member of its home network and of every network above it)."""
    homes = dict(
        session.execute(
            select(col(MembershipRow.coop_id), col(MembershipRow.network_id)).where(
                col(MembershipRow.coop_id).in_((coop_a, coop_b))
            )
        ).all()
    )
    if coop_a not in homes or coop_b not in homes:
        return False
    return not set(ancestors(session, homes[coop_a])).isdisjoint(ancestors(session, homes[coop_b]))


def coordinates(session: Session, principal: str, network_id: str) -> bool:
    """Whether ``principal`` coordinates the network or one of its ancestors."""
    chain = ancestors(session, network_id)
    if not chain:
        return False
    hit = session.execute(
        select(col(CoordinatorRow.network_id)).where(
            col(CoordinatorRow.principal) == principal,
            col(CoordinatorRow.network_id).in_(chain),
        )
    ).first()
    return hit is not None


def members_of(session: Session, network_ids: list[str]) -> dict[str, list[str]]:
    """Network id → ids of its direct member coops."""
    out: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(
        select(col(MembershipRow.network_id), col(MembershipRow.coop_id)).where(
            col(MembershipRow.network_id).in_(network_ids)
        )
    )
    for net, coop in rows:
        out[net].append(coop)
    return out


def coops_of(session: Session, network_ids: list[str]) -> list[Any]:
    """Every coop that is a direct member of one of ``network_ids``, as light rows with the
    ``coop`` table's columns as attributes (no ORM objects: tens of thousands per round)."""
    c = _cols(CoopRow)
    m = _cols(MembershipRow)
    return list(
        session.execute(
            select(*c)
            .join(_table(MembershipRow), m.coop_id == c.id)
            .where(m.network_id.in_(network_ids))
            .order_by(c.id)
        )
    )


def _table(model: type[SQLModel]) -> Table:
    """The Core table of a table model (typed for queries over many columns)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


def _cols(model: type[SQLModel]) -> ReadOnlyColumnCollection[str, Column[Any]]:
    return _table(model).c


def member_coops(network_ids: list[str]) -> Select[Any]:
    """The ids of the coops that are direct members of ``network_ids`` (a subquery)."""
    return select(col(MembershipRow.coop_id)).where(col(MembershipRow.network_id).in_(network_ids))


def _member_filter(network_ids: list[str]) -> ColumnElement[bool]:
    return col(OrderRow.coop_id).in_(member_coops(network_ids))


def open_liquidity_orders(
    session: Session, network_ids: list[str], business_date: date
) -> list[OpenOrder]:
    """Open liquidity offers and needs of the subtree's coops, valid on ``business_date``."""
    o, lo, ln = _cols(OrderRow), _cols(LiquidityOfferRow), _cols(LiquidityNeedRow)
    stmt = (
        select(
            o.id,
            o.kind,
            o.coop_id,
            o.amount - o.reserved - o.committed,
            o.version,
            o.arrival,
            lo.min_rate_bps,
            lo.max_term_days,
            lo.cap_per_borrower_satang,
            ln.max_rate_bps,
            ln.term_days,
            ln.min_amount_satang,
            ln.urgency,
            ln.repayment,
            ln.instalments,
        )
        .outerjoin(_table(LiquidityOfferRow), lo.order_id == o.id)
        .outerjoin(_table(LiquidityNeedRow), ln.order_id == o.id)
        .where(
            o.kind.in_(("liquidity_offer", "liquidity_need")),
            o.status.in_(OPEN_STATUSES),
            or_(o.valid_until.is_(None), o.valid_until >= business_date),
            _member_filter(network_ids),
        )
        .order_by(o.id)
    )
    out = []
    for r in session.execute(stmt):
        if r[1] == "liquidity_offer":
            detail = {"min_rate_bps": r[6], "max_term_days": r[7], "cap_per_borrower_satang": r[8]}
        else:
            detail = {
                "max_rate_bps": r[9],
                "term_days": r[10],
                "min_amount_satang": r[11],
                "urgency": r[12],
                "repayment": r[13],
                "instalments": r[14],
            }
        out.append(OpenOrder(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), detail))
    return out


def products(session: Session) -> tuple[Product, ...]:
    """Every product, as matcher types, by id."""
    rows = session.execute(select(ProductRow).order_by(col(ProductRow.id))).scalars()
    return tuple(product_to_domain(r) for r in rows)


def _open_produce(
    o: ReadOnlyColumnCollection[str, Column[Any]],
    kind: str,
    network_ids: list[str],
    business_date: date,
    with_freed: bool = False,
) -> list[ColumnElement[bool]]:
    where = [
        o.kind == kind,
        o.status.in_(OPEN_STATUSES),
        o.valid_until >= business_date,
        _member_filter(network_ids),
    ]
    if not with_freed:  # with quantities freed by a new version, fully reserved ones count
        where.append(o.amount - o.reserved - o.committed > 0)
    return where


def open_produce_orders(
    session: Session,
    network_ids: list[str],
    business_date: date,
    freed: Mapping[str, int] | None = None,
) -> tuple[list[StockLot], list[PurchaseOrder]]:
    """Open stock lots (not expired) and purchase orders (deliver-by not passed) of the
    subtree's coops on ``business_date``, for what is still free, by id.

    ``freed``: order id → quantity a new round version will free (the previous version's
    un-accepted proposals); it counts as free here.
    """
    lots, orders = _open_produce_orders(session, network_ids, business_date, freed or {})
    return [x for x in lots if x.quantity > 0], [x for x in orders if x.quantity > 0]


def _open_produce_orders(
    session: Session, network_ids: list[str], business_date: date, freed: Mapping[str, int]
) -> tuple[list[StockLot], list[PurchaseOrder]]:
    o, sl = _cols(OrderRow), _cols(StockLotRow)
    wf = bool(freed)
    po, pg = _cols(PurchaseOrderRow), _cols(PurchaseOrderGradeRow)
    head = (o.id, o.kind, o.coop_id, o.amount - o.reserved - o.committed, o.version, o.arrival)
    lot_stmt = (
        select(*head, sl.product_id, sl.grade, sl.reserve_satang_per_unit)
        .add_columns(sl.spoilage_satang_per_unit_day, sl.ready_date, sl.expiry_date)
        .join(_table(StockLotRow), sl.order_id == o.id)
        .where(*_open_produce(o, STOCK_LOT.kind, network_ids, business_date, wf))
        .order_by(o.id)
    )
    lots = [
        stock_lot_to_domain(
            OpenOrder(
                r[0],
                r[1],
                r[2],
                int(r[3]) + freed.get(r[0], 0),
                int(r[4]),
                int(r[5]),
                {
                    "product_id": r[6],
                    "grade": r[7],
                    "reserve_satang_per_unit": int(r[8]),
                    "spoilage_satang_per_unit_day": int(r[9]),
                    "ready_date": r[10],
                    "expiry_date": r[11],
                },
            )
        )
        for r in session.execute(lot_stmt)
    ]
    where = _open_produce(o, PURCHASE_ORDER.kind, network_ids, business_date, wf)
    bids: dict[str, list[tuple[str, int]]] = defaultdict(list)
    bid_stmt = (
        select(pg.order_id, pg.grade, pg.max_price_satang_per_unit)
        .join(_table(OrderRow), o.id == pg.order_id)
        .where(*where)
        .order_by(pg.order_id, pg.seq)
    )
    for oid, grade, price in session.execute(bid_stmt):
        bids[oid].append((grade, int(price)))
    po_stmt = (
        select(*head, po.product_id, po.deliver_by, po.min_lot_units)
        .join(_table(PurchaseOrderRow), po.order_id == o.id)
        .where(*where)
        .order_by(o.id)
    )
    orders = [
        purchase_order_to_domain(
            OpenOrder(
                r[0],
                r[1],
                r[2],
                int(r[3]) + freed.get(r[0], 0),
                int(r[4]),
                int(r[5]),
                {
                    "product_id": r[6],
                    "deliver_by": r[7],
                    "min_lot_units": int(r[8]),
                    "bids": bids[r[0]],
                },
            )
        )
        for r in session.execute(po_stmt)
    ]
    return lots, orders


def open_obligation_orders(session: Session, network_ids: list[str]) -> list[OpenOrder]:
    """Open obligations owed by the subtree's coops, for what is still owed, by id;
    ``detail`` holds ``creditor`` and ``due_date`` (the caller keeps those whose creditor
    is in the subtree too)."""
    o, ob = _cols(OrderRow), _cols(ObligationRow)
    stmt = (
        select(o.id, o.kind, o.coop_id, o.amount - o.reserved - o.committed, o.version, o.arrival)
        .add_columns(ob.creditor_coop_id, ob.due_date)
        .join(_table(ObligationRow), ob.order_id == o.id)
        .where(
            o.kind == OBLIGATION.kind,
            o.status.in_(OPEN_STATUSES),
            o.amount - o.reserved - o.committed > 0,
            _member_filter(network_ids),
        )
        .order_by(o.id)
    )
    return [
        OpenOrder(
            r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), {"creditor": r[6], "due_date": r[7]}
        )
        for r in session.execute(stmt)
    ]


def engaged_by_coop(session: Session, network_ids: list[str]) -> dict[tuple[str, str], int]:
    """(coop id, order kind) → reserved + committed amount over its liquidity orders, less
    what set-off covered on the coop's needs (that is not borrowing)."""
    o = _cols(OrderRow)
    rows = session.execute(
        select(o.coop_id, o.kind, func.sum(o.reserved + o.committed))
        .where(
            o.kind.in_(("liquidity_offer", "liquidity_need")),
            _member_filter(network_ids),
        )
        .group_by(o.coop_id, o.kind)
    )
    out = {(c, k): int(v or 0) for c, k, v in rows}
    # Needs covered by set-off are committed on the need but are not borrowing.
    r = _cols(NeedReliefRow)
    relieved = session.execute(
        select(r.coop_id, func.sum(r.amount_satang))
        .where(
            r.coop_id.in_(
                select(col(MembershipRow.coop_id)).where(
                    col(MembershipRow.network_id).in_(network_ids)
                )
            )
        )
        .group_by(r.coop_id)
    )
    for coop, amount in relieved:
        key = (coop, "liquidity_need")
        out[key] = out.get(key, 0) - int(amount or 0)
    return out


def latest_round(
    session: Session, network_id: str, kind: str, business_date: date
) -> RoundRow | None:
    """The highest version of the round with this key, if any."""
    return session.execute(
        select(RoundRow)
        .where(
            col(RoundRow.network_id) == network_id,
            col(RoundRow.kind) == kind,
            col(RoundRow.business_date) == business_date,
        )
        .order_by(col(RoundRow.version).desc())
        .limit(1)
    ).scalar_one_or_none()


def startup_need_ids(session: Session) -> set[str]:
    """The open start-up capital needs (``startup_need``): the daily round leaves them out;
    only the joint fund's start-up round lends to them. (Few rows: no id list is sent.)"""
    from api.db.tables_startup import StartupNeedRow

    rows = session.execute(
        select(col(StartupNeedRow.order_id))
        .join(OrderRow, col(OrderRow.id) == col(StartupNeedRow.order_id))
        .where(col(OrderRow.status).in_(("open", "reserved")))
    ).scalars()
    return set(rows)
