"""Committing a produce sale: the sale's ledger terms and, on credit, the buyer's debt.

A sale proposal (stock lot → purchase order) that both sides accept appends a
``commitment_sale`` row. When the round priced it for a credit buyer
(``proposal_sale.credit_due_date`` set), the buyer now owes the seller the sale's value:
an open ``obligation`` order ``OBL-SALE-<commitment id>`` due on that date, which the
next round's set-off sees. Declining or expiry creates nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from api.db.audit import append_event
from api.db.mapping import OBLIGATION
from api.db.tables import CommitmentSaleRow, ObligationRow, OrderRow, ProposalRow, ProposalSaleRow
from api.services.errors import InvalidStateError


def credit_obligation_id(commitment_id: int) -> str:
    """Id of the obligation a committed sale on credit creates."""
    return f"OBL-SALE-{commitment_id}"


def book_sale(
    session: Session, p: ProposalRow, cid: int, now: datetime, actor: str
) -> dict[str, int | str | None]:
    """Append the sale's terms for commitment ``cid``; returns the audit payload part."""
    terms = session.get(ProposalSaleRow, p.id)
    if terms is None:
        raise InvalidStateError(f"proposal {p.id} has no sale terms", "ข้อเสนอไม่มีเงื่อนไขการขาย")
    obligation_id = None
    if terms.credit_due_date is not None and terms.value_satang > 0:
        obligation_id = credit_obligation_id(cid)
        session.execute(
            insert(OrderRow),
            {
                "id": obligation_id,
                "kind": OBLIGATION.kind,
                "coop_id": p.demand_coop_id,
                "unit": OBLIGATION.unit,
                "amount": terms.value_satang,
                "reserved": 0,
                "committed": 0,
                "status": "open",
                "valid_until": None,
                "arrival": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        session.execute(
            insert(ObligationRow),
            {
                "order_id": obligation_id,
                "creditor_coop_id": p.supply_coop_id,
                "due_date": terms.credit_due_date,
                "source_commitment_id": cid,
            },
        )
        append_event(
            session,
            now,
            actor,
            "obligation.created",
            "order",
            obligation_id,
            {
                "commitment_id": cid,
                "debtor": p.demand_coop_id,
                "creditor": p.supply_coop_id,
                "amount_satang": terms.value_satang,
                "due_date": terms.credit_due_date.isoformat(),
            },
        )
    session.execute(
        insert(CommitmentSaleRow),
        {
            "commitment_id": cid,
            "product_id": terms.product_id,
            "grade": terms.grade,
            "price_satang_per_unit": terms.price_satang_per_unit,
            "value_satang": terms.value_satang,
            "delivery_date": terms.delivery_date,
            "credit_obligation_id": obligation_id,
        },
    )
    return {
        "kind": "sale",
        "quantity": p.amount,
        "value_satang": terms.value_satang,
        "price_satang_per_unit": terms.price_satang_per_unit,
        "credit_obligation_id": obligation_id,
    }
