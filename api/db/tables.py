"""SQLModel table models (the persistence family; matcher types and API schemas live apart).

Money columns are BIGINT satang, rates INTEGER bps, timestamps UTC (``timestamptz``).

Orders use class-table inheritance: one ``orders`` header carries what every kind shares
(owner, quantity and unit, reserved/committed counters, lifecycle status, optimistic
``version``), and one detail table per kind carries the rest (``liquidity_offer``,
``liquidity_need``, ``obligation``, ``stock_lot``, ``purchase_order``). The
reservation, lifecycle and round logic only ever touches the header.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


def _money(nullable: bool = False, default: int | None = None) -> Column:  # type: ignore[type-arg]
    return Column(
        BigInteger, nullable=nullable, server_default=None if default is None else str(default)
    )


class CoopRow(SQLModel, table=True):
    """A cooperative or farmer group (``kind = farmer_group``) with its registrar rules."""

    __tablename__ = "coop"

    id: str = Field(primary_key=True, max_length=64)
    name_th: str = Field(max_length=300)
    name_en: str = Field(default="", max_length=300)
    kind: str = Field(max_length=32)
    province_code: str = Field(default="", max_length=8)
    district_code: str = Field(default="", max_length=8)
    lat_e5: int | None = None
    lon_e5: int | None = None
    may_lend: bool = True
    may_borrow: bool = True
    borrowing_limit_satang: int | None = Field(default=None, sa_column=_money(nullable=True))
    outstanding_satang: int = Field(default=0, sa_column=_money(default=0))
    liquid_funds_satang: int | None = Field(default=None, sa_column=_money(nullable=True))
    reserve_satang: int = Field(default=0, sa_column=_money(default=0))
    max_lenders_per_need: int | None = None
    created_at: datetime = Field(sa_column=_ts())


class NetworkRow(SQLModel, table=True):
    """A node of the network tree (area → province → region → national)."""

    __tablename__ = "network"

    id: str = Field(primary_key=True, max_length=64)
    name_th: str = Field(max_length=300)
    name_en: str = Field(default="", max_length=300)
    level: int
    parent_id: str | None = Field(default=None, foreign_key="network.id", max_length=64)
    posted_rate_bps: int | None = None
    created_at: datetime = Field(sa_column=_ts())


class MembershipRow(SQLModel, table=True):
    """A coop's direct (home) network; it is implicitly a member of every ancestor."""

    __tablename__ = "membership"
    __table_args__ = (Index("ix_membership_network", "network_id"),)

    coop_id: str = Field(primary_key=True, foreign_key="coop.id", max_length=64)
    network_id: str = Field(foreign_key="network.id", max_length=64)
    since: datetime = Field(sa_column=_ts())


class CoordinatorRow(SQLModel, table=True):
    """A principal that coordinates a network (and so every network below it)."""

    __tablename__ = "network_coordinator"

    network_id: str = Field(primary_key=True, foreign_key="network.id", max_length=64)
    principal: str = Field(primary_key=True, max_length=64)


class MemberImportRow(SQLModel, table=True):
    """A member file already imported, keyed by the SHA-256 of its bytes."""

    __tablename__ = "member_import"

    file_hash: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=16)
    filename: str = Field(max_length=500)
    row_count: int
    imported_at: datetime = Field(sa_column=_ts())


class OrderRow(SQLModel, table=True):
    """Header of every order kind: what it is, whose, how much, and where in its lifecycle.

    ``available = amount - reserved - committed``; status is open → reserved → filled, or
    expired / cancelled. ``version`` grows on every change (optimistic concurrency).
    """

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_coop", "coop_id"),)

    id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(max_length=32)
    coop_id: str = Field(foreign_key="coop.id", max_length=64)
    unit: str = Field(max_length=16)
    amount: int = Field(sa_column=_money())
    reserved: int = Field(default=0, sa_column=_money(default=0))
    committed: int = Field(default=0, sa_column=_money(default=0))
    status: str = Field(max_length=16)
    valid_until: date | None = None
    arrival: int = 0
    version: int = 1
    created_at: datetime = Field(sa_column=_ts())
    updated_at: datetime = Field(sa_column=_ts())


