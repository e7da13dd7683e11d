"""The network policy's proposal lifetime for know-how, group-order and start-up proposals.

Each round of these kinds gives its proposals the lifetime of the round network's policy
(``proposal_ttl_business_days``, counted in Asia/Bangkok business days, ending at 23:59:59
Bangkok), like the daily round's loans; the daily round's sweep of a network expires those
past it, for its own subtree only. Two unrelated networks with different lifetimes over
several business days: a round of one never expires the other's. SQLite and, with
``COOPMATCH_TEST_POSTGRES_URL``, PostgreSQL (dbtiers).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from dbfixtures import FakeClock
from sqlmodel import Session
from test_purchase_round_db import DAY, START, _needs, _offers, _post, _seed
from test_startup_capital import _need
from test_startup_capital import _seed as _seed_fund

from api.db.tables import ProposalRow
from api.db.tables_knowhow import KnowhowProposalRow
from api.db.tables_purchase import JointOrderRow
from api.services.clock import as_utc
from api.services.knowhow import post_learn, post_teach
from api.services.round.kinds import DAILY, KNOWHOW, PURCHASE, STARTUP, run_round_of_kind
from api.services.round.policy import set_policy
from api.services.startup_capital import post_startup_need

HERE = {"lat_e5": 1_858_000, "lon_e5": 9_902_000}
NEAR = {"lat_e5": 1_852_000, "lon_e5": 9_905_000}
FUEL_OPS, EGG = "fuel_station_operation", "egg_grading"


def _end(day: date) -> datetime:
    """23:59:59 Bangkok of ``day`` in UTC."""
    return datetime(day.year, day.month, day.day, 16, 59, 59, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _run(db, clock, kind: str, net: str, day: date):  # type: ignore[no-untyped-def]
    return run_round_of_kind(db, kind, network_id=net, business_date=day,
                             actor=f"{net.lower()}-office", clock=clock)  # fmt: skip


def _status(db, row, pid: int) -> str:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return str(s.get(row, pid).status)


def _expiry(db, row, pid: int, attr: str = "expires_at") -> datetime:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return as_utc(getattr(s.get(row, pid), attr))


def test_know_how_and_group_orders_live_the_policy_lifetime_in_their_subtree_only(  # type: ignore[no-untyped-def]
    db, clock
) -> None:
    _seed(db, clock)
    set_policy(db, "FUEL", {"proposal_ttl_business_days": 2}, actor="fuel-office", clock=clock)
    set_policy(db, "EGG", {"proposal_ttl_business_days": 4}, actor="egg-office", clock=clock)
    post_teach(db, "F1", FUEL_OPS, 1, **HERE, actor="F1", clock=clock)
    post_learn(db, "F2", FUEL_OPS, **NEAR, actor="F2", clock=clock)
    post_teach(db, "E1", EGG, 1, **HERE, actor="E1", clock=clock)
    post_learn(db, "E2", EGG, **NEAR, actor="E2", clock=clock)
    _post(db, clock, _needs(), _offers())

    fuel_k = _run(db, clock, KNOWHOW, "FUEL", DAY).knowhow
    egg_k = _run(db, clock, KNOWHOW, "EGG", DAY).knowhow
    fuel_g = _run(db, clock, PURCHASE, "FUEL", DAY).purchase
    egg_g = _run(db, clock, PURCHASE, "EGG", DAY).purchase
    (kf,), (ke,) = fuel_k.proposal_ids, egg_k.proposal_ids  # type: ignore[union-attr]
    (gf,), (ge,) = fuel_g.joint_order_ids, egg_g.joint_order_ids  # type: ignore[union-attr]
    # Monday 23 Nov + 2 business days = Wednesday 25; + 4 = Friday 27 (Bangkok).
    wed, fri = date(2026, 11, 25), date(2026, 11, 27)
    assert _expiry(db, KnowhowProposalRow, kf) == _end(wed)
    assert _expiry(db, JointOrderRow, gf, "commit_by") == _end(wed)
    assert _expiry(db, KnowhowProposalRow, ke) == _end(fri)
    assert _expiry(db, JointOrderRow, ge, "commit_by") == _end(fri)

    # Wednesday 23:30 Bangkok: nothing is past its answer-by yet.
    clock.now = datetime(2026, 11, 25, 16, 30, tzinfo=UTC)
    _run(db, clock, DAILY, "FUEL", wed)
    assert _status(db, KnowhowProposalRow, kf) == "pending"
    # Thursday: EGG's daily round leaves FUEL's expired proposals alone...
    thu = date(2026, 11, 26)
    clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    _run(db, clock, DAILY, "EGG", thu)
    assert _status(db, KnowhowProposalRow, kf) == "pending"
    assert _status(db, JointOrderRow, gf) == "pending"
    # ... FUEL's own daily round (no know-how or purchase round that day) expires them.
    swept = _run(db, clock, DAILY, "FUEL", thu).daily
    assert _status(db, KnowhowProposalRow, kf) == "expired"
    assert _status(db, JointOrderRow, gf) == "expired"
    assert swept is not None and any("know-how" in n for n in swept.notes)
    assert _status(db, KnowhowProposalRow, ke) == "pending"  # EGG lives to Friday
    # Friday stays within EGG's lifetime; the next Monday's EGG round ends it.
    clock.now = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
    _run(db, clock, DAILY, "EGG", fri)
    assert _status(db, KnowhowProposalRow, ke) == "pending"
    clock.now = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    _run(db, clock, DAILY, "FUEL", date(2026, 11, 30))
    assert _status(db, KnowhowProposalRow, ke) == "pending"  # FUEL never touches EGG
    _run(db, clock, DAILY, "EGG", date(2026, 11, 30))
    assert _status(db, KnowhowProposalRow, ke) == "expired"
    assert _status(db, JointOrderRow, ge) == "expired"


def test_without_a_policy_lifetime_the_kinds_keep_their_own(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    post_teach(db, "F1", FUEL_OPS, 1, **HERE, actor="F1", clock=clock)
    post_learn(db, "F2", FUEL_OPS, **NEAR, actor="F2", clock=clock)
    (kf,) = _run(db, clock, KNOWHOW, "FUEL", DAY).knowhow.proposal_ids  # type: ignore[union-attr]
    assert _expiry(db, KnowhowProposalRow, kf) == _end(DAY + timedelta(days=7))  # 5 business days


def test_start_up_proposals_live_the_policy_lifetime(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed_fund(db, clock)
    set_policy(db, "FUEL", {"proposal_ttl_business_days": 1}, actor="fuel-office", clock=clock)
    post_startup_need(db, _need("SU-F1", "F1", 1_000_000), "fuel_station", actor="F1", clock=clock)
    (pid,) = _run(db, clock, STARTUP, "FUEL", DAY).startup.proposal_ids  # type: ignore[union-attr]
    tue = date(2026, 11, 24)
    assert _expiry(db, ProposalRow, pid) == _end(tue)
    clock.now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    _run(db, clock, DAILY, "OTHER", date(2026, 11, 25))  # an unrelated network's round
    assert _status(db, ProposalRow, pid) == "pending"
    _run(db, clock, DAILY, "FUEL", date(2026, 11, 25))
    assert _status(db, ProposalRow, pid) == "expired"
