"""The database CLI commands end to end on a SQLite file (services are tested on both)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from api.cli import audit, db, export, importer, round_file

REPO = Path(__file__).resolve().parents[2]
MEMBERS = REPO / "scenarios" / "examples" / "lamphun-members.csv"
ORDERS = REPO / "scenarios" / "examples" / "lamphun-orders.csv"
COORD = "lamphun-coop-office"


def make_app() -> typer.Typer:
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db, importer, round_file, export, audit):
        module.register(app)
    return app


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.sqlite3'}")
    monkeypatch.delenv("COOPMATCH_ACTOR", raising=False)
    # the example files are dated 2026-11-21: no refusal for a date far from today here
    # (tests/api/test_round_dates.py tests the window)
    monkeypatch.setenv("COOPMATCH_ROUND_DATE_WINDOW_DAYS", "36500")
    runner, app = CliRunner(), make_app()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())  # immune to terminal wrapping

    code, out = run("db", "upgrade")
    assert code == 0, out
    return run


def test_demo_flow(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", "members", str(MEMBERS))[0] == 0
    code, out = cli("import", "members", str(MEMBERS))
    assert code == 0 and "already imported" in out
    assert cli("import", "orders", str(ORDERS))[0] == 0
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", COORD)
    assert code == 0 and "LPN-FIN" in out, out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", COORD)
    assert code == 0 and "existing" in out
    csv_path, xlsx_path = tmp_path / "r.csv", tmp_path / "r.xlsx"
    assert cli("export", "round", "1", "--csv", "--out", str(csv_path))[0] == 0
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "ผู้ให้กู้".encode() in raw
    assert cli("export", "round", "1", "--xlsx", "--out", str(xlsx_path))[0] == 0
    wb = load_workbook(xlsx_path)
    assert wb.sheetnames == [
        "summary",
        "proposals",
        "sales",
        "setoffs",
        "explanations",
        "shadow_values",
        "overdue",
    ]
    assert wb["explanations"].max_row > 1  # every order, with its reasons
    assert wb["proposals"].max_row > 1
    assert wb["overdue"].max_row == 1  # nothing accepted: no debt from this round
    code, out = cli("export", "round", "1", "--xlsx", "--as-of", "2569-12-01", "--out", "x.xlsx")
    assert code == 2 and "--as-of" in out and "2026-12-01" in out and "Traceback" not in out
    code, out = cli("audit", "verify")
    assert code == 0 and "intact" in out


PRODUCE = (
    "side,id,coop_id,name_th,base_unit,shelf_life_days,grades,product,grade,quantity,"
    "reserve_price,ready_date,expiry_date,bids,deliver_by\n"
    "product,longan,,ลำไย,kg,5,AA|A|B,,,,,,,,\n"
    "stock_lot,L1,LP-AGR-LI,,,,,longan,AA,500,17.00,2026-11-21,2026-11-24,,\n"
    "purchase_order,P1,LP-SAV-TEACH,,,,,longan,,300,,,,AA:30.00|A:24.00,2026-11-27\n"
)


def test_round_run_shows_and_exports_produce_sales(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("import", "members", str(MEMBERS))[0] == 0
    # the example's loans only: its own longan lot and debts would change the counts below
    lines = ORDERS.read_text(encoding="utf-8").splitlines(keepends=True)
    loans_only = tmp_path / "loans.csv"
    loans_only.write_text(
        "".join(x for n, x in enumerate(lines) if n == 0 or x.startswith(("offer,", "need,"))),
        encoding="utf-8",
    )
    assert cli("import", "orders", str(loans_only))[0] == 0
    produce = tmp_path / "produce.csv"
    produce.write_text(PRODUCE, encoding="utf-8")
    assert cli("import", "orders", str(produce))[0] == 0
    args = ("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", COORD)
    code, out = cli(*args, "--credit-buyer", "LP-SAV-TEACH")
    assert code == 0 and "produce sales │ 1 ·" in out and "debt set off" in out, out
    code, out = cli("export", "round", "1", "--csv", "--out", str(tmp_path / "r.csv"))
    assert code == 0 and "1 sale proposals" in out, out
    sales = (tmp_path / "r-sales.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(sales) == 2 and ",L1," in sales[1] and ",P1," in sales[1]
    assert sales[1].split(",")[12] == "300" and "2026-12-21" in sales[1]  # credit due +30 days
    assert not (tmp_path / "r-setoffs.csv").exists()  # no obligations: nothing set off
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as",
                    COORD, "--credit-days", "-1")  # fmt: skip
    assert code == 2 and "--credit-days" in out


def test_round_refused_for_non_coordinator_and_bad_date(cli) -> None:  # type: ignore[no-untyped-def]
    cli("import", "members", str(MEMBERS))
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", "x")
    assert code == 2 and "does not coordinate" in out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "21-11-2026", "--as", COORD)
    assert code == 2 and "YYYY-MM-DD" in out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21")
    assert code == 2 and "--as" in out
    code, out = cli("export", "round", "99", "--csv")
    assert code == 2 and "does not exist" in out


BAD_MEMBERS = """type,id,name_th,level,parent_id,network_id,kind
network,N1,เครือข่ายหนึ่ง,province,,,
coop,C1,สหกรณ์หนึ่ง,,,N1,agricultural
coop,C1,สหกรณ์หนึ่งซ้ำ,,,N1,agricultural
coop,C2,สหกรณ์สอง,,,NOWHERE,agricultural
coop,C3,,,,N1,spaceship
network,N2,เครือข่ายสอง,region,N1,,
"""


def test_bad_member_file_is_rejected_whole(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.csv"
    path.write_text(BAD_MEMBERS, encoding="utf-8")
    code, out = cli("import", "members", str(path))
    assert code == 2
    assert "row 4" in out and "duplicate" in out
    assert "row 5" in out and "NOWHERE" in out
    assert "row 6" in out and "spaceship" in out and "name_th" in out
    assert "row 7" in out and "higher level" in out
    good = tmp_path / "good.csv"
    good.write_text(BAD_MEMBERS.splitlines()[0] + "\n" + BAD_MEMBERS.splitlines()[1] + "\n")
    assert cli("import", "members", str(good))[0] == 0
    code, out = cli("round", "run", "--network", "N1", "--date", "2026-11-21", "--as", COORD)
    assert code == 2  # N1 exists but has no coordinator: C1 was never imported


def test_cp874_and_xlsx_member_files(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = MEMBERS.read_text(encoding="utf-8")
    thai = tmp_path / "members-cp874.csv"
    thai.write_bytes(text.encode("cp874"))
    code, out = cli("import", "members", str(thai))
    assert code == 0 and "10 coops" in out, out
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["type", "id", "name_th", "level", "parent_id", "coordinator"])
    ws.append(["network", "LPN-X", "เครือข่ายทดลองลำพูน", "area", "LPN-FIN", ""])
    book = tmp_path / "more.xlsx"
    wb.save(book)
    code, out = cli("import", "members", str(book))
    assert code == 0 and "1 networks" in out, out


def test_bad_order_file_is_rejected_whole(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("import", "members", str(MEMBERS))
    path = tmp_path / "orders.csv"
    path.write_text(
        "side,id,coop_id,amount,rate_bps,term_days,min_amount\n"
        "offer,A,LP-SAV-TEACH,1000.00,300,90,\n"
        "need,B,LP-UNKNOWN,1e5,700,90,\n"
        "need,C,LP-AGR-LI,100.00,700,0,200.00\n",
        encoding="utf-8",
    )
    code, out = cli("import", "orders", str(path))
    assert code == 2
    assert "row 3" in out and "LP-UNKNOWN" in out and "amount" in out
    assert "row 4" in out and "term_days" in out and "min_amount" in out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", "--as", COORD)
    assert code == 0 and "0" in out
