"""Joint purchasing: input needs and supplier offers as order kinds, group orders.

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _big(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.BigInteger(), nullable=False)


def _id(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "input_need",
        _id("order_id"),
        _id("product"),
        sa.Column("deliver_by", sa.Date(), nullable=False),
        _big("max_price_satang_per_unit"),
        sa.Column("lat_e5", sa.Integer(), nullable=False),
        sa.Column("lon_e5", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "supplier_offer",
        _id("order_id"),
        _id("product"),
        sa.Column("schedule_kind", sa.String(length=16), nullable=False),
        sa.Column("tiers_json", sa.Text(), nullable=False),
        _big("min_order_units"),
        sa.Column("lat_e5", sa.Integer(), nullable=False),
        sa.Column("lon_e5", sa.Integer(), nullable=False),
        _big("truck_capacity_units"),
        _big("truck_satang"),
        _big("truck_satang_per_km"),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("max_distance_m", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "joint_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        _id("network_id"),
        _id("offer_order_id"),
        _id("supplier_coop_id"),
        _id("product"),
        _big("volume"),
        sa.Column("tier", sa.Integer(), nullable=False),
        _big("unit_price_satang"),
        _big("goods_satang"),
        _big("delivery_satang"),
        _big("saving_satang"),
        _big("alone_saving_satang"),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("commit_by"),
        _ts("created_at"),
        _ts("supplier_accepted_at", nullable=True),
        _ts("closed_at", nullable=True),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.ForeignKeyConstraint(["offer_order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_joint_order_round", "joint_order", ["round_id"])
    op.create_index("ix_joint_order_status", "joint_order", ["network_id", "status"])
    op.create_table(
        "joint_order_member",
        sa.Column("joint_order_id", sa.Integer(), nullable=False),
        _id("need_order_id"),
        _id("coop_id"),
        _big("quantity"),
        _big("delivery_satang"),
        _big("pays_satang"),
        _big("saving_satang"),
        _big("alone_saving_satang"),
        _ts("accepted_at", nullable=True),
        _ts("declined_at", nullable=True),
        _id("obligation_order_id", nullable=True),
        sa.ForeignKeyConstraint(["joint_order_id"], ["joint_order.id"]),
        sa.ForeignKeyConstraint(["need_order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("joint_order_id", "need_order_id"),
    )
    op.create_index(op.f("ix_joint_order_member_coop_id"), "joint_order_member", ["coop_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_joint_order_member_coop_id"), table_name="joint_order_member")
    op.drop_table("joint_order_member")
    op.drop_index("ix_joint_order_status", table_name="joint_order")
    op.drop_index("ix_joint_order_round", table_name="joint_order")
    op.drop_table("joint_order")
    op.drop_table("supplier_offer")
    op.drop_table("input_need")
