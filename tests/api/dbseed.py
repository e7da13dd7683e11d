"""Small seeded networks for the database tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from api.db.tx import in_write_transaction
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import (
    NeedSpec,
    ObligationSpec,
    OfferSpec,
    insert_obligations,
    insert_orders,
)
from api.services.produce_orders import (
    LotSpec,
    PurchaseSpec,
    insert_produce_orders,
    upsert_products,
)
from matcher.domain import NetworkLevel
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
COORDINATOR = "lamphun-office"


def seed_lamphun(engine: Engine) -> None:
    """Province LPN with two areas; four coops; two offers and three needs."""
    networks = [
        NetworkSpec(
            "LPN", "เครือข่ายจังหวัดลำพูน", NetworkLevel.PROVINCE, "Lamphun", coordinator=COORDINATOR
        ),
        NetworkSpec(
            "LPN-A1",
            "เครือข่ายเมืองลำพูน",
            NetworkLevel.AREA,
            "Mueang",
            parent_id="LPN",
            coordinator="area1-office",
        ),
        NetworkSpec("LPN-A2", "เครือข่ายป่าซาง", NetworkLevel.AREA, "Pa Sang", parent_id="LPN"),
    ]
    coops = [
        CoopSpec("C1", "สหกรณ์ออมทรัพย์ครูลำพูน", "LPN-A1", district_code="5101"),
        CoopSpec("C2", "สหกรณ์การเกษตรเมืองลำพูน", "LPN-A1", district_code="5101"),
        CoopSpec("C3", "สหกรณ์การเกษตรป่าซาง", "LPN-A2", district_code="5106"),
        CoopSpec("C4", "กลุ่มเกษตรกรทำสวนป่าซาง", "LPN-A2", district_code="5106"),
    ]
    offers = [
        OfferSpec("O1", "C1", 1_000_000_00, 300, 365),
        OfferSpec("O3", "C3", 200_000_00, 350, 180),
    ]
    needs = [
        NeedSpec("N2", "C2", 600_000_00, 700, 90, urgency=5),
        NeedSpec("N4", "C4", 500_000_00, 650, 120, repayment="equal", instalments=4),
        NeedSpec("N2b", "C2", 300_000_00, 600, 60),
    ]

    def work(session):  # type: ignore[no-untyped-def]
        upsert_members(session, networks, coops, T0, "seed")
        insert_orders(session, offers, needs, T0)

    in_write_transaction(engine, work)


LONGAN = Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A", "B"))
COMBINED_DAY = date(2026, 11, 21)


def seed_combined(engine: Engine) -> None:
    """On top of :func:`seed_lamphun`: a debt cycle C2 → C3 → C4 → C2 due on the day (and
    one debt due later), a longan lot at C3 and two purchase orders (C1, C2)."""
    day = COMBINED_DAY
    obligations = [
        ObligationSpec("D23", "C2", "C3", 200_000_00, day),
        ObligationSpec("D34", "C3", "C4", 150_000_00, day),
        ObligationSpec("D42", "C4", "C2", 100_000_00, day),
        ObligationSpec("D21", "C2", "C1", 50_000_00, day + timedelta(days=40)),
    ]
    lots = [LotSpec(StockLot("L1", "C3", "longan", "AA", 1_000, 18_00, day, day + timedelta(4)))]
    orders = [
        PurchaseSpec(
            PurchaseOrder("P1", "C1", "longan", (GradeBid("AA", 32_00),), 600, day + timedelta(3))
        ),
        PurchaseSpec(
            PurchaseOrder("P2", "C2", "longan", (GradeBid("AA", 30_00),), 300, day + timedelta(3))
        ),
    ]

    def work(session):  # type: ignore[no-untyped-def]
        upsert_products(session, [LONGAN])
        insert_obligations(session, obligations, T0)
        insert_produce_orders(session, lots, orders, T0)

    in_write_transaction(engine, work)


def check_invariants(engine: Engine) -> None:
    """Every order's counters equal its pending proposals and commitments (set-offs and
    cash payments included), within its amount."""
    from collections import defaultdict

    from sqlalchemy import select
    from sqlmodel import Session

    from api.db.tables import (
        CommitmentRow,
        CommitmentSetoffRow,
        NeedReliefRow,
        OrderRow,
        ProposalRow,
    )
    from api.db.tables_round import CashPaymentRow

    with Session(engine) as s:
        cash = s.execute(select(CashPaymentRow)).scalars().all()
        orders = s.execute(select(OrderRow)).scalars().all()
        props = s.execute(select(ProposalRow)).scalars().all()
        commits = {c.proposal_id for c in s.execute(select(CommitmentRow)).scalars()}
        setoffs = s.execute(select(CommitmentSetoffRow)).scalars().all()
        relief = s.execute(select(NeedReliefRow)).scalars().all()
    pending: dict[str, int] = defaultdict(int)
    done: dict[str, int] = defaultdict(int)
    for so in setoffs:
        assert so.amount_satang > 0 and so.remaining_satang >= 0
        done[so.obligation_order_id] += so.amount_satang
    for r in relief:
        assert r.amount_satang > 0
        done[r.need_order_id] += r.amount_satang
    for c in cash:  # cash payments of debts outside rounds
        assert c.amount_satang > 0
        done[c.obligation_order_id] += c.amount_satang
    for p in props:
        if p.status == "pending":
            pending[p.supply_order_id] += p.amount
            pending[p.demand_order_id] += p.amount
        elif p.status == "committed":
            assert p.id in commits
            done[p.supply_order_id] += p.amount
            done[p.demand_order_id] += p.amount
    for o in orders:
        assert o.reserved == pending[o.id], (o.id, o.reserved, pending[o.id])
        assert o.committed == done[o.id], (o.id, o.committed, done[o.id])
        assert 0 <= o.reserved + o.committed <= o.amount, o.id
        expected = "filled" if o.committed >= o.amount else "reserved" if o.reserved else "open"
        if o.status not in ("cancelled", "expired"):
            assert o.status == expected, (o.id, o.status, expected)
