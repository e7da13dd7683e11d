"""Need relief: the part of a liquidity need a round's set-off covered (append-only).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "need_relief",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("need_order_id", sa.String(length=64), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("amount_satang", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["need_order_id"], ["orders.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", "need_order_id", name="uq_relief_round_need"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER need_relief_append_only BEFORE UPDATE OR DELETE ON need_relief "
            "FOR EACH ROW EXECUTE FUNCTION coopmatch_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER need_relief_no_{event.lower()} BEFORE {event} ON need_relief "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table need_relief: {event} rejected'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS need_relief_append_only ON need_relief")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS need_relief_no_{event}")
    op.drop_table("need_relief")
