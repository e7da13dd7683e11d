"""Start-up capital from the joint fund, under the network policy, on the database.

Two unrelated national networks: THAI holds a joint fund whose policy offers start-up
capital for fuel stations; OTHER holds a fund that offers none. A fuel-network coop posts a
start-up need; the daily round never lends to it; the start-up round lets only THAI's fund
lend, at the policy's rate, within the per-coop limit; both sides accept through the
ordinary proposal flow and the loan is booked with its instalments. Bad needs are refused
naming the field in Thai and English, with nothing written. Runs on SQLite and, with
``COOPMATCH_TEST_POSTGRES_URL``, PostgreSQL (dbtiers).
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from dbfixtures import FakeClock
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.db.tables import (
    CommitmentLoanRow,
    LoanInstalmentRow,
    OrderRow,
    ProposalLoanRow,
    ProposalRow,
)
from api.services.errors import ForbiddenError
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import NeedSpec, OfferSpec, post_orders
from api.services.proposals import accept_proposal
from api.services.round.kinds import DAILY, STARTUP, run_round_of_kind
from api.services.round.policy import PolicyError, set_policy
from api.services.startup_capital import StartupCapitalError, post_startup_need
from matcher.domain import CoopKind, NetworkLevel

DAY = date(2026, 11, 23)
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
BAHT = 100
FUND = {"account_id": "THAI-FUND", "balance_satang": 3_000_000 * BAHT, "rate_bps": 300,
        "max_term_days": 3650}  # fmt: skip
STARTUP_TERMS = {"businesses": ["fuel_station"], "coop_kinds": ["agricultural"],
                 "max_per_coop_satang": 2_000_000 * BAHT, "max_term_days": 1826,
                 "rate_bps": 200}  # fmt: skip


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _seed(db: Engine, clock: FakeClock) -> None:
    nets = [
        NetworkSpec("THAI", "เครือข่ายระดับชาติ", NetworkLevel.NATIONAL, coordinator="thai-office"),
        NetworkSpec("FUEL", "เครือข่ายปั๊มน้ำมันลำพูน", NetworkLevel.PROVINCE, parent_id="THAI",
                    coordinator="fuel-office"),
        NetworkSpec("OTHER", "อีกเครือข่าย", NetworkLevel.NATIONAL, coordinator="other-office"),
    ]  # fmt: skip
    coops = [CoopSpec(c, f"สหกรณ์ {c}", "FUEL") for c in ("F1", "F2", "F3")]
    coops.append(CoopSpec("FS", "สหกรณ์ออมทรัพย์", "FUEL", kind=CoopKind.SAVINGS))
    coops.append(CoopSpec("O1", "สหกรณ์ O1", "OTHER"))
    upsert_members_tx(db, clock, nets, coops)
    set_policy(db, "THAI", {"joint_fund": FUND, "startup_capital": STARTUP_TERMS},
               actor="thai-office", clock=clock)  # fmt: skip
    set_policy(db, "OTHER", {"joint_fund": {**FUND, "account_id": "OTHER-FUND"}},
               actor="other-office", clock=clock)  # fmt: skip


def upsert_members_tx(db: Engine, clock: FakeClock, nets: Any, coops: Any) -> None:
    from api.db.tx import in_write_transaction

    in_write_transaction(db, lambda s: upsert_members(s, nets, coops, clock(), "seed"))


def _need(oid: str, coop: str, baht: int, term: int = 1826, rate: int = 250) -> NeedSpec:
    return NeedSpec(oid, coop, baht * BAHT, rate, term, 0, 1, "equal", 60)


def _orders(db: Engine) -> int:
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())


def _refused(db: Engine, clock: FakeClock, need: NeedSpec, business: str) -> list[str]:
    before = _orders(db)
    with pytest.raises(StartupCapitalError) as err:
        post_startup_need(db, need, business, actor=need.coop_id, clock=clock)
    assert _orders(db) == before  # nothing written
    assert err.value.message_th and err.value.message_en
    return list(err.value.lines)


def test_only_the_fund_lends_start_up_capital_under_the_policy(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    post_startup_need(db, _need("SU-F1", "F1", 1_500_000), "fuel_station", actor="F1", clock=clock)
    # An ordinary lender in the same network, willing and able: the daily round must not
    # lend it to the start-up need.
    post_orders(db, [OfferSpec("OF-F2", "F2", 5_000_000 * BAHT, 100, 3650)], [],
                actor="F2", clock=clock)  # fmt: skip
    for net in ("FUEL", "THAI"):
        run_round_of_kind(db, DAILY, network_id=net, business_date=DAY,
                          actor=f"{net.lower()}-office", clock=clock)  # fmt: skip
    with Session(db) as s:
        to_startup = s.execute(
            select(ProposalRow).where(col(ProposalRow.demand_order_id) == "SU-F1")
        ).all()
    assert to_startup == []

    ran = run_round_of_kind(db, STARTUP, network_id="FUEL", business_date=DAY,
                            actor="fuel-office", clock=clock)  # fmt: skip
    st = ran.startup
    assert st is not None and len(st.proposal_ids) == 1 and st.lent_satang == 1_500_000 * BAHT
    again = run_round_of_kind(db, STARTUP, network_id="FUEL", business_date=DAY,
                              actor="fuel-office", clock=clock)  # fmt: skip
    assert again.reused and again.round_id == ran.round_id
    (pid,) = st.proposal_ids
    with Session(db) as s:
        p = s.get(ProposalRow, pid)
        terms = s.get(ProposalLoanRow, pid)
        assert p is not None and terms is not None
        assert (p.supply_coop_id, p.supply_order_id, p.demand_coop_id) == (
            "THAI-FUND", "THAI-FUND", "F1",
        )  # fmt: skip
        assert (terms.rate_bps, terms.term_days) == (200, 1826)  # the policy's rate, long term
        fund = s.get(OrderRow, "THAI-FUND")
        assert fund is not None and fund.reserved == 1_500_000 * BAHT

    # Two-phase: the fund's account and the coop accept; the loan is booked in instalments.
    assert accept_proposal(db, pid, "THAI-FUND", clock=clock).status == "pending"
    assert accept_proposal(db, pid, "F1", clock=clock).status == "committed"
    with Session(db) as s:
        loan = s.execute(select(CommitmentLoanRow)).scalars().one()
        assert loan.rate_bps == 200 and loan.maturity_date >= DAY + timedelta(days=1800)
        n = s.execute(select(func.count()).select_from(LoanInstalmentRow)).scalar_one()
        assert n == 60
        fund = s.get(OrderRow, "THAI-FUND")
        assert fund is not None and fund.committed == 1_500_000 * BAHT

    # The coop has 500,000 baht of its 2,000,000 limit left: 600,000 more is refused.
    lines = _refused(db, clock, _need("SU-F1b", "F1", 600_000), "fuel_station")
    assert any(x.startswith("amount:") and "500000" in x.replace(",", "") for x in lines)
    post_startup_need(db, _need("SU-F1c", "F1", 500_000), "fuel_station", actor="F1", clock=clock)


def test_the_fund_runs_dry_and_the_other_network_is_untouched(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    for c in ("F1", "F2"):
        post_startup_need(db, _need(f"SU-{c}", c, 2_000_000), "fuel_station", actor=c,
                          clock=clock)  # fmt: skip
    ran = run_round_of_kind(db, STARTUP, network_id="THAI", business_date=DAY,
                            actor="thai-office", clock=clock)  # fmt: skip
    st = ran.startup
    assert st is not None and st.lent_satang == 3_000_000 * BAHT  # the fund's whole balance
    assert len(st.proposal_ids) == 2
    with Session(db) as s:
        other = s.get(OrderRow, "OTHER-FUND")
        assert other is not None and other.reserved == 0
    # OTHER's coordinator may not run THAI's subtree; OTHER's own round finds nothing.
    with pytest.raises(ForbiddenError):
        run_round_of_kind(db, STARTUP, network_id="FUEL", business_date=DAY,
                          actor="other-office", clock=clock)  # fmt: skip
    empty = run_round_of_kind(db, STARTUP, network_id="OTHER", business_date=DAY,
                              actor="other-office", clock=clock)  # fmt: skip
    assert empty.startup is not None and empty.startup.proposal_ids == ()


@pytest.mark.parametrize(
    ("coop", "business", "need_kw", "field"),
    [
        ("F1", "hotel", {}, "business:"),
        ("FS", "fuel_station", {}, "coop_id:"),  # a savings coop does not qualify
        ("F1", "fuel_station", {"term": 3000}, "term_days:"),
        ("F1", "fuel_station", {"rate": 150}, "max_rate_bps:"),
        ("F1", "fuel_station", {"baht": 2_500_000}, "amount:"),
        ("O1", "fuel_station", {}, "startup_capital:"),  # OTHER's policy offers none
        ("NOPE", "fuel_station", {}, "coop_id:"),
        ("F1", "fuel_station", {"baht": 0}, "amount:"),
    ],
)
def test_a_need_the_policy_does_not_allow_is_refused_naming_the_field(  # type: ignore[no-untyped-def]
    db, clock, coop: str, business: str, need_kw: dict[str, int], field: str
) -> None:
    _seed(db, clock)
    kw = {"baht": 1_000_000, **need_kw}
    lines = _refused(db, clock, _need("SU-X", coop, **kw), business)
    assert any(x.startswith(field) for x in lines), lines
    assert all("(" in x for x in lines)  # each line carries its Thai text


def test_a_policy_with_start_up_capital_but_no_fund_is_refused(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    with pytest.raises(PolicyError) as err:
        set_policy(db, "FUEL", {"startup_capital": STARTUP_TERMS}, actor="fuel-office", clock=clock)
    assert any(x.startswith("startup_capital:") for x in err.value.lines)
    bad = {**STARTUP_TERMS, "coop_kinds": ["bank"]}
    with pytest.raises(PolicyError) as err:
        set_policy(db, "THAI", {"joint_fund": FUND, "startup_capital": bad}, actor="thai-office",
                   clock=clock)  # fmt: skip
    assert any("coop_kinds" in x for x in err.value.lines)


def test_an_unanswered_proposal_expires_and_the_capital_is_offered_again(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    post_startup_need(db, _need("SU-F3", "F3", 1_000_000), "fuel_station", actor="F3", clock=clock)
    first = run_round_of_kind(db, STARTUP, network_id="FUEL", business_date=DAY,
                              actor="fuel-office", clock=clock)  # fmt: skip
    assert first.startup is not None and len(first.startup.proposal_ids) == 1
    # Nobody answers for two weeks: the next start-up round expires it and proposes again
    # (the coop's limit and the fund's balance were freed, not counted twice).
    clock.advance(days=14)
    day = DAY + timedelta(days=14)
    later = run_round_of_kind(db, STARTUP, network_id="FUEL", business_date=day,
                              actor="fuel-office", clock=clock)  # fmt: skip
    assert later.startup is not None and later.startup.lent_satang == 1_000_000 * BAHT
    with Session(db) as s:
        old = s.get(ProposalRow, first.startup.proposal_ids[0])
        fund = s.get(OrderRow, "THAI-FUND")
        assert old is not None and old.status == "expired"
        assert fund is not None and fund.reserved == 1_000_000 * BAHT


def test_a_new_version_voids_the_days_unanswered_proposals(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    post_startup_need(db, _need("SU-F2", "F2", 800_000), "fuel_station", actor="F2", clock=clock)
    kw = {"network_id": "FUEL", "business_date": DAY, "actor": "fuel-office", "clock": clock}
    first = run_round_of_kind(db, STARTUP, **kw)  # type: ignore[arg-type]
    second = run_round_of_kind(db, STARTUP, new_version=True, **kw)  # type: ignore[arg-type]
    assert first.startup is not None and second.startup is not None
    assert second.startup.version == 2 and len(second.startup.proposal_ids) == 1
    with Session(db) as s:
        old = s.get(ProposalRow, first.startup.proposal_ids[0])
        fund, need = s.get(OrderRow, "THAI-FUND"), s.get(OrderRow, "SU-F2")
        assert old is not None and old.status == "voided"
        assert fund is not None and need is not None
        assert fund.reserved == need.reserved == 800_000 * BAHT  # reserved once, not twice


_WORLD = itertools.count()


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    needs=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    balance=st.integers(1, 60),
    cap=st.integers(1, 30),
)
def test_the_fund_never_lends_beyond_its_balance_or_a_coops_limit(  # type: ignore[no-untyped-def]
    db, clock, needs: list[int], balance: int, cap: int
) -> None:
    """Against an oracle outside the service: every coop gets min(need, limit) while the
    fund lasts, so the total is min(balance, Σ min(need, limit)); nothing above either."""
    w = next(_WORLD)
    unit = 100_000 * BAHT
    nat, acct = f"N{w}", f"N{w}-FUND"
    coops = [f"N{w}C{i}" for i in range(len(needs))]
    nets = [NetworkSpec(nat, "ชาติ", NetworkLevel.NATIONAL, coordinator=f"n{w}-office")]
    upsert_members_tx(db, clock, nets, [CoopSpec(c, c, nat) for c in coops])
    fund = {"account_id": acct, "balance_satang": balance * unit, "rate_bps": 300,
            "max_term_days": 3650}  # fmt: skip
    terms = {**STARTUP_TERMS, "max_per_coop_satang": cap * unit}
    set_policy(db, nat, {"joint_fund": fund, "startup_capital": terms}, actor="x", clock=clock)
    asked = 0
    for c, n in zip(coops, needs, strict=True):
        amount = n * unit
        if amount <= cap * unit:  # above the limit: refused at posting (tested above)
            post_startup_need(db, _need(f"{c}-SU", c, amount // BAHT), "fuel_station",
                              actor=c, clock=clock)  # fmt: skip
            asked += amount
    ran = run_round_of_kind(db, STARTUP, network_id=nat, business_date=DAY,
                            actor=f"n{w}-office", clock=clock)  # fmt: skip
    assert ran.startup is not None
    assert ran.startup.lent_satang == min(balance * unit, asked)
    with Session(db) as s:
        rows = s.execute(
            select(ProposalRow).where(col(ProposalRow.supply_order_id) == acct)
        ).scalars()
        per_coop: dict[str, int] = {}
        for p in rows:
            per_coop[p.demand_coop_id] = per_coop.get(p.demand_coop_id, 0) + p.amount
    assert all(v <= cap * unit for v in per_coop.values())
    assert sum(per_coop.values()) <= balance * unit


def test_a_crash_in_the_middle_leaves_nothing_and_the_retry_runs(db, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import api.services.startup_round as sr
    from api.db.tables import RoundRow

    _seed(db, clock)
    post_startup_need(db, _need("SU-F1", "F1", 700_000), "fuel_station", actor="F1", clock=clock)
    real = sr.apply_deltas

    def boom(*_a: Any, **_k: Any) -> None:
        raise RuntimeError("crash between the proposals and the reservations")

    monkeypatch.setattr(sr, "apply_deltas", boom)
    kw = {"network_id": "FUEL", "business_date": DAY, "actor": "fuel-office", "clock": clock}
    with pytest.raises(RuntimeError):
        run_round_of_kind(db, STARTUP, **kw)  # type: ignore[arg-type]
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(ProposalRow)).scalar_one() == 0
        kinds = s.execute(select(col(RoundRow.kind))).scalars().all()
        assert "startup" not in kinds
        fund = s.get(OrderRow, "THAI-FUND")
        assert fund is not None and fund.reserved == 0
    monkeypatch.setattr(sr, "apply_deltas", real)
    ran = run_round_of_kind(db, STARTUP, **kw)  # type: ignore[arg-type]
    assert ran.startup is not None and ran.startup.lent_satang == 700_000 * BAHT
