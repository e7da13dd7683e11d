"""CLI ``round``: the Lamphun example, byte-identical output, bad input, ``round run`` kept."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.cli import round_file
from api.schemas.round import RoundIn, to_problem
from matcher.money import satang_to_decimal_string
from matcher.round.combined import solve_round
from matcher.round.validator import validate_round

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "lamphun-round.json"
runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test app."""

    round_file.register(app)
    return app


def invoke(*args: str) -> Any:
    return runner.invoke(make_app(), ["round", *args], env={"COLUMNS": "200"})


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_example_round_reports_and_writes_a_valid_result(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = invoke(str(EXAMPLE), "--out", str(out))
    assert result.exit_code == 0, result.output
    for text in ("debt cleared", "cash needed", "Needs after set-off", "By tier", "credit"):
        assert text in result.output
    problem = to_problem(RoundIn.model_validate(example()))
    solved = solve_round(problem)
    assert validate_round(problem, solved) == []
    s = solved.summary
    assert s.debt_cleared_satang > 0 and s.needs_shrunk_satang > 0
    assert s.needs_covered_count >= 1 and s.loan_count > 0 and s.new_obligation_count > 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["status"] == solved.status.value
    assert written["summary"]["loans"] == satang_to_decimal_string(s.loans_satang)
    assert written["new_obligations"][0]["id"].startswith("sale-")
    assert "timings" not in json.dumps(written)


def test_output_is_byte_identical_and_solve_is_the_default(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert invoke(str(EXAMPLE), "--out", str(first)).exit_code == 0
    assert invoke("solve", "--out", str(second), str(EXAMPLE)).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_new_obligations_feed_the_next_round(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    assert invoke(str(EXAMPLE), "--out", str(out)).exit_code == 0
    data = example()
    data["business_date"] = "2025-08-27"
    data["obligations"] = json.loads(out.read_text(encoding="utf-8"))["new_obligations"]
    data["produce"] = None
    result = invoke(str(write(tmp_path, data)))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("needs", 0, "amount"), "-5", "needs[0].amount"),
        (("obligations", 0, "debtor"), "nobody", "obligations[0].debtor"),
        (("credit", "credit_buyers"), ["nobody"], "credit.credit_buyers[0]"),
        (("produce", "lots", 0, "quantity"), 0, "produce.lots[0].quantity"),
        (("business_date",), "2025-13-01", "business_date"),
    ],
)
def test_bad_input_exits_2_names_the_field_and_writes_nothing(
    tmp_path: Path, path: tuple[Any, ...], value: Any, field: str
) -> None:
    data = copy.deepcopy(example())
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    out = tmp_path / "result.json"
    result = invoke(str(write(tmp_path, data)), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not out.exists()


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    data = example()
    data["surprise"] = 1
    result = invoke(str(write(tmp_path, data)))
    assert result.exit_code == 2
    assert "surprise" in result.output


def test_round_run_still_dispatches_to_the_database_command() -> None:
    result = invoke("run", "--help")
    assert result.exit_code == 0, result.output
    assert "--network" in result.output
    group = invoke("--help")
    assert group.exit_code == 0
    assert "solve" in group.output and "run" in group.output
