"""The stress test on the database ledger: open obligations become claims (both backends)."""

from __future__ import annotations

from dbseed import seed_combined, seed_lamphun
from sqlalchemy import Engine, update

from api.db.tables import CoopRow
from api.db.tx import in_write_transaction
from api.services.stress_ledger import ledger_from_db, network_members_db
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
