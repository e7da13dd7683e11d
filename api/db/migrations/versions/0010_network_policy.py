"""Network policy: stored, versioned round settings of each network (append-only).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "network_policy",
        sa.Column("network_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy_json", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["network.id"]),
        sa.PrimaryKeyConstraint("network_id", "version"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER network_policy_append_only BEFORE UPDATE OR DELETE ON network_policy "
            "FOR EACH ROW EXECUTE FUNCTION coopmatch_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER network_policy_no_{event.lower()} BEFORE {event} ON network_policy "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table network_policy: {event} rejected'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS network_policy_append_only ON network_policy")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS network_policy_no_{event}")
    op.drop_table("network_policy")
