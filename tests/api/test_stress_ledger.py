"""The stress test on the database ledger: open obligations become claims (both backends)."""

from __future__ import annotations

import json

import pytest
from dbseed import seed_combined, seed_lamphun
from sqlalchemy import Engine, update
from typer.testing import CliRunner

from api.cli.main import app
from api.db.tables import CoopRow
from api.db.tx import in_write_transaction
from api.services.stress_ledger import coop_coordinates, ledger_from_db, network_members_db
from matcher.stress.model import Shock, StressProblem
from matcher.stress.run import run_stress
from matcher.stress.validator import check_stress


def _liquid(db: Engine, satang: int) -> None:
    in_write_transaction(
        db, lambda s: s.execute(update(CoopRow).values(liquid_funds_satang=satang))
    )


def test_cycle_on_the_database_clears_and_c2_default_spreads(db: Engine) -> None:
    seed_lamphun(db)
    seed_combined(db)
    _liquid(db, 1_000_000_00)
    positions, claims = ledger_from_db(db)
    amounts = {(c.debtor, c.creditor): c.amount_satang for c in claims}
    assert amounts[("C2", "C3")] == 200_000_00
    assert amounts[("C4", "C2")] == 100_000_00
    calm = StressProblem(positions, claims, ())
    res = run_stress(calm)
    assert check_stress(calm, res) == []
    assert all(o.loss_satang == 0 and o.default_round is None for o in res.outcomes)
    _liquid(db, 10_000_00)
    positions, claims = ledger_from_db(db)
    shocked = StressProblem(positions, claims, (Shock("C2"),))
    res = run_stress(shocked)
    assert check_stress(shocked, res) == []
    by = {o.coop_id: o for o in res.outcomes}
    assert (by["C3"].loss_satang, by["C3"].default_round) == (200_000_00, 1)
    assert (by["C4"].pays_satang, by["C4"].default_round) == (20_000_00, 2)
    assert by["C1"].loss_satang == 50_000_00
    members = network_members_db(db)
    assert any("C2" in v for v in members.values())
    assert set(coop_coordinates(db)) <= {p.coop_id for p in positions}


def test_cli_stress_on_the_database(db: Engine, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``coopmatch stress --db --default C2`` reads the same ledger (SQLite file URL)."""
    if db.dialect.name != "sqlite":
        pytest.skip("the CLI reaches PostgreSQL through its URL only, not a test schema")
    seed_lamphun(db)
    seed_combined(db)
    _liquid(db, 10_000_00)
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", db.url.render_as_string(hide_password=False))
    res = CliRunner().invoke(app, ["stress", "--db", "--default", "C2", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    out = json.loads((tmp_path / "stress.json").read_text(encoding="utf-8"))
    rounds = {c["coop"]: c["default_round"] for c in out["coops"]}
    assert (rounds["C2"], rounds["C3"], rounds["C4"]) == (0, 1, 2)
    bad = CliRunner().invoke(app, ["stress", "--db", "--default", "nobody"])
    assert bad.exit_code == 2 and "default[0]" in bad.output
