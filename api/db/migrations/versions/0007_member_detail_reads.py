"""Row-level security on the detail tables a member's reads join, so member-scoped reads
(:func:`api.db.tenant.member_session`) can show an order's terms, a proposal's loan or sale
terms and a commitment's schedule, and still only the coop's own.

Each detail row is visible to ``coopmatch_member`` exactly when its header is: the policy
asks for the header's id in the header table, which row-level security already filters for
the role. The product catalogue is shared reference data: readable, no policy. SQLite has
no row-level security: nothing to do there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 22:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ROLE = "coopmatch_member"
_ORDER = "order_id IN (SELECT id FROM orders)"
_PROPOSAL = "proposal_id IN (SELECT id FROM proposal)"
_COMMITMENT = "commitment_id IN (SELECT id FROM commitment)"
POLICIES = {
    "liquidity_offer": _ORDER,
    "liquidity_need": _ORDER,
    "obligation": _ORDER,
    "stock_lot": _ORDER,
    "purchase_order": _ORDER,
    "purchase_order_grade": _ORDER,
    "proposal_loan": _PROPOSAL,
    "proposal_sale": _PROPOSAL,
    "commitment_loan": _COMMITMENT,
    "loan_instalment": _COMMITMENT,
}
SHARED = ("product",)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, rule in POLICIES.items():
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_own_coop ON {table} FOR SELECT TO {ROLE} USING ({rule})")
    for table in SHARED:
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in POLICIES:
        op.execute(f"DROP POLICY IF EXISTS {table}_own_coop ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
    for table in SHARED:
        op.execute(f"REVOKE ALL ON {table} FROM {ROLE}")
