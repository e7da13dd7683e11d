"""The season replay (``coopmatch season replay``): short seasons of every scenario file
through ``/v1`` on SQLite and PostgreSQL, with faults, checked every day and against the
in-memory simulator; each ledger invariant broken on purpose; bad input refused."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from api.cli.main import app
from api.replay.behaviour import Behaviour, resolve
from api.replay.faults import DEFAULT_PLAN, KINDS, parse_plan
from api.replay.invariants import RULES, Checker, InvariantBroken, check_day
from api.replay.report import EXACT, figures, reasons, report_json, twin_breaks
from api.replay.run import ReplayResult, replay_season
from api.replay.world import tiers_of
from api.settings import Settings, create_engine_from
from scenarios.sim.loader import Scenario, load_scenario
from scenarios.sim.schema import ReplaySpec
from scenarios.sim.setup import active_view, season_setup

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
LAMPHUN = next(p for p in SCENARIOS if p.name == "lamphun-2555.yaml")
TRANSPARENT = {
    k: 400
    for k in KINDS
    if k not in ("reordered-posts", "accept-decline-race") and not k.startswith("kill-")
}
"""Faults a correct system recovers from with no trace in any figure (retries of the same
request, crashes rolled back, one round of two). Rounds killed in a child process are as
transparent, but each costs a process start: the tiered season below has them."""
DAYS = 10


def _survived_all(r: ReplayResult, kinds: list[str]) -> None:
    assert sorted(r.faults.injected) == sorted(kinds), r.faults
    assert r.faults.injected == r.faults.survived


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.stem == "loei" else p for p in SCENARIOS],
    ids=lambda p: p.stem,
)
def test_short_season_agrees_with_the_simulator(db: Engine, path: Path) -> None:
    """Ten days of every scenario through /v1, one round a day as the simulator does,
    with the faults a correct system hides: every invariant holds every day and every
    figure equals ``coopmatch simulate``'s for the same seed."""
    r = replay_season(
        db,
        load_scenario(path),
        str(path),
        seed=1,
        days=DAYS,
        plan=TRANSPARENT,
        one_round=True,
        behaviours=False,
    )
    assert r.days == DAYS and r.counts.proposals > 0 and r.ledger.commitments > 0
    _survived_all(r, sorted(TRANSPARENT))
    why = reasons(r, one_round=True)
    assert set(why) <= {"limits"}, why  # a season's loans near a borrowing limit: see report
    assert twin_breaks(r, one_round=True) == []
    if not why:
        assert figures(r.metrics) == figures(r.twin)


def test_tiered_season_with_every_fault(db: Engine) -> None:
    """Area rounds before their parents, the default fault plan and members that decline:
    the invariants hold, every fault is survived, and the replay differs from the
    simulator only as the report explains (what no round decides is equal)."""
    r = replay_season(
        db,
        load_scenario(LAMPHUN),
        str(LAMPHUN),
        seed=5,
        days=DAYS,
        plan=parse_plan("default"),
        decline_bps=1_500,
    )
    _survived_all(r, sorted(DEFAULT_PLAN))
    assert r.counts.declined > 0 and r.counts.rounds > DAYS
    assert {"declines", "tiers", "ties", "race"} <= set(reasons(r))
    a, b = figures(r.metrics), figures(r.twin)
    assert all(a[k] == b[k] for k in EXACT)
    assert twin_breaks(r) == []


def test_the_same_season_twice_gives_the_same_report_and_matches(tmp_path: Path) -> None:
    """Determinism: the same scenario, options and seed, replayed twice into fresh
    databases with faults (reordered posts, races) and declines, give the same report byte
    for byte and the same proposals (order ids differ; ties follow the posting order)."""
    plan = {k: v for k, v in DEFAULT_PLAN.items() if not k.startswith("kill-")}
    sql = (
        "SELECT p.id, r.network_id, r.business_date, p.kind, p.supply_coop_id, "
        "p.demand_coop_id, p.amount, p.status, s.kind, s.amount, d.kind, d.amount "
        "FROM proposal p JOIN round r ON r.id = p.round_id "
        "JOIN orders s ON s.id = p.supply_order_id JOIN orders d ON d.id = p.demand_order_id "
        "ORDER BY p.id"
    )
    runs = []
    for i in range(2):
        engine = create_engine_from(Settings(database_url=f"sqlite:///{tmp_path / f'{i}.db'}"))
        r = replay_season(
            engine, load_scenario(LAMPHUN), "x", seed=11, days=4, plan=plan, decline_bps=1_500
        )
        with engine.connect() as conn:
            runs.append((report_json(r), [tuple(x) for x in conn.execute(text(sql))]))
        engine.dispose()
    assert "accept-decline-race" in runs[0][0] and "reordered-posts" in runs[0][0]
    assert runs[0][1] and runs[0][1] == runs[1][1]
    assert runs[0][0] == runs[1][0]


