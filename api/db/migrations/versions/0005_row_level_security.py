"""PostgreSQL row-level security: a second tenant layer under the service checks.

A non-login role ``coopmatch_member`` may only read the rows of the coop named by the
transaction's ``app.coop_id`` setting: its own orders, and the proposals and commitments it
is a party to. The application's own role owns the tables and so is not filtered;
member-scoped reads switch into the role with ``SET LOCAL ROLE`` (see
:func:`api.db.tenant.member_session`), so even a query that forgets the ``coop_id`` filter
sees nothing of another coop. SQLite has no row-level security: nothing to do there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ROLE = "coopmatch_member"
COOP = "current_setting('app.coop_id', true)"
POLICIES = {
    "orders": f"coop_id = {COOP}",
    "proposal": f"supply_coop_id = {COOP} OR demand_coop_id = {COOP}",
    "commitment": f"supply_coop_id = {COOP} OR demand_coop_id = {COOP}",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Roles are cluster-wide: another schema (or a concurrent migration) may have made it.
    op.execute(
        "DO $$ BEGIN CREATE ROLE coopmatch_member NOLOGIN; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
    )
    op.execute(
        "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO coopmatch_member', "
        "current_schema()); END $$"
    )
    for table, rule in POLICIES.items():
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_own_coop ON {table} FOR SELECT TO {ROLE} USING ({rule})")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {table}_own_coop ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    op.execute(
        "DO $$ BEGIN EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM coopmatch_member', "
        "current_schema()); END $$"
    )
