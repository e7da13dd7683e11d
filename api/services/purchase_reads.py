"""Reads of group orders, from one coop's side or a coordinator's network.

A buyer sees the group's terms (product, volume, tier, price, commit-by) and only its own
lines; the supplier sees every line (it delivers them). How many members have accepted is
shown, never who the others are. A coordinator sees every group order of the network and
the networks below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, or_, select
from sqlmodel import Session, col

from api.db import repo
from api.db.tables_purchase import JointOrderMemberRow, JointOrderRow
from api.db.tx import read_session
from api.services.clock import as_utc
from api.services.errors import NotFoundError


@dataclass(frozen=True)
class LineView:
    """One need's line of a group order."""

    need_order_id: str
    coop_id: str
    quantity: int
    delivery_satang: int
    pays_satang: int
    saving_satang: int
    alone_saving_satang: int
    accepted: bool
    obligation_order_id: str | None


@dataclass(frozen=True)
class GroupOrderView:
    """A group order as one reader may see it."""

    id: int
    round_id: int
    network_id: str
    status: str
    role: str
    """"buyer", "supplier" or "coordinator"."""
    offer_order_id: str
    supplier_coop_id: str
    product: str
    volume: int
    tier: int
    unit_price_satang: int
    goods_satang: int
    delivery_satang: int
    saving_satang: int
    alone_saving_satang: int
    delivery_date: date
    commit_by: datetime
    members: int
    members_accepted: int
    supplier_accepted: bool
    lines: tuple[LineView, ...]


def group_orders_of_coop(engine: Engine, coop_id: str) -> list[GroupOrderView]:
    """Group orders ``coop_id`` is in, as a buyer or as the supplier, by id."""
    with read_session(engine) as s:
        mine = select(col(JointOrderMemberRow.joint_order_id)).where(
            col(JointOrderMemberRow.coop_id) == coop_id
        )
        rows = s.execute(
            select(JointOrderRow)
            .where(
                or_(
                    col(JointOrderRow.id).in_(mine),
                    col(JointOrderRow.supplier_coop_id) == coop_id,
                )
            )
            .order_by(col(JointOrderRow.id))
        ).scalars()
        return [_view(s, jo, coop_id) for jo in rows]


def group_order_of_coop(engine: Engine, joint_order_id: int, coop_id: str) -> GroupOrderView:
    """One group order ``coop_id`` is in; any other reads as not found."""
    with read_session(engine) as s:
        jo = s.get(JointOrderRow, joint_order_id)
        view = None if jo is None else _view(s, jo, coop_id)
    if view is None or (view.role == "buyer" and not view.lines):
        raise NotFoundError(
            f"group order {joint_order_id} not found", f"ไม่พบคำสั่งซื้อร่วม {joint_order_id}"
        )
    return view


def group_orders_of_network(engine: Engine, network_id: str) -> list[GroupOrderView]:
    """Every group order of the network and the networks below it, by id."""
    with read_session(engine) as s:
        ids = [n.id for n in repo.subtree(s, network_id)]
        rows = s.execute(
            select(JointOrderRow)
            .where(col(JointOrderRow.network_id).in_(ids))
            .order_by(col(JointOrderRow.id))
        ).scalars()
        return [_view(s, jo, None) for jo in rows]


def _view(s: Session, jo: JointOrderRow, coop_id: str | None) -> GroupOrderView:
    members = list(
        s.execute(
            select(JointOrderMemberRow)
            .where(col(JointOrderMemberRow.joint_order_id) == jo.id)
            .order_by(col(JointOrderMemberRow.need_order_id))
        ).scalars()
    )
    if coop_id is None:
        role = "coordinator"
    elif coop_id == jo.supplier_coop_id:
        role = "supplier"
    else:
        role = "buyer"
    shown = [m for m in members if role != "buyer" or m.coop_id == coop_id]
    return GroupOrderView(
        id=int(jo.id or 0),
        round_id=jo.round_id,
        network_id=jo.network_id,
        status=jo.status,
        role=role,
        offer_order_id=jo.offer_order_id,
        supplier_coop_id=jo.supplier_coop_id,
        product=jo.product,
        volume=jo.volume,
        tier=jo.tier,
        unit_price_satang=jo.unit_price_satang,
        goods_satang=jo.goods_satang,
        delivery_satang=jo.delivery_satang,
        saving_satang=jo.saving_satang,
        alone_saving_satang=jo.alone_saving_satang,
        delivery_date=jo.delivery_date,
        commit_by=as_utc(jo.commit_by),
        members=len(members),
        members_accepted=sum(1 for m in members if m.accepted_at is not None),
        supplier_accepted=jo.supplier_accepted_at is not None,
        lines=tuple(
            LineView(
                m.need_order_id,
                m.coop_id,
                m.quantity,
                m.delivery_satang,
                m.pays_satang,
                m.saving_satang,
                m.alone_saving_satang,
                m.accepted_at is not None,
                m.obligation_order_id,
            )
            for m in shown
        ),
    )