def test_replay_through_a_real_server(tmp_path: Path) -> None:
    """``--server``: uvicorn on 127.0.0.1 (a free port), started and stopped by the replay."""
    engine = create_engine_from(Settings(database_url=f"sqlite:///{tmp_path / 'r.sqlite3'}"))
    sc = load_scenario(LAMPHUN)
    r = replay_season(engine, sc, str(LAMPHUN), seed=2, days=3, server=True, one_round=True)
    assert twin_breaks(r, one_round=True) == [] and r.counts.accepted > 0
    engine.dispose()


# -- each invariant broken on purpose ------------------------------------------------------


def _short_credit(sc: Scenario) -> Scenario:
    """Buyers pay after one day, so debts fall due, are set off and paid within the test."""
    pol = sc.spec.policies[0].model_copy(update={"credit_days_min": 1, "credit_days_max": 1})
    return replace(sc, spec=sc.spec.model_copy(update={"policies": (pol,)}))


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database after four replayed days (declines, debts paid and set off)."""
    path = tmp_path_factory.mktemp("replayed") / "season.sqlite3"
    engine = create_engine_from(Settings(database_url=f"sqlite:///{path}"))
    r = replay_season(
        engine, _short_credit(load_scenario(LAMPHUN)), "x", seed=7, days=4, decline_bps=2_500
    )
    assert r.counts.declined > 0 and r.ledger.payments_satang > 0
    engine.dispose()
    return path


TAMPER: dict[str, str] = {
    "ledger-once": "UPDATE proposal SET status = 'committed' "
    "WHERE id = (SELECT min(id) FROM proposal WHERE status = 'declined')",
    "within-amount": "UPDATE orders SET amount = committed + reserved - 1 "
    "WHERE id = (SELECT min(id) FROM orders WHERE kind = 'liquidity_offer' AND committed > 1)",
    "reservations": "UPDATE orders SET reserved = reserved + 1 WHERE id = (SELECT min(id) "
    "FROM orders WHERE kind = 'liquidity_offer' AND reserved + committed < amount)",
    "repayments": "INSERT INTO cash_payment (obligation_order_id, debtor_coop_id, "
    "creditor_coop_id, amount_satang, paid_on, recorded_by, recorded_at) "
    "SELECT o.id, o.coop_id, b.creditor_coop_id, o.amount + 1, '2012-08-01', 'x', "
    "'2012-08-01 02:00:00' FROM orders o JOIN obligation b ON b.order_id = o.id "
    "WHERE o.id = (SELECT min(order_id) FROM obligation)",
    "ledger-balances": "UPDATE orders SET committed = committed - 1 "
    "WHERE id = (SELECT min(id) FROM orders WHERE kind = 'liquidity_offer' AND committed > 0)",
    "network-isolation": "UPDATE proposal SET round_id = (SELECT min(id) FROM round "
    "WHERE network_id = 'lp-fin') WHERE id = (SELECT min(p.id) FROM proposal p "
    "JOIN round r ON r.id = p.round_id WHERE r.network_id = 'lp-longan')",
    "audit-chains": "UPDATE audit_event SET actor = actor || 'x' "
    "WHERE id = (SELECT max(id) FROM audit_event)",
}
"""One changed row per rule (the audit log is append-only: its trigger goes first, as an
intruder with the owner's rights would do)."""
UNGUARD = {"audit-chains": "DROP TRIGGER audit_event_no_update"}


def test_every_rule_has_a_tamper() -> None:
    assert sorted(TAMPER) == sorted(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_a_row_changed_behind_the_services_back_stops_the_checker(
    replayed: Path, tmp_path: Path, rule: str
) -> None:
    """The untouched database passes; one changed row breaks exactly its rule."""
    copy = tmp_path / "tampered.sqlite3"
    shutil.copyfile(replayed, copy)
    engine = create_engine_from(Settings(database_url=f"sqlite:///{copy}"))
    check_day(engine, 4)
    with engine.begin() as conn:
        if rule in UNGUARD:
            conn.execute(text(UNGUARD[rule]))
        assert conn.execute(text(TAMPER[rule])).rowcount == 1
    with pytest.raises(InvariantBroken) as caught:
        check_day(engine, 4)
    assert caught.value.rule == rule and caught.value.day == 4 and caught.value.rows
    assert rule in str(caught.value)
    with pytest.raises(InvariantBroken) as again:  # the replay's day-by-day checker
        Checker(engine).check(4)
    assert again.value.rule == rule
    engine.dispose()


def test_the_day_by_day_checker_hashes_new_events_and_all_of_them_at_the_end(
    replayed: Path, tmp_path: Path
) -> None:
    """Each day only the events appended since the last check are hashed (a tampered new
    event is caught); an event changed after it was verified is caught by the full check
    of the last day."""
    copy = tmp_path / "season.sqlite3"
    shutil.copyfile(replayed, copy)
    engine = create_engine_from(Settings(database_url=f"sqlite:///{copy}"))
    checker = Checker(engine)
    checker.check(4)
    assert checker.verified
    with engine.begin() as conn:
        conn.execute(text(UNGUARD["audit-chains"]))
        conn.execute(text(TAMPER["audit-chains"]))
    checker.check(5)  # verified yesterday: not hashed again today
    with pytest.raises(InvariantBroken) as caught:
        checker.check(6, full=True)
    assert caught.value.rule == "audit-chains"
    engine.dispose()


# -- member behaviours from the scenario file ------------------------------------------------

EGGS = next(p for p in SCENARIOS if p.name == "cm-lamphun-eggs.yaml")


def test_behaviours_resolve_from_the_general_to_the_specific() -> None:
    """members < networks (root down) < groups < coops; --decline-bps overrides declines."""
    sc = load_scenario(EGGS)
    setup = season_setup(sc, sc.spec.policies[0])
    got = resolve(sc, setup)
    assert got["feed-01"] == Behaviour(200, "on_time", 0)  # every member
    assert got["farm-01"] == Behaviour(200, "on_time", 0)
    assert got["farm-04"] == Behaviour(0, "on_time", 0)  # the coop's own
    assert got["down-01"] == Behaviour(800, "late", 5)  # network, then group
    assert got["down-05"] == Behaviour(800, "never", 0)  # the coop's own repay
    assert {b.decline_bps for b in resolve(sc, setup, 0).values()} == {0}
    assert resolve(sc, setup, 0)["down-05"].repay == "never"


def test_members_that_never_pay_make_no_payment(tmp_path: Path) -> None:
    """A group that never repays pays no debt in cash (the others do), and the report
    names the difference from the simulator."""
    sc = _short_credit(load_scenario(LAMPHUN))
    behaviours = {"groups": {"agri-buyer": {"repay": "never"}}}
    spec = sc.spec.model_copy(update={"replay": ReplaySpec.model_validate(behaviours)})
    engine = create_engine_from(Settings(database_url=f"sqlite:///{tmp_path / 'n.sqlite3'}"))
    r = replay_season(engine, replace(sc, spec=spec), "x", seed=7, days=4)
    with engine.connect() as conn:
        payers = {
            row[0].rsplit("-", 1)[0]
            for row in conn.execute(text("SELECT debtor_coop_id FROM cash_payment"))
        }
    engine.dispose()
    assert payers and "agri-buyer" not in payers
    assert "behaviours" in reasons(r) and "agri-buyer-01" in r.repay_differs
    assert twin_breaks(r) == []


def _behaviours(extra: dict[str, Any]) -> Any:
    def change(d: dict[str, Any]) -> None:
        d["replay"] = extra

    return change


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"coops": {"nobody-01": {"repay": "never"}}}, "replay.coops.nobody-01"),
        ({"networks": {"nowhere": {"decline_bps": 5}}}, "replay.networks.nowhere"),
        ({"groups": {"agri": {"repay": "sometimes"}}}, "replay.groups.agri.repay"),
        ({"members": {"decline_bps": 10_001}}, "replay.members.decline_bps"),
        ({"members": {"repay": "late"}}, "late_days"),
        ({"members": {"accept": "all"}}, "replay.members.accept"),
    ],
    ids=["unknown-coop", "unknown-network", "bad-repay", "bad-bps", "late-without-days", "typo"],
)
def test_bad_behaviours_are_refused_naming_the_file_and_field(
    tmp_path: Path, extra: dict[str, Any], field: str
) -> None:
    data = yaml.safe_load(LAMPHUN.read_text(encoding="utf-8"))
    _behaviours(extra)(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    out = _run(str(bad), "--db", url, "--days", "2")
    assert out.exit_code == 2, out.output
    assert "bad.yaml" in out.output and field in out.output, out.output
    assert _tables(url) == 0


# -- bad input ------------------------------------------------------------------------------


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, ["season", "replay", *args])


