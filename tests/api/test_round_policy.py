"""The network policy: stored, versioned, audited, inherited down the tree, and taken by
every round — a feasible and a refused case per field (service, /v1 and CLI)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from dbseed import COMBINED_DAY, COORDINATOR, seed_combined, seed_lamphun
from http_fixtures import api, refused  # noqa: F401
from sqlalchemy import Engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from api.cli import db as db_cli
from api.cli import importer, policy
from api.db.tables import AuditEventRow, ProposalLoanRow, ProposalRow, RoundRow
from api.services.round.policy import PolicyError, set_policy, show_policy
from api.services.round.service import run_round

DAY = COMBINED_DAY  # a Saturday


def _round(db: Engine, clock, network: str = "LPN") -> RoundRow:  # type: ignore[no-untyped-def]
    out = run_round(db, network_id=network, business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        rnd = s.get(RoundRow, out.round_id)
        assert rnd is not None
        return rnd


def _loan_rates(db: Engine, round_id: int) -> set[int]:
    with Session(db) as s:
        rows = s.execute(
            select(ProposalLoanRow.rate_bps)
            .join(ProposalRow, ProposalRow.id == ProposalLoanRow.proposal_id)
            .where(ProposalRow.round_id == round_id)
        ).scalars()
        return set(rows)


def test_posted_rate_policy_gives_loans_at_the_posted_rate(db, clock) -> None:
    seed_lamphun(db)
    set_policy(db, "LPN", {"rate_rule": "posted", "posted_rate_bps": 420}, actor=COORDINATOR)
    rnd = _round(db, clock)
    assert _loan_rates(db, int(rnd.id or 0)) == {420}
    params = json.loads(rnd.params_json)
    assert params["rate_rule"] == "posted" and params["policy_version"] == 1
    # the areas have no policy of their own: they take the province's, posted rate included
    assert params["posted_rates"] == [["LPN", 420], ["LPN-A1", 420], ["LPN-A2", 420]]


def test_default_policy_is_midpoint(db, clock) -> None:
    seed_lamphun(db)
    rnd = _round(db, clock)
    assert _loan_rates(db, int(rnd.id or 0)) == {450, 475, 500}  # midpoints
    assert json.loads(rnd.params_json)["policy_version"] == 0


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"rate_rule": "posted"}, "posted_rate_bps"),
        ({"fairness": "loudest"}, "fairness"),
        ({"price_rule": "auction"}, "price_rule"),
        ({"transport": {"reach_km": 0}}, "transport.reach_km"),
        ({"transport": {"truck_capacity_units": -1}}, "transport.truck_capacity_units"),
        ({"proposal_ttl_business_days": 31}, "proposal_ttl_business_days"),
        ({"posted_rate_bps": "5%"}, "posted_rate_bps"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_policy_refused_naming_the_field(db, doc, field) -> None:  # type: ignore[no-untyped-def]
    seed_lamphun(db)
    with pytest.raises(PolicyError) as err:
        set_policy(db, "LPN", doc, actor=COORDINATOR)
    assert any(line.startswith(field) for line in err.value.lines), err.value.lines
    assert err.value.message_th
    assert show_policy(db, "LPN").version == 0


def test_versions_audit_and_inheritance(db, clock) -> None:
    seed_lamphun(db)
    set_policy(db, "LPN", {"fairness": "proportional"}, actor=COORDINATOR, clock=clock)
    set_policy(db, "LPN", {"fairness": "coverage"}, actor=COORDINATOR, clock=clock)
    stored = show_policy(db, "LPN-A1")  # inherited from the province
    assert (stored.network_id, stored.version, stored.spec.fairness.value) == (
        "LPN",
        2,
        "coverage",
    )
    with Session(db) as s:
        events = s.execute(
            select(AuditEventRow).where(AuditEventRow.action == "policy.set")
        ).scalars()
        versions = [json.loads(e.payload)["version"] for e in events]
    assert versions == [1, 2]
    rnd = _round(db, clock, "LPN-A1")
    assert json.loads(rnd.params_json)["policy"] == "coverage"


def test_proposal_lifetime_in_business_days(db, clock) -> None:
    seed_lamphun(db)
    set_policy(db, "LPN", {"proposal_ttl_business_days": 1}, actor=COORDINATOR)
    rnd = _round(db, clock)
    with Session(db) as s:
        ends = {
            p.expires_at.replace(tzinfo=UTC)
            for p in s.execute(select(ProposalRow).where(ProposalRow.round_id == rnd.id)).scalars()
        }
    # Saturday 21 Nov → one business day later is Monday 23 Nov, ending 23:59:59 in Bangkok
    assert ends == {datetime(2026, 11, 23, 16, 59, 59, tzinfo=UTC)}


def test_transport_reach_and_price_rule(db, clock) -> None:
    seed_combined_on_lamphun(db)
    set_policy(db, "LPN", {"transport": {"reach_km": 1}}, actor=COORDINATOR)
    near = _round(db, clock)
    assert json.loads(near.objective_json)["round"]["sale_count"] == 0
    set_policy(
        db, "LPN", {"price_rule": "clearing", "transport": {"reach_km": 300}}, actor=COORDINATOR
    )
    out = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock,
                    new_version=True)  # fmt: skip
    with Session(db) as s:
        far = s.get(RoundRow, out.round_id)
        assert far is not None
    assert json.loads(far.objective_json)["round"]["sale_count"] > 0
    assert json.loads(far.params_json)["price_rule"] == "clearing"


def seed_combined_on_lamphun(db: Engine) -> None:
    seed_lamphun(db)
    seed_combined(db)


# --- /v1 and the CLI ----------------------------------------------------------------------


def test_v1_policy_get_post(api) -> None:  # noqa: F811
    r = api.get(COORDINATOR, "/v1/networks/LPN/policy")
    assert r.status_code == 200 and r.json()["version"] == 0
    bad = api.post(COORDINATOR, "/v1/networks/LPN/policy", {"rate_rule": "posted"})
    refused(bad, "posted_rate_bps")
    bad = api.post(COORDINATOR, "/v1/networks/LPN/policy", {"transport": {"reach_km": 0}})
    refused(bad, "reach_km")
    body = {"rate_rule": "posted", "posted_rate_bps": 500}
    r = api.post(COORDINATOR, "/v1/networks/LPN/policy", body, idem="policy-1")
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    again = api.post(COORDINATOR, "/v1/networks/LPN/policy", body, idem="policy-1")
    assert again.status_code == 201 and again.json()["version"] == 1  # replayed, not stored
    inherited = api.get("area1-office", "/v1/networks/LPN-A1/policy").json()
    assert inherited["network_id"] == "LPN" and inherited["policy"]["posted_rate_bps"] == 500
    assert api.get("area1-office", "/v1/networks/LPN/policy").status_code == 404
    assert api.post("area1-office", "/v1/networks/LPN/policy", body).status_code == 404
    assert api.get("C1", "/v1/networks/LPN/policy").status_code in (403, 404)
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    rates = {p["rate_bps"] for p in api.get("C2", "/v1/proposals").json()["items"]}
    assert r.status_code == 201 and rates == {500}


def test_cli_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'cm.sqlite3'}")
    app = typer.Typer(pretty_exceptions_enable=False)
    for module in (db_cli, importer, policy):
        module.register(app)
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        res = runner.invoke(app, list(args))
        return res.exit_code, " ".join(res.output.split())

    repo = Path(__file__).resolve().parents[2] / "scenarios" / "examples"
    assert run("db", "upgrade")[0] == 0
    assert run("import", "members", str(repo / "lamphun-members.csv"))[0] == 0
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"fairness": "proportional", "proposal_ttl_business_days": 2}')
    bad.write_text('{"rate_rule": "posted"}')
    who = ("--as", "lamphun-coop-office")
    code, out = run("policy", "set", "--network", "LPN-FIN", str(bad), *who)
    assert code == 2 and "posted_rate_bps" in out and "นโยบาย" in out
    code, out = run("policy", "set", "--network", "LPN-FIN", str(good), *who)
    assert code == 0 and '"version": 1' in out, out
    code, out = run("policy", "show", "--network", "LPN-FIN", *who)
    assert code == 0 and '"proportional"' in out
    code, out = run("policy", "show", "--network", "LPN-FIN", "--as", "someone-else")
    assert code == 2 and "does not coordinate" in out
