"""The CLI over a second business day (as `make demo` runs it): a coordinator records a
decline and a cash repayment, the next round ends an expired offer and does not propose the
declined pair again, and the overdue list shows days past due; bad input exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from api.cli import db, debts, importer, policy, proposals, round_file

EXAMPLES = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
AS = ("--as", "lamphun-coop-office")


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.sqlite3'}")
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db, importer, round_file, policy, proposals, debts):
        module.register(app)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    assert run("db", "upgrade")[0] == 0
    return run


def test_second_business_day(cli) -> None:  # type: ignore[no-untyped-def]
    for name in ("lamphun-members.csv", "lamphun-orders.csv", "lamphun-orders-short.csv"):
        assert cli("import", "members" if "members" in name else "orders",
                   str(EXAMPLES / name))[0] == 0  # fmt: skip
    policy_file = str(EXAMPLES / "lamphun-policy.json")
    assert cli("policy", "set", "--network", "LPN-FIN", policy_file, *AS)[0] == 0
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-21", *AS,
                    "--force")  # fmt: skip
    assert code == 0, out
    code, out = cli("proposal", "decline", "5", "--side", "demand", "--reason", "too dear", *AS)
    assert code == 0 and "declined" in out, out
    code, out = cli("proposal", "decline", "5", "--side", "sideways", *AS)
    assert code == 2 and "--side" in out
    pay = ("debt", "pay", "--network", "LPN-FIN", "--debt", "OB-LI-BANTHI")
    code, out = cli(*pay, "--amount", "50000.00", "--date", "2026-11-23", *AS)
    assert code == 0 and "45,000.00" in out, out
    code, out = cli(*pay, "--amount", "1,000", "--date", "2026-11-23", *AS)
    assert code == 2 and "--amount" in out
    code, out = cli(*pay, "--amount", "10.00", "--date", "2569-11-23", *AS)
    assert code == 2 and "2026-11-23" in out
    code, out = cli(*pay, "--amount", "99999999.00", "--date", "2026-11-23", *AS)
    assert code == 2 and "amount" in out and "Traceback" not in out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-23", *AS,
                    "--force")  # fmt: skip
    assert code == 0, out
    assert "OF-HOSP-SHORT" in out and "not proposed again" in out and "too dear" in out
    code, out = cli("debt", "overdue", "--network", "LPN-FIN", "--date", "2026-12-07", *AS)
    assert code == 0 and "OB-LI-BANTHI" in out and "45,000.00" in out
    # the coordinator asks for the declined pair to be proposed again: once, audited
    again = ("proposal", "propose-again", "5", "--network", "LPN-FIN")
    code, out = cli(*again, *AS)
    assert code == 0 and "may be proposed again" in out, out
    code, out = cli(*again, *AS)
    assert code == 2 and "already" in out and "Traceback" not in out
    code, out = cli("proposal", "propose-again", "5", "--network", "LPN-FIN", "--as", "nobody")
    assert code != 0 and "Traceback" not in out
    code, out = cli("round", "run", "--network", "LPN-FIN", "--date", "2026-11-24", *AS,
                    "--force")  # fmt: skip
    assert code == 0 and "too dear" not in out, out