def _tables(url: str) -> int:
    engine = create_engine_from(Settings(database_url=url))
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar()
    engine.dispose()
    return int(n or 0)


def _grade(d: dict[str, Any]) -> None:
    d["season"]["grade"] = "A A"


def _no_network(d: dict[str, Any]) -> None:
    d["groups"][0]["network"] = "nowhere"


def _negative_cash(d: dict[str, Any]) -> None:
    d["groups"][2]["cash_baht"] = -5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_grade, "season.grade"),
        (_no_network, "groups[0].network"),
        (_negative_cash, "groups[2].cash_baht"),
    ],
    ids=["grade-the-api-refuses", "coop-in-no-network", "negative-money"],
)
def test_a_scenario_the_database_cannot_take_is_refused_before_writing(
    tmp_path: Path, change: Any, field: str
) -> None:
    data = yaml.safe_load(LAMPHUN.read_text(encoding="utf-8"))
    change(data)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    out = _run(str(bad), "--db", url, "--days", "2")
    assert out.exit_code == 2, out.output
    assert "bad.yaml" in out.output and field in out.output, out.output
    assert _tables(url) == 0


def test_a_database_that_already_holds_the_scenario_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    assert _run(str(LAMPHUN), "--db", url, "--days", "1").exit_code == 0
    again = _run(str(LAMPHUN), "--db", url, "--days", "1")
    assert again.exit_code == 2 and "networks[0].id" in again.output, again.output


