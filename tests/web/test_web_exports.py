"""Every export, read back as a board would: no formula from data (a coop named
``=HYPERLINK(…)``), numbers as numbers with baht formats, Thai headers and statuses, frozen
bold headers and widths, Bangkok times, Buddhist-Era dates on request; and files 0644.

The exports: the web round (XLSX, and CSV per part), Today and Follow-up (XLSX, CSV), the
scenario policy table (XLSX, CSV), ``/v1``'s round CSV, the CLI's round files and the
simulator's files.
"""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select, update
from webfixtures import Web, token_of

from api.cli.simulate import _write_outputs
from api.db.tables import CoopRow, ProposalRow
from api.db.tx import in_write_transaction, read_session
from api.services.export import round_report, write_csv, write_xlsx
from api.services.sheets import FORMULA_START, Column, Kind, neutralise, typed

EVIL = '=HYPERLINK("http://evil.example/","click")'
OTHER_EVIL = ["+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def poison_names(web: Web) -> None:
    """Give two Lamphun coops names that a spreadsheet would run as formulas."""

    def work(s):  # type: ignore[no-untyped-def]
        s.execute(update(CoopRow).where(CoopRow.id == "C1").values(name_th=EVIL))
        s.execute(update(CoopRow).where(CoopRow.id == "C2").values(name_th="@cmd|' /C calc'!A0"))

    in_write_transaction(web.engine, work)


def run_round(web: Web) -> int:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    data = {"form_token": token, "network": "LPN", "business_date": "2026-11-21"}
    r = web.client.post("/web/round/run", data=data)
    return int(r.text.split("/web/round/")[1].split("/")[0])


def assert_no_formula_xlsx(raw: bytes) -> None:
    book = load_workbook(io.BytesIO(raw))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_START), cell.value


