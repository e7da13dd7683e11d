"""CLI ``match setoff``: the example, byte-identical output, and bad input (exit 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.cli import match_setoff
from api.schemas.setoff import SetoffIn, to_problem
from matcher.money import satang_to_decimal_string
from matcher.setoff.solver import solve_setoff
from matcher.setoff.validator import validate

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "lamphun-setoff.json"
runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    match_app = typer.Typer()
    app.add_typer(match_app, name="match")
    match_setoff.register(match_app)
    return app


def run(path: Path, out: Path | None = None) -> Any:
    args = ["match", "setoff", str(path)] + (["--out", str(out)] if out else [])
    return runner.invoke(make_app(), args, env={"COLUMNS": "200"})


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any], name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_example_solves_validates_and_writes_the_result(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run(EXAMPLE, out)
    assert result.exit_code == 0, result.output
    assert "Set-off notices" in result.output
    assert "bilateral" in result.output
    problem = to_problem(SetoffIn.model_validate(example()))
    solved = solve_setoff(problem)
    assert validate(problem, solved) == []
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["status"] == "optimal"
    assert written["totals"]["cleared"] == satang_to_decimal_string(solved.totals.cleared_satang)
    assert written["totals"]["gross"] == "923050.50"
    assert len(written["notices"]) == len(problem.obligations)
    assert solved.totals.cleared_satang > solved.totals.bilateral_cleared_satang


def test_output_is_byte_identical_whatever_the_input_order(tmp_path: Path) -> None:
    data = example()
    shuffled = copy.deepcopy(data)
    shuffled["obligations"].reverse()
    shuffled["coops"].reverse()
    shuffled["sources"].reverse()
    out_a, out_b, out_c = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    assert run(write(tmp_path, data, "x.json"), out_a).exit_code == 0
    assert run(write(tmp_path, data, "x.json"), out_b).exit_code == 0
    assert run(write(tmp_path, shuffled, "y.json"), out_c).exit_code == 0
    assert out_a.read_bytes() == out_b.read_bytes() == out_c.read_bytes()


def _set(data: dict[str, Any], index: int, **fields: Any) -> dict[str, Any]:
    bad = copy.deepcopy(data)
    bad["obligations"][index].update(fields)
    return bad


Mutation = Callable[[dict[str, Any]], dict[str, Any]]
BAD_CASES: dict[str, tuple[Mutation, str]] = {
    "self-debt": (
        lambda d: _set(d, 1, creditor=d["obligations"][1]["debtor"]),
        "obligations[1].creditor",
    ),
    "negative": (lambda d: _set(d, 2, amount="-5.00"), "obligations[2].amount"),
    "zero": (lambda d: _set(d, 0, amount="0.00"), "obligations[0].amount"),
    "float": (lambda d: _set(d, 0, amount=1500.5), "obligations[0].amount"),
    "three-places": (lambda d: _set(d, 3, amount="1.005"), "obligations[3].amount"),
    "unknown-debtor": (lambda d: _set(d, 4, debtor="LPN-NOWHERE"), "obligations[4].debtor"),
    "unknown-creditor": (lambda d: _set(d, 5, creditor="LPN-NOWHERE"), "obligations[5].creditor"),
    "duplicate-id": (lambda d: _set(d, 6, id=d["obligations"][0]["id"]), "obligations[6].id"),
    "unknown-key": (lambda d: _set(d, 0, interest="1.00"), "obligations[0].interest"),
    "bad-date": (lambda d: _set(d, 0, due_date="2026-13-40"), "obligations[0].due_date"),
    "source-rate": (
        lambda d: {**d, "sources": [{**d["sources"][0], "rate_bps": 20_000}]},
        "sources[0].rate_bps",
    ),
    "source-coop": (
        lambda d: {**d, "sources": [{**d["sources"][0], "coop": "LPN-NOWHERE"}]},
        "sources[0].coop",
    ),
    "duplicate-coop": (lambda d: {**d, "coops": d["coops"] + d["coops"][:1]}, "coops[6].id"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_input_names_the_field_exits_2_and_writes_nothing(tmp_path: Path, case: str) -> None:
    mutate, field = BAD_CASES[case]
    out = tmp_path / "result.json"
    result = run(write(tmp_path, mutate(example())), out)
    assert result.exit_code == 2
    assert field in "".join(result.output.split())
    assert not out.exists()


def test_unreadable_and_malformed_files_exit_2(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    missing = run(tmp_path / "missing.json", out)
    assert missing.exit_code == 2
    broken = tmp_path / "broken.json"
    broken.write_text('{"coops": [}', encoding="utf-8")
    assert run(broken, out).exit_code == 2
    assert "notvalidJSON" in "".join(run(broken, out).output.split())
    assert not out.exists()
