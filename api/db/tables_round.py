"""Table models of the daily round's memory: network policy versions and declined pairs.

``network_policy`` is append-only: each edit adds a version, the newest one governs the
network's rounds. ``declined_pair`` remembers that one side declined a proposal of an
offer and a need (or a lot and a purchase order): the round does not propose that pair
again until either order changes (``cleared_at`` set) or the coordinator asks for it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


class NetworkPolicyRow(SQLModel, table=True):
    """One version of a network's round policy (JSON, see ``api.services.round.policy``)."""

    __tablename__ = "network_policy"

    network_id: str = Field(primary_key=True, foreign_key="network.id", max_length=64)
    version: int = Field(primary_key=True)
    policy_json: str = Field(sa_column=Column(Text, nullable=False))
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class DeclinedPairRow(SQLModel, table=True):
    """A declined proposal's pair of orders, not proposed again while neither changed."""

    __tablename__ = "declined_pair"
    __table_args__ = (Index("ix_declined_pair_orders", "supply_order_id", "demand_order_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", unique=True)
    kind: str = Field(max_length=16)
    supply_order_id: str = Field(max_length=64)
    """An order id, or a processor id of the network policy (no foreign key: a processor is
    no order; migration 0014)."""
    demand_order_id: str = Field(max_length=64)
    declined_by_coop_id: str = Field(max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    declined_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    cleared_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    """Set when either order changed since: the pair may be proposed again."""


class CashPaymentRow(SQLModel, table=True):
    """A cash payment of a debt outside any round (append-only): an instalment that fell
    due, a sale bought on credit, or a debt posted by hand; full or partial."""

    __tablename__ = "cash_payment"

    id: int | None = Field(default=None, primary_key=True)
    obligation_order_id: str = Field(foreign_key="orders.id", max_length=64, index=True)
    debtor_coop_id: str = Field(max_length=64)
    creditor_coop_id: str = Field(max_length=64)
    amount_satang: int = Field(sa_column=Column(BigInteger, nullable=False))
    paid_on: date
    recorded_by: str = Field(max_length=128)
    recorded_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
