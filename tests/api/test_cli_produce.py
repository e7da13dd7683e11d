"""CLI ``match produce``: the longan example, byte-identical output, bad input (exit 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from api.cli import match_produce
from api.schemas.produce import ProduceIn, to_problem
from matcher.money import satang_to_decimal_string
from matcher.produce.solver import solve_produce
from matcher.produce.validator import validate

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "scenarios" / "examples" / "lamphun-longan-surplus.json"
)
runner = CliRunner()


def make_app() -> typer.Typer:
    app = typer.Typer()
    match_app = typer.Typer()
    app.add_typer(match_app, name="match")
    match_produce.register(match_app)
    return app


def run(path: Path, out: Path | None = None) -> Any:
    args = ["match", "produce", str(path)] + (["--out", str(out)] if out else [])
    return runner.invoke(make_app(), args, env={"COLUMNS": "200"})


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_example_solves_validates_and_writes(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run(EXAMPLE, out)
    assert result.exit_code == 0, result.output
    assert "Produce matches" in result.output and "greedy" in result.output
    problem = to_problem(ProduceIn.model_validate(example()))
    solved = solve_produce(problem)
    assert validate(problem, solved) == []
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["status"] == "optimal"
    assert written["price_rule"] == "split"
    gains = written["objective"]["gains_from_trade"]
    assert gains == satang_to_decimal_string(solved.objective.gains_satang)
    tiers = {m["tier"] for m in written["matches"]}
    assert {"area", "province", "region"} <= tiers
    reasons = {r for x in written["explanations"] for r in x["reasons"]}
    assert "expired" in reasons and "price_gap" in reasons


def test_output_is_byte_identical_under_input_permutation(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(EXAMPLE, a).exit_code == 0
    data = example()
    for key in ("coops", "lots", "orders", "networks"):
        data[key] = list(reversed(data[key]))
    assert run(write(tmp_path, data), b).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(d: dict[str, Any]) -> None:
        node: Any = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return apply


BAD: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("negative quantity", _set(["lots", 0, "quantity"], -5), "lots[0].quantity"),
    ("zero quantity", _set(["orders", 0, "quantity"], 0), "orders[0].quantity"),
    ("float price", _set(["lots", 0, "reserve_price"], 17.5), "lots[0].reserve_price"),
    ("NaN-like price", _set(["lots", 0, "reserve_price"], "NaN"), "lots[0].reserve_price"),
    ("beyond int64", _set(["lots", 0, "quantity"], 2**64), "lots[0].quantity"),
    ("unknown product", _set(["lots", 0, "product"], "rice"), "lots[0].product"),
    ("unknown grade", _set(["lots", 0, "grade"], "AAA"), "lots[0].grade"),
    ("unknown coop", _set(["orders", 0, "buyer"], "nobody"), "orders[0].buyer"),
    ("duplicate lot id", _set(["lots", 1, "id"], "LT-MU-AA"), "lots[1].id"),
    ("expiry before ready", _set(["lots", 0, "expiry_date"], "2025-08-01"), "lots[0].expiry_date"),
    (
        "deliver-by in the past",
        _set(["orders", 0, "deliver_by"], "2025-08-01"),
        "orders[0].deliver_by",
    ),
    (
        "negative distance",
        _set(
            ["transport", "lanes"],
            [{"origin": "lg-mueang", "destination": "cs-li", "distance_m": -1}],
        ),
        "transport.lanes[0].distance_m",
    ),
    (
        "matrix missing a lane",
        _set(
            ["transport", "lanes"],
            [{"origin": "lg-mueang", "destination": "cs-li", "distance_m": 5}],
        ),
        "transport.lanes",
    ),
    ("network cycle", _set(["networks", 0, "parent_id"], "lp-longan"), "networks["),
    ("unknown key", _set(["transport", "speed"], 3), "transport.speed"),
]


@pytest.mark.parametrize(("name", "mutate", "field"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, name: str, mutate: Callable[[dict[str, Any]], None], field: str
) -> None:
    data = copy.deepcopy(example())
    mutate(data)
    out = tmp_path / "result.json"
    result = run(write(tmp_path, data), out)
    assert result.exit_code == 2, result.output
    assert field in result.output
    assert not out.exists()


def test_nan_literal_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    text = json.dumps(example(), ensure_ascii=False).replace('"quantity": 12000', '"quantity": NaN')
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "r.json"
    result = run(path, out)
    assert result.exit_code == 2 and not out.exists()


def test_shadow_values_reach_the_result_file(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run(EXAMPLE, out)
    assert result.exit_code == 0, result.output
    solved = solve_produce(to_problem(ProduceIn.model_validate(example())))
    written = json.loads(out.read_text(encoding="utf-8"))
    assert [
        (v["tier"], v["network_id"], v["product"], v["grade"], v["lot_id"], v["value_per_unit"])
        for v in written["shadow_values"]
    ] == [
        (
            v.tier,
            v.network_id,
            v.product,
            v.grade,
            v.lot_id,
            satang_to_decimal_string(v.satang_per_unit),
        )
        for v in solved.shadow_values
    ]
    for v in written["shadow_values"]:
        assert v["value_per_unit"] in v["text_en"] and v["value_per_unit"] in v["text_th"]
    lots = [x for x in written["explanations"] if x["side"] == "lot"]
    by_id = {x.order_id: x.shadow_satang_per_unit for x in solved.explanations}
    for x in lots:
        expected = by_id[x["id"]]
        assert x["shadow_value_per_unit"] == (
            None if expected is None else satang_to_decimal_string(expected)
        )
    if solved.shadow_values:
        assert "shadow value" in result.output


def _grading_day(yield_bps: object) -> dict[str, Any]:
    """The longan example plus raw eggs graded at a Ban Hong coop for a Li shop."""
    data = example()
    data["products"].append(
        {"id": "egg", "name_th": "ไข่ไก่", "name_en": "hen eggs", "base_unit": "egg",
         "shelf_life_days": 14, "grades": ["raw", "No.2"]}
    )  # fmt: skip
    day, coops = data["round_date"], [c["id"] for c in data["coops"]]
    data["lots"] += [
        {"id": "E1", "seller": coops[0], "product": "egg", "grade": "raw", "quantity": 8000,
         "reserve_price": "1.00", "ready_date": day, "expiry_date": "2025-08-20"},
        {"id": "E2", "seller": coops[1], "product": "egg", "grade": "raw", "quantity": 5000,
         "reserve_price": "1.00", "ready_date": day, "expiry_date": "2025-08-20"},
    ]  # fmt: skip
    data["orders"].append(
        {"id": "S1", "buyer": coops[3], "product": "egg", "quantity": 9000,
         "bids": [{"grade": "No.2", "max_price": "5.00"}], "deliver_by": "2025-08-15"}
    )  # fmt: skip
    data["processors"] = [
        {"id": "g1", "coop": coops[2], "in_product": "egg", "in_grade": "raw",
         "out_product": "egg", "out_grade": "No.2", "capacity": 10000, "cost_per_unit": "0.10",
         "yield_bps": yield_bps}
    ]  # fmt: skip
    data["transport"]["cost_per_unit_km"] = "0.01"
    return data


def test_a_processor_yield_from_the_file(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    result = run(write(tmp_path, _grading_day(9_300)), out)
    assert result.exit_code == 0, result.output
    legs = [m for m in json.loads(out.read_text(encoding="utf-8"))["matches"] if "g1" in (
        m["source_id"], m["target_id"])]  # fmt: skip
    units_in = sum(m["quantity"] for m in legs if m["target_id"] == "g1")
    units_out = sum(m["quantity"] for m in legs if m["source_id"] == "g1")
    assert (units_in, units_out) == (9_678, 9_000)  # ⌊9,678 × 0.93⌋ = 9,000


@pytest.mark.parametrize("value", [0, 100_001, 9300.0, "9300", True])
def test_a_bad_processor_yield_is_named(tmp_path: Path, value: object) -> None:
    result = run(write(tmp_path, _grading_day(value)))
    assert result.exit_code == 2, result.output
    assert "processors[0].yield_bps" in result.output and "ผลได้" in result.output
