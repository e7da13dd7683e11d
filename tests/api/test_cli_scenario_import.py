"""``coopmatch import scenario``: a scenario's networks, coops and network policies (joint
fund, processors, transport per product) into the database; the same file twice stores no
new version; a bad policy names its field and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from sqlalchemy import create_engine, func, select
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import db as db_cli
from api.cli import importer, policy
from api.db.tables import CoopRow, NetworkRow, OrderRow
from api.db.tables_round import NetworkPolicyRow

EGGS = Path(__file__).resolve().parents[2] / "scenarios" / "cm-lamphun-eggs.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cm.sqlite3'}"
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", url)
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db_cli, importer, policy):
        module.register(app)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    assert run("db", "upgrade")[0] == 0
    run.engine = create_engine(url)  # type: ignore[attr-defined]
    return run


def test_import_scenario_stores_networks_coops_and_policies(cli) -> None:  # type: ignore[no-untyped-def]
    code, out = cli("import", "scenario", str(EGGS))
    assert code == 0 and "6 networks, 11 coops" in out and "(2 new)" in out, out
    code, out = cli("import", "scenario", str(EGGS))  # again: nothing new
    assert code == 0 and "(0 new)" in out, out
    with Session(cli.engine) as s:
        assert s.scalar(select(func.count()).select_from(NetworkPolicyRow)) == 2
        fund = s.get(OrderRow, "th-national-fund")
        assert fund is not None and fund.amount == 50_000_000
        acct = s.get(CoopRow, "th-national-fund")
        assert acct is not None and acct.kind == "joint_fund"
    code, out = cli("policy", "show", "--network", "egg-upstream", "--as", "import")
    assert code == 2  # only a coordinator of the network reads it
    with Session(cli.engine) as s:
        row = s.execute(
            select(NetworkPolicyRow).where(NetworkPolicyRow.network_id == "egg-cluster")
        ).scalar_one()
    doc = json.loads(row.policy_json)
    assert doc["processors"][0]["coop_id"] == "farm-01"
    assert doc["processors"][0]["yield_bps"] == 9_700  # 97 graded eggs of 100 raw
    assert doc["product_transport"][0] == {
        "product": "egg", "satang_per_unit_km": 0, "road_factor_bps": 13000, "reach_km": 120,
        "truck_capacity_units": 0, "truck_cost_satang": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            "coop_id: farm-01",
            "coop_id: farm-99",
            "network_policies[0].policy.processors[0].coop_id",
        ),
        (
            "in_product: egg",
            "in_product: durian",
            "network_policies[0].policy.processors[0].in_product",
        ),
        (
            "yield_bps: 9700}",
            "yield_bps: 0}",
            "network_policies[0].policy.processors[0].yield_bps",
        ),
        (
            "reach_km: 120}",
            "reach_km: 0}",
            "network_policies[0].policy.product_transport[0].reach_km",
        ),
        ("  - network: th-national", "  - network: egg-cluster", "network_policies[1].network"),
        (
            "network: th-national\n    policy:\n",
            "network: north\n    policy:\n",
            "network_policies[1].policy.joint_fund",
        ),
    ],
)
def test_a_bad_scenario_policy_is_named_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = EGGS.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(old, new), encoding="utf-8")
    code, out = cli("import", "scenario", str(bad))
    assert code == 2 and field in out, out
    with Session(cli.engine) as s:
        assert s.scalar(select(func.count()).select_from(NetworkRow)) == 0
        assert s.scalar(select(func.count()).select_from(NetworkPolicyRow)) == 0


def test_a_simulator_policy_goes_onto_the_root(cli) -> None:  # type: ignore[no-untyped-def]
    """Loei has no network_policies: --policy joint-fund stores the national root's fund
    (500,000 baht at 5.00 %) and fairness; an unknown name is refused naming --policy."""
    loei = EGGS.parent / "loei.yaml"
    code, out = cli("import", "scenario", str(loei), "--policy", "nowhere")
    assert code == 2 and "--policy" in out and "joint-fund" in out, out
    code, out = cli("import", "scenario", str(loei), "--policy", "joint-fund")
    assert code == 0 and "th-national v1" in out and "(1 new)" in out, out
    with Session(cli.engine) as s:
        fund = s.get(OrderRow, "th-national-fund")
        assert fund is not None and fund.amount == 500_000_00
    code, out = cli("import", "scenario", str(loei), "--policy", "proportional")
    assert code == 0 and "th-national v2" in out, out  # no fund in that one: a new version
