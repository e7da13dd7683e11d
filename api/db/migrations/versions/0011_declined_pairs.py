"""Declined pairs: a declined proposal's orders, not proposed again while neither changed.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declined_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("supply_order_id", sa.String(length=64), nullable=False),
        sa.Column("demand_order_id", sa.String(length=64), nullable=False),
        sa.Column("declined_by_coop_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"]),
        sa.ForeignKeyConstraint(["supply_order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["demand_order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
    )
    op.create_index(
        "ix_declined_pair_orders", "declined_pair", ["supply_order_id", "demand_order_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_declined_pair_orders", table_name="declined_pair")
    op.drop_table("declined_pair")