def assert_no_formula_csv(raw: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    for row in rows:
        for value in row:
            if value.startswith(FORMULA_START):
                Decimal(value)  # only a plain negative number may start with "-"
    return rows


def assert_board_sheet(ws: Worksheet) -> None:
    """Bold header, frozen below it, every column with a width."""
    assert ws.freeze_panes == "A2"
    assert all(c.font.bold for c in ws[1])
    for cell in ws[1]:
        assert ws.column_dimensions[cell.column_letter].width >= 8


def test_web_round_exports_are_board_ready_and_formula_free(web: Web) -> None:
    poison_names(web)
    round_id = run_round(web)
    raw = web.client.get(f"/web/round/{round_id}/export.xlsx").content
    assert_no_formula_xlsx(raw)
    book = load_workbook(io.BytesIO(raw))
    loans = book["proposals"]
    for ws in book.worksheets:
        assert_board_sheet(ws)
    header = [c.value for c in loans[1]]
    assert header[:3] == ["เลขข้อเสนอ", "สถานะ", "ระดับ"]
    rows = list(loans.iter_rows(min_row=2))
    assert rows
    names = {r[5].value for r in rows} | {r[8].value for r in rows}
    assert "'" + EVIL in names  # shown as the text it is, never run
    for r in rows:
        assert r[1].value == "รอตอบรับ"  # pending, in Thai
        assert isinstance(r[10].value, int | float) and "฿" in r[10].number_format
        assert isinstance(r[11].value, float) and r[11].number_format == "0.00%"
        assert isinstance(r[14].value, datetime) and "yyyy" in r[14].number_format
    with read_session(web.engine) as s:
        first = s.execute(select(ProposalRow).where(ProposalRow.round_id == round_id)).scalars()
        expiry = {int(p.id or 0): p.expires_at for p in first}
    for r in rows:  # Bangkok wall time: UTC + 7 hours
        stored = expiry[int(r[0].value)].replace(tzinfo=UTC)
        shown = r[14].value.replace(tzinfo=UTC)
        assert shown - stored == timedelta(hours=7)
    summary = book["summary"]
    figures = {r[1].value: (r[2].value, r[3].value) for r in summary.iter_rows(min_row=2)}
    day = next(r[3] for r in summary.iter_rows(min_row=2) if r[1].value == "business_date")
    assert "yyyy" in day.number_format
    assert isinstance(figures["covered_baht"][0], int | float)
    assert isinstance(figures["orders"][1], int)  # counts are numbers, not text
    assert isinstance(figures["business_date"][1], datetime)
    for part in ("loans", "sales", "setoffs"):
        body = web.client.get(f"/web/round/{round_id}/export.csv?part={part}").content
        table = assert_no_formula_csv(body)
        assert len(table) >= 2
    loans_csv = assert_no_formula_csv(web.client.get(f"/web/round/{round_id}/export.csv").content)
    assert "'" + EVIL in {row[5] for row in loans_csv} | {row[8] for row in loans_csv}


def test_buddhist_era_and_english_are_options(web: Web) -> None:
    round_id = run_round(web)
    be = load_workbook(
        io.BytesIO(web.client.get(f"/web/round/{round_id}/export.xlsx?era=be").content)
    )
    assert be["proposals"]["O2"].number_format.startswith("[$-107041E]")
    en = web.client.get(f"/web/round/{round_id}/export.xlsx?lang=en").content
    loans = load_workbook(io.BytesIO(en))["proposals"]
    assert [c.value for c in loans[1]][:2] == ["Proposal", "Status"]
    assert loans["B2"].value == "waiting"


def test_today_follow_and_scenario_downloads_are_formula_free(web: Web) -> None:
    poison_names(web)
    run_round(web)
    for path in ("/web/today", "/web/follow", "/web/scenarios"):
        query = "?scenario=lamphun-2555.yaml&runs=1&days=3&fairness=" if "scenarios" in path else ""
        xlsx = web.client.get(f"{path}/export.xlsx{query}")
        assert xlsx.status_code == 200, (path, xlsx.text[:300])
        assert_no_formula_xlsx(xlsx.content)
        ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        assert_board_sheet(ws)
        assert_no_formula_csv(web.client.get(f"{path}/export.csv{query}").content)
    today = load_workbook(io.BytesIO(web.client.get("/web/today/export.xlsx").content)).active
    assert today is not None
    assert "'@cmd|' /C calc'!A0" in {c.value for c in today["C"]}


def test_v1_round_csv_is_formula_free(web: Web) -> None:
    poison_names(web)
    round_id = run_round(web)
    auth = {"Authorization": f"Bearer {web.tokens['lamphun-office']}"}
    r = web.client.get(f"/v1/networks/LPN/rounds/{round_id}/export.csv", headers=auth)
    assert r.status_code == 200
    rows = assert_no_formula_csv(r.content)
    assert "'" + EVIL in {row[5] for row in rows} | {row[8] for row in rows}


def test_cli_round_files_are_0644_and_formula_free(web: Web, tmp_path: Path) -> None:
    poison_names(web)
    round_id = run_round(web)
    report = round_report(web.engine, round_id)
    written = write_csv(report, tmp_path / "r.csv") + write_xlsx(report, tmp_path / "r.xlsx")
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
        if path.suffix == ".csv":
            assert_no_formula_csv(path.read_bytes())
        else:
            assert_no_formula_xlsx(path.read_bytes())


def test_simulation_files_in_baht_thai_and_formula_free(tmp_path: Path) -> None:
    summary = [{"policy": EVIL, "runs": 2, "need_covered_pct": 91.5, "need_baht": 1234.5}]
    coops = [{"policy": "+x", "coop": "-1+2", "days_short_p50": 1.0, "days_short_p95": 2.0}]
    seasons = [{"policy": "@x", "run": 0, "need_satang": 123_456, "min_fill_bps": 8_750}]
    _write_outputs(tmp_path, summary, coops, seasons)
    for name in ("summary.csv", "coops.csv", "seasons.csv", "simulation.xlsx"):
        path = tmp_path / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        if name.endswith(".csv"):
            assert_no_formula_csv(path.read_bytes())
    raw = (tmp_path / "simulation.xlsx").read_bytes()
    assert_no_formula_xlsx(raw)
    book = load_workbook(io.BytesIO(raw))
    season = book["seasons"]
    assert [c.value for c in season[1]] == ["นโยบาย", "รอบจำลองที่", "ความต้องการเงิน (บาท)",
                                            "สัดส่วนได้เงินต่ำสุด"]  # fmt: skip
    assert season["C2"].value == 1234.56 and "฿" in season["C2"].number_format  # baht
    assert season["D2"].value == 0.875 and season["D2"].number_format == "0.00%"
    assert book["summary"]["C2"].value == 0.915


def test_neutralise_every_formula_start() -> None:
    for text in [EVIL, *OTHER_EVIL]:
        assert neutralise(text) == "'" + text
    for plain in ("-5.00", "12", "สหกรณ์", "", "a=b"):
        assert neutralise(plain) == plain
    coded = Column("สถานะ", "Status", Kind.TEXT, coded=True)
    assert typed("=1+1", coded, "th") == "'=1+1"  # an unknown code is neutralised too
