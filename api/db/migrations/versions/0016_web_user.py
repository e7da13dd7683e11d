"""People's accounts for the web pages (``web_user``): a user name, an argon2 password
hash, the account's own API key (its role, network or coop) and the first-login flag
(:mod:`api.http.users`); where a coop's reminders go (``coop_contact``) and the reminders
already sent (``reminder_sent``, :mod:`api.services.reminders`).

Revision ID: 0016
Revises: 0017
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["key_id"], ["api_key.id"]),
        sa.PrimaryKeyConstraint("username"),
        sa.UniqueConstraint("key_id"),
    )
    op.create_table(
        "coop_contact",
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("line_to", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.PrimaryKeyConstraint("coop_id"),
    )
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coop_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["coop_id"], ["coop.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "coop_id", "kind", "ref", "business_date", "channel", name="uq_reminder_once"
        ),
    )


def downgrade() -> None:
    op.drop_table("reminder_sent")
    op.drop_table("coop_contact")
    op.drop_table("web_user")
