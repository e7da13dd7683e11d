"""Audit chains: the hash-chained audit log becomes several chains, each with a head row.

Every existing event joins the ``global`` chain with ``seq = id`` (its hashes are unchanged:
the global chain keeps the 64-zero genesis and the hashed event never names its chain), and
``audit_chain_head`` gets the global chain's last event. A trigger makes every new event
follow its chain's head and moves the head on, so the database refuses a fork or a gap.
New chains (``coop:<id>``, a member's order posts) start from their own genesis hash, so
no two chains share a ``prev_hash`` and an event moved to another chain no longer
verifies. ``id`` is assigned by the database from now on (PostgreSQL: its sequence is moved
past the existing rows).

The append-only triggers are dropped for the backfill and created again; SQLite keeps a
``DEFAULT 0`` on ``seq`` (a column added with NOT NULL needs one there), the app always
sets it and ``(chain, seq)`` is unique.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _pg() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _drop_triggers() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{event}")


def _create_triggers() -> None:
    if _pg():
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION coopmatch_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table audit_event: {event} rejected'); END"
        )


def _create_head_trigger() -> None:
    """Every inserted event must follow its chain's head (next ``seq``, ``prev_hash`` = the
    head's hash) and moves the head on: the database itself refuses a fork or a gap."""
    if _pg():
        op.execute(
            "CREATE FUNCTION coopmatch_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash "
            "WHERE chain = NEW.chain AND seq = NEW.seq - 1 AND hash = NEW.prev_hash; "
            "IF NOT FOUND THEN RAISE EXCEPTION 'audit event % of chain % does not follow its "
            "head', NEW.seq, NEW.chain USING ERRCODE = 'restrict_violation'; END IF; "
            "RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_moves_head AFTER INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION coopmatch_audit_head()"
        )
        return
    op.execute(
        "CREATE TRIGGER audit_event_moves_head AFTER INSERT ON audit_event BEGIN "
        "SELECT RAISE(ABORT, 'audit event does not follow its chain head') WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_chain_head WHERE chain = NEW.chain AND seq = NEW.seq - 1 "
        "AND hash = NEW.prev_hash); "
        "UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.hash WHERE chain = NEW.chain; "
        "END"
    )


def _drop_head_trigger() -> None:
    if _pg():
        op.execute("DROP TRIGGER IF EXISTS audit_event_moves_head ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS coopmatch_audit_head()")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_moves_head")


def upgrade() -> None:
    _drop_triggers()
    op.add_column(
        "audit_event",
        sa.Column("chain", sa.String(length=80), nullable=False, server_default="global"),
    )
    op.add_column("audit_event", sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE audit_event SET seq = id")
    if _pg():
        op.execute("ALTER TABLE audit_event ALTER COLUMN seq DROP DEFAULT")
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), "
            "COALESCE((SELECT MAX(id) FROM audit_event), 0) + 1, false)"
        )
    op.create_index("ux_audit_event_chain_seq", "audit_event", ["chain", "seq"], unique=True)
    op.create_table(
        "audit_chain_head",
        sa.Column("chain", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.execute(
        "INSERT INTO audit_chain_head (chain, seq, hash) "
        "SELECT 'global', id, hash FROM audit_event WHERE id = (SELECT MAX(id) FROM audit_event)"
    )
    _create_triggers()
    _create_head_trigger()


def downgrade() -> None:
    """Back to one chain: only while every event is in the global chain with ``id = seq``."""
    bind = op.get_bind()
    others = bind.execute(
        sa.text("SELECT COUNT(*) FROM audit_event WHERE chain <> 'global' OR id <> seq")
    )
    if others.scalar_one():
        raise RuntimeError(
            "audit events outside the global chain, or ids that are not their sequence "
            "numbers: the single chain of 0007 cannot hold them"
        )
    _drop_head_trigger()
    op.drop_table("audit_chain_head")
    op.drop_index("ux_audit_event_chain_seq", table_name="audit_event")
    _drop_triggers()
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("seq")
        batch.drop_column("chain")
    _create_triggers()