class LiquidityOfferRow(SQLModel, table=True):
    """Detail of an idle-funds offer (``orders.kind = liquidity_offer``, unit satang)."""

    __tablename__ = "liquidity_offer"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    min_rate_bps: int
    max_term_days: int
    cap_per_borrower_satang: int | None = Field(default=None, sa_column=_money(nullable=True))


class LiquidityNeedRow(SQLModel, table=True):
    """Detail of a working-capital need (``orders.kind = liquidity_need``, unit satang)."""

    __tablename__ = "liquidity_need"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    max_rate_bps: int
    term_days: int
    min_amount_satang: int = Field(default=0, sa_column=_money(default=0))
    urgency: int = 1
    repayment: str = Field(default="bullet", max_length=16)
    instalments: int = 1


class ObligationRow(SQLModel, table=True):
    """Detail of a debt owed (``orders.kind = obligation``; ``orders.coop_id`` is the debtor).

    Loan instalments falling due become obligations, ready for the set-off matcher.
    """

    __tablename__ = "obligation"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    creditor_coop_id: str = Field(foreign_key="coop.id", max_length=64)
    due_date: date
    source_instalment_id: int | None = Field(
        default=None, foreign_key="loan_instalment.id", unique=True
    )
    source_commitment_id: int | None = Field(default=None, foreign_key="commitment.id", unique=True)
    """The committed sale on credit this debt comes from (buyer owes seller)."""


class ProductRow(SQLModel, table=True):
    """A product of the produce matcher with its grades, best first (``grades`` is
    ``|``-separated, e.g. ``AA|A|B``); stock lots and purchase orders refer to it."""

    __tablename__ = "product"

    id: str = Field(primary_key=True, max_length=64)
    name_th: str = Field(max_length=200)
    name_en: str = Field(default="", max_length=200)
    base_unit: str = Field(max_length=16)
    shelf_life_days: int
    grades: str = Field(max_length=300)


class StockLotRow(SQLModel, table=True):
    """Detail of surplus stock (``orders.kind = stock_lot``; ``orders.amount`` is the quantity
    in the product's base unit, ``orders.valid_until`` the expiry date).

    Location: ``lat_e5``/``lon_e5`` (integer 1e-5 degrees) or a district code; empty means
    the seller coop's own location.
    """

    __tablename__ = "stock_lot"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    product_id: str = Field(foreign_key="product.id", max_length=64)
    grade: str = Field(max_length=16)
    reserve_satang_per_unit: int = Field(sa_column=_money())
    spoilage_satang_per_unit_day: int = Field(default=0, sa_column=_money(default=0))
    ready_date: date
    expiry_date: date
    lat_e5: int | None = None
    lon_e5: int | None = None
    district_code: str = Field(default="", max_length=8)


class PurchaseOrderRow(SQLModel, table=True):
    """Detail of a purchase order (``orders.kind = purchase_order``; ``orders.amount`` is the
    quantity, ``orders.valid_until`` the deliver-by date); its grades are
    ``purchase_order_grade`` rows. Location as for stock lots."""

    __tablename__ = "purchase_order"

    order_id: str = Field(primary_key=True, foreign_key="orders.id", max_length=64)
    product_id: str = Field(foreign_key="product.id", max_length=64)
    deliver_by: date
    min_lot_units: int = Field(default=0, sa_column=_money(default=0))
    lat_e5: int | None = None
    lon_e5: int | None = None
    district_code: str = Field(default="", max_length=8)


class PurchaseOrderGradeRow(SQLModel, table=True):
    """One acceptable grade of a purchase order and the highest delivered price for it;
    ``seq`` keeps the order in which the buyer listed the grades."""

    __tablename__ = "purchase_order_grade"

    order_id: str = Field(primary_key=True, foreign_key="purchase_order.order_id", max_length=64)
    grade: str = Field(primary_key=True, max_length=16)
    seq: int
    max_price_satang_per_unit: int = Field(sa_column=_money())


