"""Loan instalments falling due become obligations (orders of kind ``obligation``).

Each due instalment of a committed loan turns into one open ``obligation`` order owed by the
borrower to the lender, for principal plus interest, ready for the set-off matcher; the
instalment id is unique on the obligation, so promoting twice creates nothing new.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.mapping import OBLIGATION
from api.db.repo import member_coops
from api.db.tables import CommitmentRow, LoanInstalmentRow, ObligationRow, OrderRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from matcher.setoff.model import Obligation


def promote_due_instalments(
    engine: Engine, as_of: date, *, actor: str = "system", clock: UtcClock = system_clock
) -> list[str]:
    """Create an obligation for every instalment due on or before ``as_of``; returns ids."""
    return in_write_transaction(engine, lambda s: promote_due(s, as_of, clock(), actor))


def promote_due(
    session: Session, as_of: date, now: datetime, actor: str, network_ids: list[str] | None = None
) -> list[str]:
    """:func:`promote_due_instalments` in the caller's transaction; with ``network_ids`` (a
    round's subtree) only the instalments owed by the subtree's coops."""
    done = select(col(ObligationRow.source_instalment_id)).where(
        col(ObligationRow.source_instalment_id).is_not(None)
    )
    stmt = (
        select(
            col(LoanInstalmentRow.id),
            col(LoanInstalmentRow.due_date),
            col(LoanInstalmentRow.principal_satang),
            col(LoanInstalmentRow.interest_satang),
            col(CommitmentRow.supply_coop_id),
            col(CommitmentRow.demand_coop_id),
        )
        .join(CommitmentRow, col(CommitmentRow.id) == col(LoanInstalmentRow.commitment_id))
        .where(col(LoanInstalmentRow.due_date) <= as_of, col(LoanInstalmentRow.id).not_in(done))
        .order_by(col(LoanInstalmentRow.id))
    )
    if network_ids is not None:
        stmt = stmt.where(col(CommitmentRow.demand_coop_id).in_(member_coops(network_ids)))
    rows = session.execute(stmt).all()
    if not rows:
        return []
    heads, details, ids = [], [], []
    for inst_id, due, principal, interest, lender, borrower in rows:
        oid = f"OBL-{inst_id}"
        ids.append(oid)
        heads.append(
            {
                "id": oid,
                "kind": OBLIGATION.kind,
                "coop_id": borrower,
                "unit": OBLIGATION.unit,
                "amount": principal + interest,
                "reserved": 0,
                "committed": 0,
                "status": "open",
                "valid_until": None,
                "arrival": 0,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        details.append(
            {
                "order_id": oid,
                "creditor_coop_id": lender,
                "due_date": due,
                "source_instalment_id": inst_id,
            }
        )
    session.execute(insert(OrderRow), heads)
    session.execute(insert(ObligationRow), details)
    append_event(
        session,
        now,
        actor,
        "obligations.promoted",
        "order",
        "*",
        {"as_of": as_of.isoformat(), "ids": ids},
    )
    return ids


def open_obligations(session: Session, coop_ids: list[str] | None = None) -> list[Obligation]:
    """Open obligations as set-off matcher input (optionally only debts of ``coop_ids``)."""
    stmt = (
        select(
            col(OrderRow.id),
            col(OrderRow.coop_id),
            col(ObligationRow.creditor_coop_id),
            col(OrderRow.amount) - col(OrderRow.reserved) - col(OrderRow.committed),
            col(ObligationRow.due_date),
        )
        .join(ObligationRow, col(ObligationRow.order_id) == col(OrderRow.id))
        .where(
            col(OrderRow.kind) == OBLIGATION.kind, col(OrderRow.status).in_(("open", "reserved"))
        )
        .order_by(col(OrderRow.id))
    )
    if coop_ids is not None:
        stmt = stmt.where(col(OrderRow.coop_id).in_(coop_ids))
    return [
        obligation_to_domain(oid, debtor, creditor, int(amount), due)
        for oid, debtor, creditor, amount, due in session.execute(stmt)
        if amount > 0
    ]


def obligation_to_domain(
    order_id: str, debtor: str, creditor: str, amount_satang: int, due: date | None
) -> Obligation:
    """An ``obligation`` order → the set-off matcher's :class:`Obligation`."""
    return Obligation(order_id, debtor, creditor, amount_satang, due)
