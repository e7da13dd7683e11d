"""Cash payments of debts outside rounds (append-only): instalments, sale debts, posted debts.

Also lets a member read its own sales' commitment terms (``commitment_sale``) under
row-level security, as 0007 does for loans: a sale commitment reads as a sale over /v1.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
ROLE = "coopmatch_member"


def upgrade() -> None:
    op.create_table(
        "cash_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_order_id", sa.String(length=64), nullable=False),
        sa.Column("debtor_coop_id", sa.String(length=64), nullable=False),
        sa.Column("creditor_coop_id", sa.String(length=64), nullable=False),
        sa.Column("amount_satang", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=128), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["obligation_order_id"], ["orders.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_cash_payment_obligation_order_id"), "cash_payment", ["obligation_order_id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON commitment_sale TO {ROLE}")
        op.execute("ALTER TABLE commitment_sale ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY commitment_sale_own_coop ON commitment_sale FOR SELECT TO {ROLE} "
            "USING (commitment_id IN (SELECT id FROM commitment))"
        )
        op.execute(
            "CREATE TRIGGER cash_payment_append_only BEFORE UPDATE OR DELETE ON cash_payment "
            "FOR EACH ROW EXECUTE FUNCTION coopmatch_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER cash_payment_no_{event.lower()} BEFORE {event} ON cash_payment "
            f"BEGIN SELECT RAISE(ABORT, 'append-only table cash_payment: {event} rejected'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cash_payment_append_only ON cash_payment")
        op.execute("DROP POLICY IF EXISTS commitment_sale_own_coop ON commitment_sale")
        op.execute("ALTER TABLE commitment_sale DISABLE ROW LEVEL SECURITY")
        op.execute(f"REVOKE ALL ON commitment_sale FROM {ROLE}")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS cash_payment_no_{event}")
    op.drop_index(op.f("ix_cash_payment_obligation_order_id"), table_name="cash_payment")
    op.drop_table("cash_payment")
