"""Dates people type: Buddhist-Era years recognised at every entrance, and a round date far
from today refused unless forced (CLI, /v1, CSV import, the parser itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401
from sqlalchemy import func, select
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import db as db_cli
from api.cli import importer, round_file
from api.db.tables import RoundRow
from api.schemas.dates import DateTextError, check_gregorian, parse_date_text
from api.services.round.calendar import (
    RoundDateError,
    add_business_days,
    bangkok_date,
    business_day_end,
    check_round_date,
)

REPO = Path(__file__).resolve().parents[2]
MEMBERS = REPO / "scenarios" / "examples" / "lamphun-members.csv"
ORDERS = REPO / "scenarios" / "examples" / "lamphun-orders.csv"


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-06", date(2026, 12, 6)),
        ("6/12/2026", date(2026, 12, 6)),
        ("06/12/2569 พ.ศ.", date(2026, 12, 6)),
        ("พ.ศ. 2569-12-06", date(2026, 12, 6)),
        ("2569-12-06 BE", date(2026, 12, 6)),
    ],
)
def test_dates_read(text: str, day: date) -> None:
    assert parse_date_text(text) == day


def test_buddhist_era_converted_where_the_field_says_so() -> None:
    assert parse_date_text("20/11/2569", buddhist_era=True) == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "shown"),
    [("2569-12-06", "2026-12-06"), ("20/11/2569", "2026-11-20"), ("1/1/2570", "2027-01-01")],
)
def test_unmarked_buddhist_era_refused_showing_the_date_meant(text: str, shown: str) -> None:
    with pytest.raises(DateTextError) as err:
        parse_date_text(text)
    msg = str(err.value)
    assert shown in msg and "Buddhist-Era" in msg and "พุทธศักราช" in msg


@pytest.mark.parametrize("text", ["2026-13-01", "31/02/2026", "2026/12/06", "tomorrow", "2026 BE"])
def test_not_dates_refused_in_both_languages(text: str) -> None:
    with pytest.raises(DateTextError, match="ไม่"):
        parse_date_text(text)


def test_a_date_object_in_buddhist_era_is_refused() -> None:
    assert check_gregorian(date(2026, 1, 2)) == date(2026, 1, 2)
    with pytest.raises(DateTextError, match="2026-01-02"):
        check_gregorian(date(2569, 1, 2))


def test_bangkok_business_dates() -> None:
    # 23:30 UTC on 6 December is already 7 December in Bangkok
    assert bangkok_date(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == date(2026, 12, 7)
    assert add_business_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Fri → Mon
    assert add_business_days(date(2026, 12, 7), 0) == date(2026, 12, 7)
    assert add_business_days(date(2026, 12, 7), 2, {date(2026, 12, 8)}) == date(2026, 12, 10)
    assert business_day_end(date(2026, 12, 7)) == datetime(2026, 12, 7, 16, 59, 59, tzinfo=UTC)


def test_round_date_window() -> None:
    now = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
    check_round_date(date(2026, 12, 20), now, 14, force=False)
    with pytest.raises(RoundDateError) as err:
        check_round_date(date(2027, 12, 6), now, 14, force=False)
    assert "business_date" in str(err.value) and "วันทำการ" in str(err.value)
    check_round_date(date(2027, 12, 6), now, 14, force=True)


# --- the CLI ---------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.sqlite3'}")
    monkeypatch.delenv("COOPMATCH_ACTOR", raising=False)
    monkeypatch.setenv("COOPMATCH_ROUND_DATE_WINDOW_DAYS", "14")
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db_cli, importer, round_file):
        module.register(app)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    assert run("db", "upgrade")[0] == 0
    assert run("import", "members", str(MEMBERS))[0] == 0
    assert run("import", "orders", str(ORDERS))[0] == 0
    return run


def _rounds(tmp_path: Path) -> int:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'cm.sqlite3'}")
    with Session(engine) as s:
        n = int(s.execute(select(func.count()).select_from(RoundRow)).scalar_one())
    engine.dispose()
    return n


def test_cli_refuses_a_buddhist_era_round_date(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2569-12-06",
                    "--as", "lamphun-coop-office")  # fmt: skip
    assert code == 2 and "2026-12-06" in out and "พุทธศักราช" in out and "--date" in out
    assert "Traceback" not in out and _rounds(tmp_path) == 0


def test_cli_refuses_a_far_date_unless_forced(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("round", "run", "--network", "LPN-FIN", "--date", "2031-11-21",
            "--as", "lamphun-coop-office")  # fmt: skip
    code, out = cli(*args)
    assert code == 2 and "business_date" in out and "วันทำการ" in out
    assert _rounds(tmp_path) == 0
    code, out = cli(*args, "--force")
    assert code == 0, out
    assert _rounds(tmp_path) == 1


def test_csv_import_buddhist_era(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = ORDERS.read_text(encoding="utf-8").splitlines()[0]
    cols = header.split(",")

    def row(oid: str, valid: str) -> str:
        cells = dict.fromkeys(cols, "")
        cells.update(side="offer", id=oid, coop_id="LP-SAV-TEACH", amount="1000.00",
                     rate_bps="300", term_days="90", valid_until=valid)  # fmt: skip
        return ",".join(cells[c] for c in cols)

    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\n{row('OF-BE-1', '20/11/2569')}\n", encoding="utf-8")
    code, out = cli("import", "orders", str(bad))
    assert code == 2 and "valid_until" in out and "2026-11-20" in out and "พุทธศักราช" in out
    good = tmp_path / "good.csv"
    good.write_text(f"{header}\n{row('OF-BE-2', '20/11/2569 พ.ศ.')}\n", encoding="utf-8")
    code, out = cli("import", "orders", str(good))
    assert code == 0, out


# --- /v1 --------------------------------------------------------------------------------


def test_v1_refuses_buddhist_era_and_far_dates(api) -> None:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2569-11-21"})
    assert r.status_code == 422 and "2026-11-21" in r.text and "business_date" in r.text
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2027-11-21"})
    assert r.status_code == 422 and "business_date" in r.text, r.text
    r = api.post(
        COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2027-11-21", "force": True}
    )
    assert r.status_code == 201, r.text
    body = {"kind": "liquidity_offer", "amount": "1000.00", "min_rate_bps": 300,
            "max_term_days": 90, "valid_until": "2569-12-31"}  # fmt: skip
    r = api.post("C1", "/v1/orders", body)
    assert r.status_code == 422 and "2026-12-31" in r.text and "valid_until" in r.text


def test_cli_runs_a_purchase_round_through_the_one_entrance(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    args = ("round", "run", "--network", "LPN-FIN", "--date", "2031-11-21", "--force",
            "--as", "lamphun-coop-office")  # fmt: skip
    code, out = cli(*args, "--kind", "weekly")
    assert code == 2 and "--kind" in out and "purchase" in out and _rounds(tmp_path) == 0
    code, out = cli(*args, "--kind", "purchase")
    assert code == 0, out
    assert "purchase round" in out and "รอบจัดซื้อร่วม" in out
    code, again = cli(*args, "--kind", "purchase")
    assert code == 0 and "existing" in again
    assert _rounds(tmp_path) == 1
    code, out = cli(*args, "--kind", "startup")
    assert code == 0 and "start-up capital round" in out and "0 proposals" in out, out
    code, out = cli(*args, "--kind", "knowhow")
    assert code == 0 and "know-how round" in out and "0/0" in out, out
    assert _rounds(tmp_path) == 3
