"""CLI ``match purchase`` and ``match knowhow``: examples, byte-identical output, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.cli import match_knowhow, match_purchase
from api.schemas.knowhow import KnowhowIn
from api.schemas.knowhow import to_problem as knowhow_problem
from api.schemas.purchase import PurchaseIn, to_problem
from matcher.knowhow.solver import solve_knowhow
from matcher.knowhow.validator import validate as validate_knowhow
from matcher.purchase.solver import solve_purchase
from matcher.purchase.validator import validate

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
PURCHASE = EXAMPLES / "lamphun-fuel-purchase.json"
KNOWHOW = EXAMPLES / "lamphun-knowhow.json"
runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    match_app = typer.Typer()
    app.add_typer(match_app, name="match")
    match_purchase.register(match_app)
    match_knowhow.register(match_app)
    return app


def run(cmd: str, path: Path, out: Path | None = None) -> Any:
    args = ["match", cmd, str(path)] + (["--out", str(out)] if out else [])
    return runner.invoke(make_app(), args, env={"COLUMNS": "200"})


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_purchase_example_pools_beyond_buying_alone(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("purchase", PURCHASE, out)
    assert result.exit_code == 0, result.output
    assert "every coop buying alone" in result.output
    problem = to_problem(PurchaseIn.model_validate(load(PURCHASE)))
    assert problem.round_date.year == 2026  # 2569 in the file is Buddhist Era
    solved = solve_purchase(problem)
    assert validate(problem, solved) == []
    written = load(out)
    assert written["status"] == "optimal"
    assert solved.objective.saving_satang > solved.objective.alone_saving_satang
    assert {g["offer_id"] for g in written["groups"]} == {"DEPOT-LPN-DSL", "MILL-SANKAMPHAENG-FEED"}
    again = tmp_path / "r2.json"
    assert run("purchase", PURCHASE, again).exit_code == 0
    assert out.read_bytes() == again.read_bytes()


@pytest.mark.parametrize(
    ("edit", "field", "thai"),
    [
        (
            lambda d: d["needs"][0].pop("max_price"),
            "needs[0].max_price_satang_per_unit",
            "ราคาสูงสุด",
        ),
        (
            lambda d: d["offers"][0]["tiers"][1].update(price="31.00"),
            "offers[0].tiers[1].price_satang_per_unit",
            "ราคาต้องไม่สูงขึ้น",
        ),
        (
            lambda d: d["offers"][0]["tiers"][1].update(min_units=4000),
            "offers[0].tiers[1].min_units",
            "ซ้อนทับ",
        ),
        (
            lambda d: d["offers"][1].update(min_order_units=90000),
            "offers[1].min_order_units",
            "ขั้นต่ำ",
        ),
    ],
)
def test_purchase_bad_input_exits_2_naming_the_field(
    tmp_path: Path, edit: Any, field: str, thai: str
) -> None:
    data = copy.deepcopy(load(PURCHASE))
    edit(data)
    out = tmp_path / "r.json"
    result = run("purchase", write(tmp_path, data), out)
    assert result.exit_code == 2
    assert field in result.output and thai in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_knowhow_example_places_learners(tmp_path: Path) -> None:
    out = tmp_path / "k.json"
    result = run("knowhow", KNOWHOW, out)
    assert result.exit_code == 0, result.output
    problem = knowhow_problem(KnowhowIn.model_validate(load(KNOWHOW)))
    solved = solve_knowhow(problem)
    assert validate_knowhow(problem, solved) == []
    written = load(out)
    assert written["matched"] == solved.matched > 0
    reasons = {e["request_id"]: e["reason"] for e in written["explanations"]}
    assert reasons["L-BANHONG-RICE"] == "no_mentor_for_topic"


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["requests"][0].update(topic="astrology"), "requests[0].topic"),
        (lambda d: d["offers"][0].update(district="9999"), "offers[0]"),
    ],
)
def test_knowhow_bad_input_exits_2(tmp_path: Path, edit: Any, field: str) -> None:
    data = copy.deepcopy(load(KNOWHOW))
    edit(data)
    result = run("knowhow", write(tmp_path, data))
    assert result.exit_code == 2
    assert field in result.output
    assert "Traceback" not in result.output
