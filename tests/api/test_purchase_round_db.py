"""The joint-purchase round on the database: two networks over several days, two-phase
acceptance, obligations for the set-off, a retry and a crash in the middle of placing.

Runs on SQLite and, when ``COOPMATCH_TEST_POSTGRES_URL`` is set, PostgreSQL (dbtiers).
The saving of each stored round is checked against the matcher run directly on the posted
orders (outside the database path).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from dbfixtures import FakeClock
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import ObligationRow, OrderRow
from api.db.tables_purchase import JointOrderMemberRow, JointOrderRow
from api.db.tx import in_write_transaction
from api.services import group_orders as go
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.group_orders import accept_joint_order, decline_joint_order
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.obligations import open_obligations
from api.services.purchase_orders import post_purchase_orders
from api.services.purchase_round import run_purchase_round
from matcher.domain import NetworkLevel
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    ScheduleKind,
    SupplierOffer,
)
from matcher.purchase.solver import solve_purchase

DAY = date(2026, 11, 23)  # a Monday
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
UNITS = {"diesel": "litre", "layer_feed": "kg"}
LAMPHUN = (1_858_000, 9_902_000)
FUEL = [f"F{k}" for k in range(1, 6)]
EGG = ["E1", "E2", "E3"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _seed(db: Engine, clock: FakeClock) -> None:
    networks = [
        NetworkSpec("FUEL", "เครือข่ายปั๊มน้ำมันลำพูน", NetworkLevel.PROVINCE, coordinator="fuel-office"),
        NetworkSpec(
            "EGG", "คลัสเตอร์ไข่ไก่เชียงใหม่–ลำพูน", NetworkLevel.PROVINCE, coordinator="egg-office"
        ),
    ]
    coops = [CoopSpec(c, f"สหกรณ์ {c}", "FUEL") for c in [*FUEL, "DEPOT"]]
    coops += [CoopSpec(c, f"สหกรณ์ {c}", "EGG") for c in [*EGG, "MILL"]]
    in_write_transaction(db, lambda s: upsert_members(s, networks, coops, clock(), "seed"))


def _need(nid: str, coop: str, product: str, qty: int, limit: int, days: int = 10) -> PurchaseNeed:
    return PurchaseNeed(nid, coop, product, qty, DAY + timedelta(days=days), limit, *LAMPHUN)


def _offers() -> list[SupplierOffer]:
    diesel = (PriceTier(0, 1999, 3000), PriceTier(2000, 4999, 2900), PriceTier(5000, None, 2800))
    feed = (PriceTier(0, 9999, 1500), PriceTier(10_000, None, 1420))
    return [
        SupplierOffer(
            "OF-DIESEL", "DEPOT", "diesel", ScheduleKind.ALL_UNITS, diesel, 0, 50_000,
            *LAMPHUN, 10_000, 50_000,
        ),
        SupplierOffer(
            "OF-FEED", "MILL", "layer_feed", ScheduleKind.INCREMENTAL, feed, 0, 60_000,
            *LAMPHUN, 10_000, 40_000,
        ),
    ]  # fmt: skip


def _needs(suffix: str = "") -> list[PurchaseNeed]:
    fuel = [_need(f"N-{c}{suffix}", c, "diesel", 1_200, 3_000) for c in FUEL]
    egg = [_need(f"N-{c}{suffix}", c, "layer_feed", 4_000, 1_500) for c in EGG]
    return fuel + egg


def _post(db: Engine, clock: FakeClock, needs: list[PurchaseNeed], offers: list[SupplierOffer]):  # type: ignore[no-untyped-def]
    return post_purchase_orders(
        db, needs, offers, units=UNITS, business_date=DAY, actor="seed", clock=clock
    )


def _oracle_saving(needs: list[PurchaseNeed], offers: list[SupplierOffer], product: str) -> int:
    """The matcher on the posted orders directly, outside the database path."""
    p = PurchaseProblem(
        DAY,
        tuple(n for n in needs if n.product == product),
        tuple(o for o in offers if o.product == product),
    )
    return solve_purchase(p).objective.saving_satang


def _order(db: Engine, oid: str) -> OrderRow:
    with Session(db) as s:
        row = s.get(OrderRow, oid)
        assert row is not None
        return row


def _group(db: Engine, jid: int) -> tuple[JointOrderRow, list[JointOrderMemberRow]]:
    with Session(db) as s:
        jo = s.get(JointOrderRow, jid)
        assert jo is not None
        members = s.execute(
            select(JointOrderMemberRow).where(col(JointOrderMemberRow.joint_order_id) == jid)
        ).scalars()
        return jo, list(members)


def _obligation_count(db: Engine) -> int:
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(ObligationRow)).scalar_one())


def test_two_networks_over_days_accept_decline_expire_and_set_off(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    needs, offers = _needs(), _offers()
    _post(db, clock, needs, offers)

    fuel = run_purchase_round(
        db, network_id="FUEL", business_date=DAY, actor="fuel-office", clock=clock
    )
    egg = run_purchase_round(
        db, network_id="EGG", business_date=DAY, actor="egg-office", clock=clock
    )
    assert len(fuel.joint_order_ids) == len(egg.joint_order_ids) == 1
    # Pooling reaches the 28-baht tier no station reaches alone; the oracle agrees.
    assert fuel.alone_saving_satang == 0 < fuel.saving_satang
    assert fuel.saving_satang == _oracle_saving(needs, offers, "diesel")
    assert egg.saving_satang == _oracle_saving(needs, offers, "layer_feed")
    again = run_purchase_round(
        db, network_id="FUEL", business_date=DAY, actor="fuel-office", clock=clock
    )
    assert again.reused and again.joint_order_ids == fuel.joint_order_ids

    (jf,), (je,) = fuel.joint_order_ids, egg.joint_order_ids
    jo, members = _group(db, jf)
    assert jo.status == "pending" and jo.volume == 6_000 and jo.unit_price_satang == 2_800
    assert sorted(m.coop_id for m in members) == FUEL
    assert _order(db, "N-F1").reserved == 1_200 and _order(db, "OF-DIESEL").reserved == 6_000

    # Tenancy: a coop of the other network, or the other network's supplier, sees nothing.
    for coop, jid in (("E1", jf), ("MILL", jf), ("F1", je), ("DEPOT", je)):
        with pytest.raises(NotFoundError):
            accept_joint_order(db, jid, coop, clock=clock)

    # Two-phase: nothing is placed until every member and the supplier have accepted.
    for coop in FUEL:
        view = accept_joint_order(db, jf, coop, clock=clock)
        assert view.status == "pending" and view.changed
    retry = accept_joint_order(db, jf, "F1", clock=clock)  # a retried call: no second effect
    assert not retry.changed and retry.waiting == ("DEPOT",)
    assert _obligation_count(db) == 0
    placed = accept_joint_order(db, jf, "DEPOT", clock=clock)
    assert placed.status == "placed" and len(placed.obligation_ids) == 5
    assert accept_joint_order(db, jf, "DEPOT", clock=clock).changed is False
    jo, members = _group(db, jf)
    for m in members:
        assert m.pays_satang <= m.quantity * 3_000  # never above the buyer's highest price
        debt = _order(db, str(m.obligation_order_id))
        assert (debt.coop_id, debt.amount) == (m.coop_id, m.pays_satang)
    assert _order(db, "N-F1").status == "filled" and _order(db, "OF-DIESEL").committed == 6_000
    # The set-off round sees the debts to the supplier.
    with Session(db) as s:
        seen = {o.id: o for o in open_obligations(s, FUEL)}
    assert sum(seen[str(m.obligation_order_id)].amount_satang for m in members) == sum(
        m.pays_satang for m in members
    )
    assert all(seen[str(m.obligation_order_id)].creditor == "DEPOT" for m in members)

    # EGG: one member declines; the group ends and every reservation is freed.
    assert decline_joint_order(db, je, "E2", clock=clock).status == "declined"
    assert decline_joint_order(db, je, "E2", clock=clock).changed is False
    with pytest.raises(InvalidStateError):
        accept_joint_order(db, je, "E1", clock=clock)
    assert _order(db, "N-E1").reserved == 0 and _order(db, "OF-FEED").reserved == 0

    # Day 2: the egg needs are proposed again; nobody answers by the commit-by.
    day2 = DAY + timedelta(days=1)
    clock.advance(days=1)
    egg2 = run_purchase_round(
        db, network_id="EGG", business_date=day2, actor="egg-office", clock=clock
    )
    assert len(egg2.joint_order_ids) == 1 and egg2.joint_order_ids != egg.joint_order_ids
    # The fuel network's round on day 2 has nothing left to match (its needs are filled).
    fuel2 = run_purchase_round(
        db, network_id="FUEL", business_date=day2, actor="fuel-office", clock=clock
    )
    assert fuel2.joint_order_ids == ()
    clock.advance(days=4)
    day6 = DAY + timedelta(days=5)
    egg6 = run_purchase_round(
        db, network_id="EGG", business_date=day6, actor="egg-office", clock=clock
    )
    assert egg6.expired == 1 and len(egg6.joint_order_ids) == 1
    assert _group(db, egg2.joint_order_ids[0])[0].status == "expired"
    assert _group(db, jf)[0].status == "placed"  # the other network was not touched
    assert _obligation_count(db) == 5


def test_a_new_version_voids_the_pending_orders_of_the_day(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    _post(db, clock, _needs(), _offers())
    first = run_purchase_round(
        db, network_id="EGG", business_date=DAY, actor="egg-office", clock=clock
    )
    second = run_purchase_round(
        db, network_id="EGG", business_date=DAY, actor="egg-office", clock=clock, new_version=True
    )
    assert second.version == 2 and second.voided == 1
    assert _group(db, first.joint_order_ids[0])[0].status == "voided"
    assert second.saving_satang == first.saving_satang
    assert _order(db, "N-E1").reserved == 4_000  # reserved once, by the new version only


def test_a_crash_while_placing_leaves_nothing_half_written(db, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    _post(db, clock, _needs(), _offers())
    (jid,) = run_purchase_round(
        db, network_id="FUEL", business_date=DAY, actor="fuel-office", clock=clock
    ).joint_order_ids
    for coop in FUEL:
        accept_joint_order(db, jid, coop, clock=clock)
    real = append_event

    def crash(session, at, actor, action, *args, **kwargs):  # type: ignore[no-untyped-def]
        if action == "joint_order.placed":
            raise RuntimeError("power cut")
        return real(session, at, actor, action, *args, **kwargs)

    monkeypatch.setattr(go, "append_event", crash, raising=True)
    with pytest.raises(RuntimeError):
        accept_joint_order(db, jid, "DEPOT", clock=clock)
    jo, members = _group(db, jid)
    assert jo.status == "pending" and jo.supplier_accepted_at is None
    assert all(m.obligation_order_id is None for m in members)
    assert _obligation_count(db) == 0
    assert _order(db, "OF-DIESEL").reserved == 6_000 and _order(db, "OF-DIESEL").committed == 0
    monkeypatch.setattr(go, "append_event", real)
    assert accept_joint_order(db, jid, "DEPOT", clock=clock).status == "placed"  # the retry
    assert _obligation_count(db) == 5


def test_bad_orders_name_the_field_in_thai_and_english_and_write_nothing(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    offer = _offers()[0]
    rising = SupplierOffer(
        "OF-BAD", "DEPOT", "diesel", ScheduleKind.ALL_UNITS,
        (PriceTier(0, 999, 2800), PriceTier(1000, None, 2900)), 0, 5_000, *LAMPHUN, 10_000,
    )  # fmt: skip
    too_big = SupplierOffer(
        "OF-MIN", "DEPOT", "diesel", offer.kind, offer.tiers, 9_000, 5_000, *LAMPHUN, 10_000
    )
    no_limit = PurchaseNeed("N-X", "F1", "diesel", 100, DAY + timedelta(days=3), None, *LAMPHUN)
    with pytest.raises(ServiceError) as err:
        _post(db, clock, [no_limit], [rising, too_big])
    text = "\n".join(err.value.lines)
    assert "needs[0].max_price_satang_per_unit" in text
    assert "offers[0].tiers" in text and "offers[1].min_order_units" in text
    assert " / " in err.value.lines[0]  # Thai / English
    with pytest.raises(ServiceError) as unknown:
        _post(db, clock, [_need("N-Y", "NOBODY", "diesel", 100, 3_000)], [])
    assert "NOBODY" in "\n".join(unknown.value.lines)
    with Session(db) as s:
        assert s.execute(select(func.count()).select_from(OrderRow)).scalar_one() == 0


def test_a_need_cancelled_while_pending_voids_the_group_instead_of_placing_it(db, clock) -> None:  # type: ignore[no-untyped-def]
    from api.services.order_lifecycle import cancel_order

    _seed(db, clock)
    _post(db, clock, _needs(), _offers())
    (jid,) = run_purchase_round(
        db, network_id="EGG", business_date=DAY, actor="egg-office", clock=clock
    ).joint_order_ids
    assert cancel_order(db, "N-E3", "E3", clock=clock)
    for coop in [*EGG, "MILL"]:
        view = accept_joint_order(db, jid, coop, clock=clock)
    assert view.status == "voided" and view.obligation_ids == ()
    assert _obligation_count(db) == 0
    assert _order(db, "OF-FEED").reserved == 0 and _order(db, "N-E1").reserved == 0
    assert _order(db, "N-E3").status == "cancelled"
