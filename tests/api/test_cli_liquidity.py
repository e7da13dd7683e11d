"""CLI tests for ``coopmatch match liquidity``: good runs, determinism and bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.cli import match_liquidity
from api.schemas.liquidity import LiquidityProblemFile, problem_to_domain
from matcher.liquidity.solver import solve_liquidity
from matcher.liquidity.validator import validate_result

EXAMPLE = Path(__file__).resolve().parents[2] / "scenarios/examples/lamphun-liquidity.json"
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    match_liquidity.register(app)
    app.command("noop")(lambda: None)  # keep Typer in group mode
    return app


def _run(path: Path, out: Path) -> Any:
    return runner.invoke(_app(), ["liquidity", str(path), "--out", str(out)])


def _example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def test_example_solves_validates_and_beats_fcfs(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    res = _run(EXAMPLE, out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    problem = problem_to_domain(LiquidityProblemFile.model_validate(_example()))
    assert validate_result(problem, solve_liquidity(problem)) == []
    assert doc["status"] == "optimal"
    assert float(doc["objective"]["covered"]) > float(doc["baseline"]["covered"])
    assert "first-come-first-served" in res.output


def test_output_is_byte_identical_for_shuffled_input(tmp_path: Path) -> None:
    data = _example()
    shuffled = copy.deepcopy(data)
    for key in ("coops", "offers", "needs", "rules", "networks"):
        shuffled[key] = list(reversed(shuffled[key]))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    src = tmp_path / "shuffled.json"
    src.write_text(json.dumps(shuffled, ensure_ascii=False), encoding="utf-8")
    assert _run(EXAMPLE, a).exit_code == 0
    assert _run(src, b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def _mutate(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    keys = path.split(".")
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node[k]
    last = keys[-1]
    node[int(last) if last.isdigit() else last] = value
    return out


BAD_CASES = [
    ("negative amount", "offers.0.amount", "-5.00", "offers[0].amount"),
    ("zero amount", "needs.0.amount", "0.00", "needs[0].amount"),
    ("three decimals", "needs.0.amount", "10.005", "needs[0].amount"),
    ("float amount", "offers.0.amount", 1500.5, "offers[0].amount"),
    ("exponent amount", "offers.0.amount", "1e6", "offers[0].amount"),
    ("rate out of range", "offers.0.min_rate_bps", 10_001, "offers[0].min_rate_bps"),
    ("beyond int64", "offers.0.arrival", 2**64, "offers[0].arrival"),
    ("unknown coop", "needs.0.borrower", "nobody", "needs[0].borrower"),
    ("duplicate id", "offers.1.id", "off-01", "offers[1].id"),
    ("lending to itself", "offers.0.lender", "longan-1", "offers[0].lender"),
    ("unknown key", "needs.0.colour", "red", "needs[0].colour"),
    ("tree with a cycle", "networks.0.parent_id", "lamphun-fin", "parent_id"),
    ("urgency out of range", "needs.0.urgency", 9, "needs[0].urgency"),
]


@pytest.mark.parametrize(
    ("name", "path", "value", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES]
)
def test_bad_input_names_the_field_exits_2_and_writes_nothing(
    tmp_path: Path, name: str, path: str, value: Any, field: str
) -> None:
    src, out = tmp_path / "bad.json", tmp_path / "out.json"
    src.write_text(
        json.dumps(_mutate(_example(), path, value), ensure_ascii=False), encoding="utf-8"
    )
    res = _run(src, out)
    assert res.exit_code == 2, res.output
    assert field in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_rejected(tmp_path: Path, text: str) -> None:
    raw = EXAMPLE.read_text(encoding="utf-8").replace(
        '"min_rate_bps": 350', f'"min_rate_bps": {text}', 1
    )
    src, out = tmp_path / "bad.json", tmp_path / "out.json"
    src.write_text(raw, encoding="utf-8")
    res = _run(src, out)
    assert res.exit_code == 2 and text in res.output and not out.exists()


def test_missing_file_and_broken_json(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    assert _run(tmp_path / "absent.json", out).exit_code == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    res = _run(broken, out)
    assert res.exit_code == 2 and "not valid JSON" in res.output and not out.exists()


def test_unwritable_output_is_exit_2_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    res = _run(EXAMPLE, blocker / "sub" / "out.json")  # a file where a folder should be
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "cannot write" in res.output
