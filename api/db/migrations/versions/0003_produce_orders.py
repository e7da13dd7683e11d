"""Produce order kinds: products, stock lots, purchase orders and their grades.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _location() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("lat_e5", sa.Integer(), nullable=True),
        sa.Column("lon_e5", sa.Integer(), nullable=True),
        sa.Column("district_code", sa.String(length=8), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "product",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name_th", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("base_unit", sa.String(length=16), nullable=False),
        sa.Column("shelf_life_days", sa.Integer(), nullable=False),
        sa.Column("grades", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "stock_lot",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("reserve_satang_per_unit", sa.BigInteger(), nullable=False),
        sa.Column(
            "spoilage_satang_per_unit_day", sa.BigInteger(), server_default="0", nullable=False
        ),
        sa.Column("ready_date", sa.Date(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        *_location(),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "purchase_order",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("deliver_by", sa.Date(), nullable=False),
        sa.Column("min_lot_units", sa.BigInteger(), server_default="0", nullable=False),
        *_location(),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "purchase_order_grade",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("grade", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("max_price_satang_per_unit", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["purchase_order.order_id"]),
        sa.PrimaryKeyConstraint("order_id", "grade"),
    )


def downgrade() -> None:
    op.drop_table("purchase_order_grade")
    op.drop_table("purchase_order")
    op.drop_table("stock_lot")
    op.drop_table("product")
