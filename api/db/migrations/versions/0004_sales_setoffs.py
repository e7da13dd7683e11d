"""Combined round on the database: sale proposals, sale and set-off commitments, and the
obligations that committed sales on credit create.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APPEND_ONLY = ("commitment_sale", "commitment_setoff")


def upgrade() -> None:
    op.create_table(
        "proposal_sale",
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("price_satang_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("value_satang", sa.BigInteger(), nullable=False),
        sa.Column("transport_satang", sa.BigInteger(), nullable=False),
        sa.Column("spoilage_satang", sa.BigInteger(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("credit_due_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"]),
        sa.PrimaryKeyConstraint("proposal_id"),
    )
    op.create_table(
        "commitment_sale",
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("price_satang_per_unit", sa.BigInteger(), nullable=False),
        sa.Column("value_satang", sa.BigInteger(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("credit_obligation_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"]),
        sa.PrimaryKeyConstraint("commitment_id"),
    )
    op.create_table(
        "commitment_setoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("obligation_order_id", sa.String(length=64), nullable=False),
        sa.Column("debtor_coop_id", sa.String(length=64), nullable=False),
        sa.Column("creditor_coop_id", sa.String(length=64), nullable=False),
        sa.Column("amount_satang", sa.BigInteger(), nullable=False),
        sa.Column("remaining_satang", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["obligation_order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "obligation_order_id", name="uq_setoff_round_obligation"),
    )
    with op.batch_alter_table("obligation") as batch:
        batch.add_column(sa.Column("source_commitment_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(
            "uq_obligation_source_commitment_id", ["source_commitment_id"]
        )
        batch.create_foreign_key(
            "fk_obligation_source_commitment", "commitment", ["source_commitment_id"], ["id"]
        )
    _append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("obligation") as batch:
        batch.drop_constraint("fk_obligation_source_commitment", type_="foreignkey")
        batch.drop_constraint("uq_obligation_source_commitment_id", type_="unique")
        batch.drop_column("source_commitment_id")
    op.drop_table("commitment_setoff")
    op.drop_table("commitment_sale")
    op.drop_table("proposal_sale")


def _append_only_triggers() -> None:
    """The new ledger tables reject UPDATE and DELETE like the others (see 0001)."""
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION coopmatch_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'append-only table {table}: {event} rejected'); END"
            )


def _drop_append_only_triggers() -> None:
    for table in APPEND_ONLY:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
