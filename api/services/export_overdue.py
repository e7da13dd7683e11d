"""The overdue part of a round's export: the debts from the round's committed loans (their
instalments, once due) and sales on credit that are overdue on a date, with days past due.

Which date is the caller's: ``coopmatch export round`` and the web download use the export's
date (today in Asia/Bangkok, or ``--as-of``); on the round's own business date none of its
debts is due yet. A loan instalment counts once it has become a debt (the round of its due
date promotes it); the rule is :func:`api.services.payments.open_debts_in`.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from api.db.tables import CommitmentRow, CoopRow, LoanInstalmentRow, ProposalRow, RoundRow
from api.services.payments import overdue_in
from matcher.money import satang_to_decimal_string


def overdue_rows(s: Session, rnd: RoundRow, day: date) -> list[list[object]]:
    """The debts from ``rnd``'s committed loans (their instalments) and sales on credit that
    are overdue on ``day``, most days past due first (the rule of
    :func:`~api.services.payments.open_debts_in`)."""
    commitments = dict(
        s.execute(
            select(col(CommitmentRow.id), col(ProposalRow.id))
            .join(ProposalRow, col(ProposalRow.id) == col(CommitmentRow.proposal_id))
            .where(col(ProposalRow.round_id) == rnd.id)
        ).all()
    )
    if not commitments:
        return []
    instalments = dict(
        s.execute(
            select(col(LoanInstalmentRow.id), col(LoanInstalmentRow.commitment_id)).where(
                col(LoanInstalmentRow.commitment_id).in_(list(commitments))
            )
        ).all()
    )
    names = dict(s.execute(select(col(CoopRow.id), col(CoopRow.name_th))).all())
    rows: list[list[object]] = []
    for d in overdue_in(s, day, network_id=rnd.network_id):
        if d.source == "instalment" and d.source_id in instalments:
            proposal, code = commitments[instalments[d.source_id]], "instalment"
        elif d.source == "sale" and d.source_id in commitments:
            proposal, code = commitments[d.source_id], "sale_credit"
        else:
            continue
        rows.append([
            d.obligation_id, code, proposal, d.debtor, names.get(d.debtor, ""), d.creditor,
            names.get(d.creditor, ""), d.due_date, satang_to_decimal_string(d.open_satang),
            d.days_past_due, day,
        ])  # fmt: skip
    return rows