class RoundRow(SQLModel, table=True):
    """One matching round of one network on one business date (a version of it)."""

    __tablename__ = "round"
    __table_args__ = (
        UniqueConstraint("network_id", "kind", "business_date", "version", name="uq_round_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network_id: str = Field(foreign_key="network.id", max_length=64)
    kind: str = Field(max_length=16)
    business_date: date
    version: int
    status: str = Field(max_length=16)
    tier_cascade: str = Field(max_length=200)
    input_hash: str = Field(max_length=64)
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    solve_status: str = Field(max_length=16)
    solver: str = Field(max_length=64)
    objective_json: str = Field(sa_column=Column(Text, nullable=False))
    notes_json: str = Field(sa_column=Column(Text, nullable=False))
    order_count: int
    proposal_count: int
    load_ms: int
    solve_ms: int
    persist_ms: int
    code_version: str = Field(max_length=64)
    created_by: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=_ts())
    finished_at: datetime = Field(sa_column=_ts())


class ProposalRow(SQLModel, table=True):
    """A proposed match between a supply order and a demand order: a pending reservation.

    status: pending → committed (both sides accepted) | declined | expired | voided.
    """

    __tablename__ = "proposal"
    __table_args__ = (
        Index("ix_proposal_round", "round_id"),
        Index("ix_proposal_status_expiry", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    kind: str = Field(max_length=16)
    supply_order_id: str = Field(max_length=64)
    """The supply order. No foreign key, on purpose: a national round writes ~60,000
    proposals and two FK checks per row (each locking an ``orders`` row) cost about a third
    of the persist step; the persist transaction instead checks that every referenced order
    exists at its snapshot version, and orders are never deleted."""
    demand_order_id: str = Field(max_length=64)
    supply_coop_id: str = Field(max_length=64)
    """Owner of the supply order (denormalised from ``orders``; no extra foreign key)."""
    demand_coop_id: str = Field(max_length=64)
    unit: str = Field(max_length=16)
    amount: int = Field(sa_column=_money())
    tier: str = Field(max_length=16)
    network_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    supply_accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    demand_accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class ProposalLoanRow(SQLModel, table=True):
    """Loan terms of a liquidity proposal."""

    __tablename__ = "proposal_loan"

    proposal_id: int = Field(primary_key=True, foreign_key="proposal.id")
    rate_bps: int
    term_days: int
    interest_satang: int = Field(sa_column=_money())


class ProposalSaleRow(SQLModel, table=True):
    """Sale terms of a produce proposal (``proposal.kind = sale``; supply is the stock lot,
    demand the purchase order, ``proposal.amount`` the quantity in the product's base unit).

    ``credit_due_date`` is set when the buyer buys on credit: committing the sale then
    creates an obligation (buyer owes seller ``value_satang``) due on that date.
    """

    __tablename__ = "proposal_sale"

    proposal_id: int = Field(primary_key=True, foreign_key="proposal.id")
    product_id: str = Field(max_length=64)
    grade: str = Field(max_length=16)
    price_satang_per_unit: int = Field(sa_column=_money())
    value_satang: int = Field(sa_column=_money())
    transport_satang: int = Field(sa_column=_money())
    spoilage_satang: int = Field(sa_column=_money())
    distance_m: int
    delivery_date: date
    credit_due_date: date | None = None


class CommitmentRow(SQLModel, table=True):
    """Append-only ledger entry: a proposal both sides accepted (a loan, sale or set-off)."""

    __tablename__ = "commitment"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", unique=True)
    kind: str = Field(max_length=16)
    supply_coop_id: str = Field(foreign_key="coop.id", max_length=64)
    demand_coop_id: str = Field(foreign_key="coop.id", max_length=64)
    unit: str = Field(max_length=16)
    amount: int = Field(sa_column=_money())
    business_date: date
    committed_at: datetime = Field(sa_column=_ts())


class CommitmentLoanRow(SQLModel, table=True):
    """Loan terms of a committed loan (append-only)."""

    __tablename__ = "commitment_loan"

    commitment_id: int = Field(primary_key=True, foreign_key="commitment.id")
    rate_bps: int
    term_days: int
    interest_satang: int = Field(sa_column=_money())
    start_date: date
    maturity_date: date
    repayment: str = Field(max_length=16)


class CommitmentSaleRow(SQLModel, table=True):
    """Sale terms of a committed produce sale (append-only)."""

    __tablename__ = "commitment_sale"

    commitment_id: int = Field(primary_key=True, foreign_key="commitment.id")
    product_id: str = Field(max_length=64)
    grade: str = Field(max_length=16)
    price_satang_per_unit: int = Field(sa_column=_money())
    value_satang: int = Field(sa_column=_money())
    delivery_date: date
    credit_obligation_id: str | None = Field(default=None, max_length=64)
    """The obligation order the sale created when the buyer buys on credit."""


class CommitmentSetoffRow(SQLModel, table=True):
    """Append-only ledger entry: part of an obligation cancelled by a round's set-off.

    Set-off needs no second consent: posting an obligation to the network is the consent
    to multilateral clearing (a cycle cleared only in part would change net positions),
    so the round commits every notice with ``set_off > 0`` directly.
    """

    __tablename__ = "commitment_setoff"
    __table_args__ = (
        UniqueConstraint("round_id", "obligation_order_id", name="uq_setoff_round_obligation"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    obligation_order_id: str = Field(foreign_key="orders.id", max_length=64)
    debtor_coop_id: str = Field(max_length=64)
    creditor_coop_id: str = Field(max_length=64)
    amount_satang: int = Field(sa_column=_money())
    """The part set off."""
    remaining_satang: int = Field(sa_column=_money())
    """What the obligation still owes after this set-off."""
    business_date: date
    committed_at: datetime = Field(sa_column=_ts())


class NeedReliefRow(SQLModel, table=True):
    """Append-only: the part of a liquidity need that a round's set-off covered.

    Payables due by the business date that set-off cancelled no longer need cash, so the
    round counts them as filled on the coop's needs (``orders.committed``); a later
    version or round then lends only what is still missing. Not borrowing: it does not
    count against the registrar's borrowing limit.
    """

    __tablename__ = "need_relief"
    __table_args__ = (UniqueConstraint("round_id", "need_order_id", name="uq_relief_round_need"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    need_order_id: str = Field(foreign_key="orders.id", max_length=64)
    coop_id: str = Field(max_length=64)
    amount_satang: int = Field(sa_column=_money())
    business_date: date
    committed_at: datetime = Field(sa_column=_ts())


class LoanInstalmentRow(SQLModel, table=True):
    """One scheduled repayment of a committed loan (append-only)."""

    __tablename__ = "loan_instalment"
    __table_args__ = (UniqueConstraint("commitment_id", "seq", name="uq_instalment_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    seq: int
    due_date: date
    principal_satang: int = Field(sa_column=_money())
    interest_satang: int = Field(sa_column=_money())


class AuditEventRow(SQLModel, table=True):
    """Hash-chained audit log: ``hash = sha256(prev_hash + canonical JSON of the event)``.

    Events form several chains (``chain``: ``global``, or ``coop:<id>`` for a member's order
    posts); ``seq`` numbers the events of one chain from 1, ``id`` orders all rows.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ux_audit_event_chain_seq", "chain", "seq", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(
        default="global",
        sa_column=Column(String(80), nullable=False, server_default="global"),
    )
    seq: int
    occurred_at: datetime = Field(sa_column=_ts())
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    entity: str = Field(max_length=32)
    entity_id: str = Field(max_length=64)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)


class AuditChainHeadRow(SQLModel, table=True):
    """The last event of each audit chain (its ``seq`` and ``hash``). Appending to a chain
    locks this row first, so the appends of one chain are strictly ordered while different
    chains append concurrently; ``coopmatch audit verify`` checks it against the chain."""

    __tablename__ = "audit_chain_head"

    chain: str = Field(primary_key=True, max_length=80)
    seq: int
    hash: str = Field(max_length=64)


APPEND_ONLY_TABLES = (
    "commitment",
    "commitment_loan",
    "loan_instalment",
    "audit_event",
    "commitment_sale",
    "commitment_setoff",
    "need_relief",
)
"""Tables whose rows are never updated or deleted (enforced by triggers in the migration)."""

metadata = SQLModel.metadata

from api.db import tables_jobs as _tables_jobs  # noqa: E402,F401  (registers them in metadata)
from api.db import tables_knowhow as _tables_knowhow  # noqa: E402,F401  (know-how matching)
from api.db import tables_purchase as _tables_purchase  # noqa: E402,F401  (joint purchasing)
from api.db import tables_report as _tables_report  # noqa: E402,F401  (registers it in metadata)
from api.db import tables_round as _tables_round  # noqa: E402,F401  (registers them in metadata)
from api.db import tables_startup as _tables_startup  # noqa: E402,F401  (start-up capital)
