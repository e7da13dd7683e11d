"""``coopmatch plan funding`` and ``coopmatch stress``: short runs write JSON and PNG;
bad input exits 2 naming the field, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli.main import app
from tests.scenarios.conftest import ROOT

LAMPHUN = ROOT / "scenarios" / "lamphun-2555.yaml"
SHORT = ["--days", "20", "--executor", "serial"]


def test_plan_funding_writes_plan_and_chart(tmp_path: Path) -> None:
    args = ["plan", "funding", str(LAMPHUN), "--target", "0.9", "--runs", "4", "--seed", "2"]
    res = CliRunner().invoke(app, [*args, *SHORT, "--check-runs", "2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "recommended sizes" in res.output and "p95-peak-daily" in res.output
    plan = json.loads((tmp_path / "funding.json").read_text(encoding="utf-8"))
    assert plan["target_bps"] == 9_000 and plan["status"] == "optimal"
    assert {r["rule"] for r in plan["rules"]} == {"no-buffer", "p95-peak-daily", "last-year"}
    assert (tmp_path / "funding.png").read_bytes()[:4] == b"\x89PNG"


def test_plan_bad_target_and_names_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app, ["plan", "funding", str(LAMPHUN), "--target", "0", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2 and "--target" in res.output
    res = runner.invoke(
        app, ["plan", "funding", str(LAMPHUN), "--source", "nope", "--network", "mars", *SHORT]
    )
    assert res.exit_code == 2
    assert "source[0]" in res.output and "network[0]" in res.output
    assert not (tmp_path / "o").exists()


def test_negative_cost_in_the_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = LAMPHUN.read_text(encoding="utf-8").replace(
        "commitment_fee_bps: 25", "commitment_fee_bps: -25"
    )
    bad.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(app, ["plan", "funding", str(bad), "--runs", "1"])
    assert res.exit_code == 2
    assert "funding.sources[0].commitment_fee_bps" in res.output


def test_stress_default_writes_table_json_and_map(tmp_path: Path) -> None:
    args = ["stress", str(LAMPHUN), "--day", "50", "--default", "agri-buyer-01"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "rounds of contagion" in res.output
    out = json.loads((tmp_path / "stress.json").read_text(encoding="utf-8"))
    assert out["shocked"] == ["agri-buyer-01"]
    assert (tmp_path / "stress.png").read_bytes()[:4] == b"\x89PNG"


def test_stress_bad_input_exits_2() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["stress", str(LAMPHUN), "--default", "nobody", "--price-fall", "2"])
    assert res.exit_code == 2
    assert "default[0]" in res.output and "price_fall" in res.output
    res = runner.invoke(app, ["stress", str(LAMPHUN), "--day", "500", "--group", "longan"])
    assert res.exit_code == 2 and "day" in res.output
    res = runner.invoke(app, ["stress"])
    assert res.exit_code == 2