def test_a_database_that_does_not_answer_exits_2(tmp_path: Path) -> None:
    out = _run(str(LAMPHUN), "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert out.exit_code == 2 and "--db" in out.output, out.output
    missing = _run(str(LAMPHUN), "--db", f"sqlite:///{tmp_path}/no/such/dir/x.sqlite3")
    assert missing.exit_code == 2 and "--db" in missing.output, missing.output


def test_a_bad_fault_plan_names_the_option(tmp_path: Path) -> None:
    out = _run(str(LAMPHUN), "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}", "--faults", "boom=5")
    assert out.exit_code == 2 and "--faults" in out.output and "boom" in out.output
    assert _tables(f"sqlite:///{tmp_path / 'x.sqlite3'}") == 0


# -- pieces ---------------------------------------------------------------------------------


def test_fault_plans() -> None:
    assert parse_plan("none") == {} and parse_plan("default") == DEFAULT_PLAN
    assert parse_plan("lost-reply=50, concurrent-round=10000") == {
        "lost-reply": 50,
        "concurrent-round": 10_000,
    }
    for bad in ("boom=1", "lost-reply=10001", "lost-reply=x"):
        with pytest.raises(ValueError, match=r"boom|rate"):
            parse_plan(bad)


def test_rounds_run_where_something_new_can_be_matched() -> None:
    """Areas first, then their parents; no round for a network without coops (the fuel
    stations neither collect, buy nor lend) nor for a parent with one child's coops."""
    view = active_view(load_scenario(LAMPHUN))
    assert tiers_of(view) == (("lp-agri", "lp-fin", "lp-longan"), ("lamphun",))
    assert tiers_of(view, one_round=True) == (("th-national",),)
