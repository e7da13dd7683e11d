"""Table models of the daily round's memory: network policy versions and declined pairs;
and where reminders go (``coop_contact``) and which were sent (``reminder_sent``).

``network_policy`` is append-only: each edit adds a version, the newest one governs the
network's rounds. ``declined_pair`` remembers that one side declined a proposal of an
offer and a need (or a lot and a purchase order): the round does not propose that pair
again until either order changes (``cleared_at`` set) or the coordinator asks for it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Text, UniqueConstraint
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


class CoopContactRow(SQLModel, table=True):
    """Where a coop's reminders go: an e-mail address, a LINE user or group id, or both;
    a coop with neither gets none (:mod:`api.services.reminders`)."""

    __tablename__ = "coop_contact"

    coop_id: str = Field(primary_key=True, foreign_key="coop.id", max_length=64)
    email: str | None = Field(default=None, max_length=254)
    line_to: str | None = Field(default=None, max_length=64)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ReminderSentRow(SQLModel, table=True):
    """A reminder already sent: one per coop, kind, subject, business date and channel, so a
    second run on the same day sends nothing twice."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("coop_id", "kind", "ref", "business_date", "channel",
                         name="uq_reminder_once"),
    )  # fmt: skip

    id: int | None = Field(default=None, primary_key=True)
    coop_id: str = Field(foreign_key="coop.id", max_length=64)
    kind: str = Field(max_length=32)
    ref: str = Field(max_length=64)
    business_date: date
    channel: str = Field(max_length=8)
    sent_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
