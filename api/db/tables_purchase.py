"""Table models of joint purchasing (การจัดซื้อร่วม): the two order kinds and group orders.

Order kinds (class-table inheritance on ``orders``, see :mod:`api.db.tables`):

* ``input_need`` — a buyer coop's need for an input (diesel, layer feed): ``orders.amount``
  is the quantity in the product's base unit (``orders.unit``), served whole or not at all;
* ``supplier_offer`` — a supplier's offer from one depot, posted by the supplying party
  (a coop or a registered supplier in the ``coop`` table): ``orders.amount`` is its
  capacity; the price schedule is ``tiers_json`` (``[[min, max|null, satang], ...]``).

A purchase round writes one ``joint_order`` per buying group with one
``joint_order_member`` per need. Two-phase: the group order is *pending* (its needs and
the offer's volume reserved) until every member and the supplier accept; then it is
*placed* (reservations committed, each member's debt to the supplier an ``obligation``
order), or it ends *declined*, *expired* (its commit-by passed) or *voided* (a new round
version replaced it), and the reservations are freed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


def _big() -> Column:  # type: ignore[type-arg]
    return Column(BigInteger, nullable=False)


class InputNeedRow(SQLModel, table=True):
    """Detail of a buyer's input need (``orders.kind = input_need``)."""

    __tablename__ = "input_need"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    product: str = Field(max_length=64)
    deliver_by: date
    max_price_satang_per_unit: int = Field(sa_column=_big())
    lat_e5: int
    lon_e5: int


class SupplierOfferRow(SQLModel, table=True):
    """Detail of a supplier's offer (``orders.kind = supplier_offer``; amount = capacity)."""

    __tablename__ = "supplier_offer"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    product: str = Field(max_length=64)
    schedule_kind: str = Field(max_length=16)
    tiers_json: str = Field(sa_column=Column(Text, nullable=False))
    min_order_units: int = Field(sa_column=_big())
    lat_e5: int
    lon_e5: int
    truck_capacity_units: int = Field(sa_column=_big())
    truck_satang: int = Field(sa_column=_big())
    truck_satang_per_km: int = Field(sa_column=_big())
    lead_days: int
    max_distance_m: int


class JointOrderRow(SQLModel, table=True):
    """One buying group's pooled order from one offer, proposed by a purchase round.

    status: pending → placed (every member and the supplier accepted) | declined | expired
    | voided.
    """

    __tablename__ = "joint_order"
    __table_args__ = (
        Index("ix_joint_order_round", "round_id"),
        Index("ix_joint_order_status", "network_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    network_id: str = Field(max_length=64)
    offer_order_id: str = Field(foreign_key="orders.id", max_length=64)
    supplier_coop_id: str = Field(max_length=64)
    product: str = Field(max_length=64)
    volume: int = Field(sa_column=_big())
    tier: int
    unit_price_satang: int = Field(sa_column=_big())
    goods_satang: int = Field(sa_column=_big())
    delivery_satang: int = Field(sa_column=_big())
    saving_satang: int = Field(sa_column=_big())
    alone_saving_satang: int = Field(sa_column=_big())
    delivery_date: date
    status: str = Field(max_length=16)
    commit_by: datetime = Field(sa_column=_ts())
    created_at: datetime = Field(sa_column=_ts())
    supplier_accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class JointOrderMemberRow(SQLModel, table=True):
    """One need's place in a group order: what the buyer pays and saves, and its answer."""

    __tablename__ = "joint_order_member"

    joint_order_id: int = Field(primary_key=True, foreign_key="joint_order.id")
    need_order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    coop_id: str = Field(max_length=64, index=True)
    quantity: int = Field(sa_column=_big())
    delivery_satang: int = Field(sa_column=_big())
    pays_satang: int = Field(sa_column=_big())
    """Goods share plus delivery: what the buyer owes the supplier once the order is placed."""
    saving_satang: int = Field(sa_column=_big())
    alone_saving_satang: int = Field(sa_column=_big())
    accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    declined_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    obligation_order_id: str | None = Field(default=None, max_length=64)
    """The buyer's debt to the supplier, created when the order is placed."""
