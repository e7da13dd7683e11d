"""The one round entrance dispatches by kind, and the daily sweep expires group orders.

Two networks (the Lamphun fuel stations and the egg cluster) over several business days: the
purchase round runs through :func:`run_round_of_kind`; nobody answers; the commit-by passes
on a day with only the daily (liquidity) round, which expires the group orders of its own
subtree and frees their reservations, never the other network's. Runs on SQLite and, with
``COOPMATCH_TEST_POSTGRES_URL``, PostgreSQL (dbtiers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from dbfixtures import FakeClock
from test_purchase_round_db import DAY, START, _group, _needs, _offers, _order, _post, _seed

from api.services.errors import ServiceError
from api.services.orders import NeedSpec, OfferSpec, post_orders
from api.services.round.kinds import DAILY, PURCHASE, check_kind, run_round_of_kind


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def test_an_expiry_on_a_day_with_only_the_daily_round(db, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COOPMATCH_ROUND_DATE_WINDOW_DAYS", "36500")
    _seed(db, clock)
    _post(db, clock, _needs(), _offers())
    # A liquidity need and offer inside the fuel network: the daily round has work of its own.
    post_orders(
        db,
        [OfferSpec("L-OFF", "F1", 500_000_00, 300, 90)],
        [NeedSpec("L-NEED", "F2", 200_000_00, 700, 60)],
        actor="seed",
        clock=clock,
    )
    runs = {
        net: run_round_of_kind(
            db, PURCHASE, network_id=net, business_date=DAY, actor=f"{net.lower()}-office",
            clock=clock,
        )
        for net in ("FUEL", "EGG")
    }  # fmt: skip
    jids = {}
    for net, ran in runs.items():
        assert ran.kind == PURCHASE and ran.purchase is not None and ran.daily is None
        assert len(ran.purchase.joint_order_ids) == 1
        jids[net] = ran.purchase.joint_order_ids[0]
    again = run_round_of_kind(
        db, PURCHASE, network_id="FUEL", business_date=DAY, actor="fuel-office", clock=clock
    )
    assert again.reused and again.round_id == runs["FUEL"].round_id
    assert _order(db, "N-F1").reserved == 1_200 and _order(db, "N-E1").reserved == 4_000

    # Tuesday: the daily round of the fuel network; the group orders are still in time.
    clock.advance(days=1)
    tue = run_round_of_kind(
        db, DAILY, network_id="FUEL", business_date=DAY + timedelta(days=1), actor="fuel-office",
        clock=clock,
    )  # fmt: skip
    assert tue.daily is not None and tue.purchase is None
    assert tue.daily.proposal_count >= 1  # the liquidity round proposed the loan
    assert _group(db, jids["FUEL"])[0].status == "pending"

    # Thursday: the commit-by (end of Wednesday) passed. Only a daily round runs, for FUEL.
    clock.advance(days=2)
    thu = run_round_of_kind(
        db, DAILY, network_id="FUEL", business_date=DAY + timedelta(days=3), actor="fuel-office",
        clock=clock,
    )  # fmt: skip
    assert thu.daily is not None
    assert any("group orders expired" in n for n in thu.daily.notes)
    assert _group(db, jids["FUEL"])[0].status == "expired"
    assert _order(db, "N-F1").reserved == 0 and _order(db, "OF-DIESEL").reserved == 0
    # The egg cluster is another network: its group order is untouched by FUEL's sweep.
    assert _group(db, jids["EGG"])[0].status == "pending"
    assert _order(db, "N-E1").reserved == 4_000

    # Friday: the egg cluster's own daily round expires its group order.
    clock.advance(days=1)
    fri = run_round_of_kind(
        db, DAILY, network_id="EGG", business_date=DAY + timedelta(days=4), actor="egg-office",
        clock=clock,
    )  # fmt: skip
    assert fri.daily is not None
    assert _group(db, jids["EGG"])[0].status == "expired"
    assert _order(db, "N-E1").reserved == 0 and _order(db, "OF-FEED").reserved == 0

    # The freed needs are matched again by the next purchase round.
    nxt = run_round_of_kind(
        db, PURCHASE, network_id="FUEL", business_date=DAY + timedelta(days=4),
        actor="fuel-office", clock=clock,
    )  # fmt: skip
    assert nxt.purchase is not None and len(nxt.purchase.joint_order_ids) == 1


def test_an_unknown_kind_is_refused_naming_the_field() -> None:
    with pytest.raises(ServiceError) as err:
        check_kind("weekly")
    assert "kind" in err.value.message_en and "ประเภทรอบ" in err.value.message_th
