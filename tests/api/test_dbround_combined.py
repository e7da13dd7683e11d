"""The database round is the combined round: set-off, loans on shrunk needs, produce sales.

Every solve here is checked by the independent round validator; the persisted proposals
and set-off commitments must equal what the validated solve returned.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from dbseed import COMBINED_DAY, COORDINATOR, check_invariants, seed_combined, seed_lamphun
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.audit import verify_chain
from api.db.tables import (
    AuditEventRow,
    CommitmentRow,
    CommitmentSaleRow,
    CommitmentSetoffRow,
    ObligationRow,
    OrderRow,
    ProposalRow,
    ProposalSaleRow,
)
from api.db.tx import read_session
from api.services.errors import ForbiddenError, InvalidStateError
from api.services.order_lifecycle import cancel_order
from api.services.proposals import accept_proposal, decline_proposal
from api.services.round.service import RoundParams, load_snapshot, run_round
from matcher.round.combined import sales_of, solve_round
from matcher.round.model import RoundResult
from matcher.round.validator import validate_round

DAY = COMBINED_DAY
PARAMS = RoundParams(credit_buyers=("C1",), sale_credit_days=30)


@pytest.fixture
def combined_db(db: Engine) -> Engine:
    seed_lamphun(db)
    seed_combined(db)
    return db


def _validated_solve(db: Engine, params: RoundParams = PARAMS) -> RoundResult:
    with read_session(db) as s:
        snap = load_snapshot(s, "LPN", DAY, params, new_version=False)
    assert snap.round_problem is not None
    result = solve_round(snap.round_problem)
    assert validate_round(snap.round_problem, result) == []
    return result


def _rows(db: Engine, model):  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return s.execute(select(model)).scalars().all()


def test_round_persists_loans_sales_and_setoffs(combined_db: Engine, clock) -> None:
    expected = _validated_solve(combined_db)
    out = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    props = _rows(combined_db, ProposalRow)
    kinds = Counter(p.kind for p in props)
    assert kinds["loan"] == len(expected.liquidity.proposals) > 0
    assert kinds["sale"] == expected.summary.sale_count > 0
    assert out.proposal_count == len(props)
    setoffs = {
        r.obligation_order_id: r.amount_satang for r in _rows(combined_db, CommitmentSetoffRow)
    }
    assert setoffs == {
        n.obligation_id: n.set_off_satang for n in expected.setoff.notices if n.set_off_satang
    }
    assert sum(setoffs.values()) == out.summary["debt_cleared_satang"] > 0
    assert out.summary["needs_shrunk_satang"] == expected.summary.needs_shrunk_satang > 0
    orders = {o.id: o for o in _rows(combined_db, OrderRow)}
    for oid, cleared in setoffs.items():
        assert orders[oid].committed == cleared
    loans = {(p.supply_order_id, p.demand_order_id): p.amount for p in props if p.kind == "loan"}
    assert loans == {(p.offer_id, p.need_id): p.amount_satang for p in expected.liquidity.proposals}
    check_invariants(combined_db)
    with Session(combined_db) as s:
        assert verify_chain(s).ok


def test_sale_on_credit_commits_and_becomes_next_rounds_obligation(
    combined_db: Engine, clock
) -> None:
    run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    with Session(combined_db) as s:
        sale = s.execute(
            select(ProposalRow).where(
                ProposalRow.kind == "sale", ProposalRow.demand_coop_id == "C1"
            )
        ).scalar_one()
        terms = s.get(ProposalSaleRow, sale.id)
    assert terms is not None and terms.credit_due_date == DAY + timedelta(days=30)
    first = accept_proposal(combined_db, int(sale.id or 0), "C1", clock=clock)
    assert first.commitment_id is None
    done = accept_proposal(combined_db, int(sale.id or 0), "C3", clock=clock)
    assert done.status == "committed" and done.commitment_id is not None
    again = accept_proposal(combined_db, int(sale.id or 0), "C3", clock=clock)
    assert not again.changed
    with Session(combined_db) as s:
        ledger = s.get(CommitmentSaleRow, done.commitment_id)
        assert ledger is not None and ledger.value_satang == terms.value_satang
        debt = s.get(OrderRow, ledger.credit_obligation_id)
        detail = s.get(ObligationRow, ledger.credit_obligation_id)
        lot, po = s.get(OrderRow, "L1"), s.get(OrderRow, "P1")
    assert debt is not None and detail is not None and lot is not None and po is not None
    assert (debt.coop_id, detail.creditor_coop_id, debt.amount) == ("C1", "C3", terms.value_satang)
    assert detail.due_date == DAY + timedelta(days=30) and detail.source_commitment_id
    assert lot.committed == po.committed == sale.amount
    check_invariants(combined_db)
    with read_session(combined_db) as s:
        nxt = load_snapshot(s, "LPN", DAY + timedelta(days=1), PARAMS, new_version=False)
    assert nxt.round_problem is not None
    assert debt.id in {o.id for o in nxt.round_problem.obligations}
    _neither_party_may_cancel(combined_db, debt.id, clock)


def _neither_party_may_cancel(engine: Engine, debt_id: str, clock) -> None:
    """A debt from a committed sale is settled through the sale, never cancelled."""
    with Session(engine) as s:
        events = len(s.execute(select(AuditEventRow)).scalars().all())
    for coop in ("C1", "C3"):
        with pytest.raises(InvalidStateError, match="committed sale"):
            cancel_order(engine, debt_id, coop, clock=clock)
    with pytest.raises(ForbiddenError):
        cancel_order(engine, debt_id, "C2", clock=clock)
    with Session(engine) as s:
        row = s.get(OrderRow, debt_id)
        assert row is not None and row.status == "open"
        assert len(s.execute(select(AuditEventRow)).scalars().all()) == events


def test_cash_sale_creates_no_obligation_and_decline_frees_quantities(
    combined_db: Engine, clock
) -> None:
    run_round(combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(combined_db) as s:
        sales = s.execute(select(ProposalRow).where(ProposalRow.kind == "sale")).scalars().all()
        assert all(s.get(ProposalSaleRow, p.id).credit_due_date is None for p in sales)  # type: ignore[union-attr]
    cash, other = sales[0], sales[-1]
    for coop in (cash.supply_coop_id, cash.demand_coop_id):
        accept_proposal(combined_db, int(cash.id or 0), coop, clock=clock)
    ledger = _rows(combined_db, CommitmentSaleRow)
    assert len(ledger) == 1 and ledger[0].credit_obligation_id is None
    if other.id != cash.id:
        with Session(combined_db) as s:
            before = s.get(OrderRow, other.demand_order_id).reserved  # type: ignore[union-attr]
        decline_proposal(combined_db, int(other.id or 0), other.demand_coop_id, clock=clock)
        with Session(combined_db) as s:
            after = s.get(OrderRow, other.demand_order_id).reserved  # type: ignore[union-attr]
        assert before - after == other.amount
    check_invariants(combined_db)


def test_rerun_is_idempotent_and_new_version_keeps_setoffs_and_accepted(
    combined_db: Engine, clock
) -> None:
    v1 = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    same = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    assert same.reused and same.round_id == v1.round_id and same.summary == v1.summary
    sale = next(p for p in _rows(combined_db, ProposalRow) if p.kind == "sale")
    accept_proposal(combined_db, int(sale.id or 0), sale.demand_coop_id, clock=clock)
    cleared = sum(r.amount_satang for r in _rows(combined_db, CommitmentSetoffRow))
    v2 = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS, new_version=True,
    )  # fmt: skip
    assert v2.version == 2 and not v2.reused
    with Session(combined_db) as s:
        kept = s.get(ProposalRow, sale.id)
        old = s.execute(select(ProposalRow).where(ProposalRow.round_id == v1.round_id)).scalars()
        statuses = {p.id: p.status for p in old}
    assert kept is not None and kept.status == "pending" and kept.round_id == v1.round_id
    assert all(st == "voided" for pid, st in statuses.items() if pid != sale.id)
    # the cycle was cleared by v1 and committed: v2 finds nothing more to set off
    rows = _rows(combined_db, CommitmentSetoffRow)
    assert sum(r.amount_satang for r in rows) == cleared
    assert all(r.round_id == v1.round_id for r in rows)
    check_invariants(combined_db)


def test_sale_rows_match_the_validated_solve(combined_db: Engine, clock) -> None:
    expected = _validated_solve(combined_db)
    with read_session(combined_db) as s:
        snap = load_snapshot(s, "LPN", DAY, PARAMS, new_version=False)
    assert snap.round_problem is not None
    want = sorted(
        (m.source_id, m.target_id, m.quantity, m.price_satang_per_unit)
        for m in sales_of(snap.round_problem.produce, expected.produce)
    )
    run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    with Session(combined_db) as s:
        got = sorted(
            (p.supply_order_id, p.demand_order_id, p.amount, t.price_satang_per_unit)
            for p, t in s.execute(
                select(ProposalRow, ProposalSaleRow).join(
                    ProposalSaleRow, ProposalSaleRow.proposal_id == ProposalRow.id
                )
            )
        )
    assert got == want
    assert all(p.unit == "kg" for p in _rows(combined_db, ProposalRow) if p.kind == "sale")


def test_bad_credit_terms_change_nothing(combined_db: Engine, clock) -> None:
    with pytest.raises(InvalidStateError):
        run_round(
            combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
            params=RoundParams(sale_credit_days=-1),
        )  # fmt: skip
    assert _rows(combined_db, ProposalRow) == []
    assert _rows(combined_db, CommitmentSetoffRow) == []
    assert _rows(combined_db, CommitmentRow) == []


def test_report_and_export_show_all_three_parts(combined_db: Engine, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from api.services.export import round_report, write_csv, write_xlsx

    out = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    rep = round_report(combined_db, out.round_id)
    labels = dict(rep.summary)
    assert labels["debt_cleared_baht / หักกลบลบหนี้ได้"] != "0.00"
    n_loans = sum(1 for p in _rows(combined_db, ProposalRow) if p.kind == "loan")
    assert len(rep.proposals) == n_loans and len(rep.sales) == out.summary["sale_count"]
    assert len(rep.setoffs) == len(_rows(combined_db, CommitmentSetoffRow)) > 0
    written = write_csv(rep, tmp_path / "r.csv")
    assert [p.name for p in written][:3] == ["r.csv", "r-sales.csv", "r-setoffs.csv"]
    assert "r-explanations.csv" in [p.name for p in written]  # every order, with its reasons
    setoff_csv = (tmp_path / "r-setoffs.csv").read_bytes()
    assert setoff_csv.startswith(b"\xef\xbb\xbf") and "ลูกหนี้".encode() in setoff_csv
    write_xlsx(rep, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    assert [book[n].max_row - 1 for n in ("proposals", "sales", "setoffs")] == [
        len(rep.proposals),
        len(rep.sales),
        len(rep.setoffs),
    ]


def test_setoff_relief_is_committed_on_the_need_and_not_lent_again(
    combined_db: Engine, clock
) -> None:
    from api.db.tables import NeedReliefRow

    v1 = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS,
    )  # fmt: skip
    relief = {r.need_order_id: r.amount_satang for r in _rows(combined_db, NeedReliefRow)}
    assert relief and sum(relief.values()) == v1.summary["needs_shrunk_satang"]
    v2 = run_round(
        combined_db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
        params=PARAMS, new_version=True,
    )  # fmt: skip
    assert v2.summary["needs_shrunk_satang"] == 0  # the cycle was cleared by v1 already
    with Session(combined_db) as s:
        for need_id, covered in relief.items():
            need = s.get(OrderRow, need_id)
            assert need is not None and need.committed == covered
            lent = sum(
                p.amount
                for p in s.execute(
                    select(ProposalRow).where(
                        ProposalRow.round_id == v2.round_id, ProposalRow.demand_order_id == need_id
                    )
                ).scalars()
            )
            assert lent <= need.amount - covered
    check_invariants(combined_db)
