"""Scenario files load; bad input names the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scenarios.sim.loader import ScenarioError, districts, load_scenario
from tests.scenarios.conftest import ROOT, SCENARIO_FILES

LAMPHUN = ROOT / "scenarios" / "lamphun-2555.yaml"


def test_district_table_copied() -> None:
    table = districts()
    assert len(table) == 928
    assert table["5101"].name_en == "Mueang Lamphun"
    assert table["4214"].name_th == "หนองหิน"


def test_there_are_four_scenarios() -> None:
    names = {p.name for p in SCENARIO_FILES}
    assert {"lamphun-2555.yaml", "loei.yaml", "national-occupational.yaml"} <= names
    assert "cm-lamphun-eggs.yaml" in names


def _broken(tmp_path: Path, edit: object) -> ScenarioError:
    data = yaml.safe_load(LAMPHUN.read_text(encoding="utf-8"))
    edit(data)  # type: ignore[operator]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(path) in str(info.value)
    return info.value


def _fields(err: ScenarioError) -> set[str]:
    return {i.field for i in err.issues}


def test_unknown_key(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][0].update(harvest_tonnes=5))
    assert "groups[0].harvest_tonnes" in _fields(err)
    assert "unknown key" in str(err)


def test_float_money_is_a_wrong_unit(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][0].update(cash_baht=25000.5))
    assert "groups[0].cash_baht" in _fields(err)


def test_money_with_another_unit(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["season"].update(farm_price_baht="20 USD"))
    assert "season.farm_price_baht" in _fields(err)


def test_rate_in_percent_is_refused(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][1].update(lend_rate_bps=4.5))
    assert "groups[1].lend_rate_bps" in _fields(err)


def test_negative_size(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][0].update(harvest_kg=-1))
    assert "groups[0].harvest_kg" in _fields(err)


def test_unknown_parent(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["networks"][3].update(parent="nowhere"))
    assert "networks[3].parent" in _fields(err)


def test_two_roots(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["networks"][3].pop("parent"))
    assert "networks" in _fields(err)


def test_cycle(tmp_path: Path) -> None:
    def edit(d: dict) -> None:  # type: ignore[type-arg]
        d["networks"][0]["parent"] = "lamphun"
        d["networks"][0]["level"] = "area"

    err = _broken(tmp_path, edit)
    assert "networks[0].parent" in _fields(err)


def test_district_not_in_data(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][0]["districts"].append("5199"))
    assert "groups[0].districts[3]" in _fields(err)
    assert "5199" in str(err)


def test_counts_must_match_published(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["groups"][0].update(count=4))
    assert any(f.endswith(".published") for f in _fields(err))


def test_unknown_stress_group(tmp_path: Path) -> None:
    err = _broken(tmp_path, lambda d: d["policies"][0].update(stress={"late_buyer": "ghost"}))
    assert "policies[0].stress.late_buyer" in _fields(err)


def test_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: [", encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_files_load(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.coops and sc.networks
    assert sc.spec.illustrative
    assert len({c.id for c in sc.coops}) == len(sc.coops)
