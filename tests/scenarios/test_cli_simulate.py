"""The ``simulate`` command: a short run writes CSV and XLSX; bad input exits 2."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import simulate
from tests.scenarios.conftest import ROOT

LAMPHUN = ROOT / "scenarios" / "lamphun-2555.yaml"


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test wrapper (the real one is api.cli.main)."""

    simulate.register(app)
    return app


def test_short_run_writes_outputs(tmp_path: Path) -> None:
    args = ["simulate", str(LAMPHUN), "--runs", "2", "--seed", "1", "--days", "6"]
    res = CliRunner().invoke(_app(), [*args, "--executor", "serial", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "baseline" in res.output
    with (tmp_path / "summary.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["policy"] for r in rows][:2] == ["baseline", "joint-fund"]
    book = load_workbook(tmp_path / "simulation.xlsx")
    assert book.sheetnames == ["summary", "coops", "seasons", "purchases"]  # joint diesel buying
    assert book["seasons"].max_row == 1 + 2 * len(rows)


def test_bad_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(LAMPHUN.read_text(encoding="utf-8").replace("count: 3", "count: -3"), "utf-8")
    res = CliRunner().invoke(_app(), ["simulate", str(bad), "--runs", "1"])
    assert res.exit_code == 2
    assert "groups[0].count" in res.output
    assert str(bad) in res.output


def test_zero_runs_is_refused() -> None:
    res = CliRunner().invoke(_app(), ["simulate", str(LAMPHUN), "--runs", "0"])
    assert res.exit_code == 2
