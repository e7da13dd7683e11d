"""Start-up capital (the ``startup_need`` flag of a liquidity need) and know-how matching
(``knowhow_posting``, ``knowhow_proposal``).

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-06 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0016"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.String(length=64), nullable=False)


def upgrade() -> None:
    op.create_table(
        "startup_need",
        _id("order_id"),
        sa.Column("business", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("order_id"),
    )
    op.create_table(
        "knowhow_posting",
        _id("id"),
        sa.Column("side", sa.String(length=8), nullable=False),
        _id("coop_id"),
        _id("topic"),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("lat_e5", sa.Integer(), nullable=False),
        sa.Column("lon_e5", sa.Integer(), nullable=False),
        sa.Column("max_distance_m", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("created_at"),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowhow_posting_coop", "knowhow_posting", ["coop_id", "status"])
    op.create_table(
        "knowhow_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        _id("network_id"),
        _id("request_id"),
        _id("offer_id"),
        _id("learner_coop_id"),
        _id("mentor_coop_id"),
        _id("topic"),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        _ts("created_at"),
        _ts("expires_at"),
        _ts("learner_accepted_at", True),
        _ts("mentor_accepted_at", True),
        _ts("closed_at", True),
        sa.ForeignKeyConstraint(["round_id"], ["round.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["knowhow_posting.id"]),
        sa.ForeignKeyConstraint(["offer_id"], ["knowhow_posting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowhow_proposal_round", "knowhow_proposal", ["round_id"])
    op.create_index("ix_knowhow_proposal_status", "knowhow_proposal", ["status", "expires_at"])
    op.create_index(
        op.f("ix_knowhow_proposal_learner_coop_id"), "knowhow_proposal", ["learner_coop_id"]
    )
    op.create_index(
        op.f("ix_knowhow_proposal_mentor_coop_id"), "knowhow_proposal", ["mentor_coop_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_knowhow_proposal_mentor_coop_id"), table_name="knowhow_proposal")
    op.drop_index(op.f("ix_knowhow_proposal_learner_coop_id"), table_name="knowhow_proposal")
    op.drop_index("ix_knowhow_proposal_status", table_name="knowhow_proposal")
    op.drop_index("ix_knowhow_proposal_round", table_name="knowhow_proposal")
    op.drop_table("knowhow_proposal")
    op.drop_index("ix_knowhow_posting_coop", table_name="knowhow_posting")
    op.drop_table("knowhow_posting")
    op.drop_table("startup_need")
