"""Joint purchasing over a season: the fuel-station network's diesel and the egg cluster's
layer feed, week by week, every round validated; bad joint-purchase input names its field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from scenarios.sim.loader import ScenarioError, districts, load_scenario
from scenarios.sim.montecarlo import with_days
from scenarios.sim.purchase import purchase_rows, simulate_purchases
from tests.scenarios.conftest import ROOT

FILES = {
    "diesel": ROOT / "scenarios" / "lamphun-2555.yaml",
    "layer_feed": ROOT / "scenarios" / "cm-lamphun-eggs.yaml",
}


@pytest.mark.parametrize("product", sorted(FILES))
def test_buying_together_saves_more_than_buying_alone(product: str) -> None:
    scenario = with_days(load_scenario(FILES[product]), 28)
    (season,) = simulate_purchases(scenario, districts(), np.random.SeedSequence(11))
    assert season.product_id == product
    assert season.weeks == 4
    assert season.served > 0
    assert season.saving_satang > season.alone_saving_satang > 0
    again = simulate_purchases(scenario, districts(), np.random.SeedSequence(11))
    assert again == [season]
    (row,) = purchase_rows([season])
    assert row["gain_baht"] == round((season.saving_satang - season.alone_saving_satang) / 100, 2)


def test_a_rising_tier_price_in_a_scenario_names_the_field(tmp_path: Path) -> None:
    data = yaml.safe_load(FILES["diesel"].read_text(encoding="utf-8"))
    data["joint_purchases"][0]["suppliers"][0]["tiers"][1]["price_baht"] = "31.00"
    data["joint_purchases"][0]["buyers"] = "nobody"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    fields = {i.field for i in info.value.issues}
    assert "joint_purchases[0].suppliers[0].tiers[1].price_satang_per_unit" in fields
    assert "joint_purchases[0].buyers" in fields
