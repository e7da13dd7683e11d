"""The business day on the database, over several days and two unrelated networks.

A round acts on its own network's subtree only: expiry of orders and proposals and the
promotion of due instalments never reach another network, whatever the round's date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dbseed import COORDINATOR, T0, check_invariants, seed_lamphun
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.tables import OrderRow, ProposalRow
from api.db.tx import in_write_transaction
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.rounds import run_round
from matcher.domain import NetworkLevel

DAY = date(2026, 11, 21)
LOEI_OFFICE = "loei-office"


def seed_loei(engine: Engine) -> None:
    """Province LOEI with one area; two coops with an offer and a need valid for a week."""
    networks = [
        NetworkSpec("LOEI", "เครือข่ายจังหวัดเลย", NetworkLevel.PROVINCE, "Loei",
                    coordinator=LOEI_OFFICE),
        NetworkSpec("LOEI-A1", "เครือข่ายอำเภอเมืองเลย", NetworkLevel.AREA, "Mueang Loei",
                    parent_id="LOEI"),
    ]  # fmt: skip
    coops = [
        CoopSpec("LC1", "สหกรณ์ออมทรัพย์ครูเลย", "LOEI-A1", district_code="4201"),
        CoopSpec("LC2", "สหกรณ์การเกษตรเมืองเลย", "LOEI-A1", district_code="4201"),
    ]
    week = DAY + timedelta(days=7)
    offers = [OfferSpec("LO1", "LC1", 300_000_00, 300, 365, valid_until=week)]
    needs = [NeedSpec("LN2", "LC2", 200_000_00, 700, 90, valid_until=week)]

    def work(session):  # type: ignore[no-untyped-def]
        upsert_members(session, networks, coops, T0, "seed")
        insert_orders(session, offers, needs, T0)

    in_write_transaction(engine, work)


def _lamphun_with_deadline(engine: Engine) -> None:
    """:func:`seed_lamphun` plus an offer of C3 valid for a week."""
    seed_lamphun(engine)
    offer = OfferSpec("O5", "C3", 100_000_00, 300, 365, valid_until=DAY + timedelta(days=7))
    in_write_transaction(engine, lambda s: insert_orders(s, [offer], [], T0))


def _statuses(engine: Engine, coops: set[str]) -> tuple[dict[str, str], dict[int, str]]:
    with Session(engine) as s:
        orders = {
            o.id: o.status for o in s.execute(select(OrderRow)).scalars() if o.coop_id in coops
        }
        props = {
            int(p.id or 0): p.status
            for p in s.execute(select(ProposalRow)).scalars()
            if p.supply_coop_id in coops
        }
    return orders, props


def test_round_of_one_network_never_touches_another(db, clock) -> None:
    """A Loei round a year later and a day after Lamphun's proposals expired leaves
    Lamphun's orders and proposals exactly as they were (it used to expire and void them)."""
    _lamphun_with_deadline(db)
    seed_loei(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    lamphun = {"C1", "C2", "C3", "C4"}
    before = _statuses(db, lamphun)
    assert before[1] and set(before[1].values()) == {"pending"}
    clock.advance(hours=25)  # Lamphun's proposals are past their expiry
    later = DAY + timedelta(days=400)  # and its orders past their valid_until
    run_round(db, network_id="LOEI", business_date=later, actor=LOEI_OFFICE, clock=clock)
    assert _statuses(db, lamphun) == before
    loei_orders, _ = _statuses(db, {"LC1", "LC2"})
    assert loei_orders == {"LO1": "expired", "LN2": "expired"}
    check_invariants(db)


def test_own_subtree_is_swept(db, clock) -> None:
    """Lamphun's next round does expire its own proposals past their expiry."""
    seed_lamphun(db)
    seed_loei(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    run_round(db, network_id="LOEI", business_date=DAY, actor=LOEI_OFFICE, clock=clock)
    clock.now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    run_round(db, network_id="LPN", business_date=DAY + timedelta(days=1), actor=COORDINATOR,
              clock=clock)  # fmt: skip
    with Session(db) as s:
        first = {
            p.supply_coop_id[0]: p.status
            for p in s.execute(select(ProposalRow).where(ProposalRow.round_id == 1)).scalars()
        }
        loei = [
            p.status
            for p in s.execute(
                select(ProposalRow).where(ProposalRow.supply_coop_id == "LC1")
            ).scalars()
        ]
    assert set(first.values()) == {"expired"}
    assert loei == ["pending"]
    check_invariants(db)
