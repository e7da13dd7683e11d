"""Stored background jobs: funding plans and stress runs with their results (``analysis_job``).

Revision ID: 0017
Revises: 0018
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "analysis_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("chart_png", sa.LargeBinary(), nullable=True),
        sa.Column("error_json", sa.Text(), nullable=True),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("done_count", sa.Integer(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("started_at", ts, nullable=True),
        sa.Column("finished_at", ts, nullable=True),
        sa.Column("beat_at", ts, nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["network.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_job_network", ["network_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("analysis_job", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_job_network")
    op.drop_table("analysis_job")
