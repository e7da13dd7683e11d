"""Declined pairs may name a processor: the pair's sides lose their foreign keys to orders.

A processor of the network policy (grading, feed milling, packing) is one side of the sale
proposals of its legs (lot → processor, processor → order) but no order, so a declined leg
could not be remembered. The sides are now plain ids (an order id or a processor id), as on
``proposal`` itself.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SIDES = ("supply_order_id", "demand_order_id")


def _table(with_order_keys: bool) -> sa.Table:
    """``declined_pair`` as 0011 made it, with or without the sides' foreign keys."""
    keys = [sa.ForeignKeyConstraint([c], ["orders.id"]) for c in SIDES] if with_order_keys else []
    return sa.Table(
        "declined_pair",
        sa.MetaData(),
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
        *keys,
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
        sa.Index("ix_declined_pair_orders", "supply_order_id", "demand_order_id"),
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("declined_pair", copy_from=_table(False), recreate="always"):
            pass
        return
    for fk in sa.inspect(bind).get_foreign_keys("declined_pair"):
        if fk["referred_table"] == "orders" and fk["name"]:
            op.drop_constraint(fk["name"], "declined_pair", type_="foreignkey")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("declined_pair", copy_from=_table(True), recreate="always"):
            pass
        return
    for side in SIDES:
        op.create_foreign_key(None, "declined_pair", "orders", [side], ["id"])
