"""Start-up capital: the ``startup_need`` flag of a liquidity need.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "startup_need",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("business", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )


def downgrade() -> None:
    op.drop_table("startup_need")
