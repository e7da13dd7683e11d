"""Obligation rows in an order file: stored as debts for set-off, bad rows named by number
and column with nothing written; the Lamphun example file sets off and sells (both backends)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dbseed import seed_lamphun
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.db.tables import AuditEventRow, MemberImportRow, ObligationRow, OrderRow, ProposalRow
from api.services.errors import BadFileError
from api.services.members import import_members
from api.services.order_import import import_orders
from api.services.round.service import run_round

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
HEADER = "side,id,coop_id,amount,rate_bps,term_days,creditor_coop_id,due_date\n"
GOOD = HEADER + (
    "offer,OF9,C1,1000.00,300,90,,\n"
    "obligation,D1,C1,2500.75,,,C3,2026-12-31\n"
    "obligation,D2,C3,1000.00,,,C1,2026-11-21\n"
)
BAD = HEADER + (
    "obligation,D1,C1,2500.75,,,C3,2026-12-31\n"
    "obligation,D2,C1,100.00,,,C99,2026-12-31\n"
    "obligation,D3,C1,100.00,,,C1,2026-12-31\n"
    "obligation,D4,C1,0.00,,,C2,2026-12-31\n"
    "obligation,D5,C1,100.00,,,C2,\n"
    "obligation,D6,C1,100.00,,,C2,2026/12/31\n"  # D/M/YYYY is read; Y/M/D is not
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _count(db: Engine, table: type) -> int:
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(table)).scalar_one())


def test_obligation_rows_become_debts_of_the_row_coop(db: Engine, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    out = import_orders(db, _write(tmp_path, GOOD), actor="import", clock=clock)
    assert (out.offers, out.obligations) == (1, 2)
    with Session(db) as s:
        head, debt = s.get(OrderRow, "D1"), s.get(ObligationRow, "D1")
        assert head is not None and debt is not None
        assert (head.kind, head.coop_id, head.amount, head.unit) == (
            "obligation",
            "C1",
            250075,
            "satang",
        )
        assert (debt.creditor_coop_id, debt.due_date) == ("C3", date(2026, 12, 31))
        assert debt.source_commitment_id is None and debt.source_instalment_id is None
    again = import_orders(db, _write(tmp_path, GOOD), actor="import", clock=clock)
    assert again.already_imported and _count(db, ObligationRow) == 2


def test_bad_obligation_rows_are_named_and_nothing_is_written(db: Engine, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    orders, events = _count(db, OrderRow), _count(db, AuditEventRow)
    with pytest.raises(BadFileError) as exc:
        import_orders(db, _write(tmp_path, BAD), actor="import", clock=clock)
    text = "\n".join(exc.value.lines)
    assert not any(line.startswith("row 2 ") for line in exc.value.lines), text
    expect = {
        3: "creditor_coop_id",
        4: "creditor_coop_id",
        5: "amount",
        6: "due_date",
        7: "due_date",
    }
    for row, column in expect.items():
        assert any(x.startswith(f"row {row} ") and column in x for x in exc.value.lines), text
    assert (_count(db, OrderRow), _count(db, AuditEventRow)) == (orders, events)
    assert _count(db, ObligationRow) == 0 and _count(db, MemberImportRow) == 0


def test_lamphun_example_round_sets_off_and_sells(db: Engine, clock) -> None:  # type: ignore[no-untyped-def]
    import_members(db, EXAMPLES / "lamphun-members.csv", actor="import", clock=clock)
    out = import_orders(db, EXAMPLES / "lamphun-orders.csv", actor="import", clock=clock)
    assert out.obligations > 0 and out.lots > 0 and out.purchase_orders > 0
    run_round(
        db,
        network_id="LPN-FIN",
        business_date=date(2026, 11, 21),
        actor="lamphun-coop-office",
        clock=clock,
    )
    with Session(db) as s:
        kinds = list(s.execute(select(ProposalRow.kind)).scalars())
        debts = s.execute(select(OrderRow).where(OrderRow.kind == "obligation")).scalars().all()
    assert "sale" in kinds
    assert sum(d.committed for d in debts) > 0  # set-off clears part of the imported debts
