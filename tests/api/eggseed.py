"""The Chiang Mai–Lamphun egg cluster as a database (illustrative figures, as in
``scenarios/cm-lamphun-eggs.yaml``): feed → farm → grading → retail under a national
network with a joint fund."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from api.db.tx import in_write_transaction
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.services.produce_orders import (
    LotSpec,
    PurchaseSpec,
    insert_produce_orders,
    upsert_products,
)
from matcher.domain import NetworkLevel
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
DAY = date(2026, 11, 21)
NATIONAL, CLUSTER = "national-office", "egg-office"
EGG = Product("egg", "ไข่ไก่", "hen eggs", "egg", 14, ("raw", "No.2"))
FEED = Product("layer_feed", "อาหารไก่ไข่", "layer feed", "kg", 90, ("std",))
GRADING = {
    "id": "grading-1",
    "coop_id": "GRADER",
    "in_product": "egg",
    "in_grade": "raw",
    "out_product": "egg",
    "out_grade": "No.2",
    "capacity_units": 25_000,
    "cost_satang_per_unit": 10,
}


def seed_eggs(engine: Engine) -> None:
    """TH (national) → NORTH → EGG cluster → upstream / midstream / downstream areas.

    Feed coop FEED1 sells layer feed to the farms and lends them idle funds; farms FARM1 and
    FARM2 sell raw eggs; GRADER grades them; SHOP1 and SHOP2 buy graded eggs. FARM2 needs
    more than FEED1 lends (the rest is for a joint fund)."""
    nets = [
        NetworkSpec("TH", "เครือข่ายระดับชาติ", NetworkLevel.NATIONAL, coordinator=NATIONAL),
        NetworkSpec("NORTH", "ภาคเหนือ", NetworkLevel.REGION, parent_id="TH"),
        NetworkSpec(
            "EGG", "คลัสเตอร์ไข่ไก่", NetworkLevel.PROVINCE, parent_id="NORTH", coordinator=CLUSTER
        ),
        NetworkSpec("EGG-UP", "ต้นน้ำ", NetworkLevel.AREA, parent_id="EGG"),
        NetworkSpec("EGG-MID", "กลางน้ำ", NetworkLevel.AREA, parent_id="EGG"),
        NetworkSpec("EGG-DOWN", "ปลายน้ำ", NetworkLevel.AREA, parent_id="EGG"),
    ]
    coops = [
        CoopSpec("FEED1", "สหกรณ์อาหารสัตว์", "EGG-UP", district_code="5013"),
        CoopSpec("FARM1", "สหกรณ์ผู้เลี้ยงไก่ไข่ 1", "EGG-MID", district_code="5007"),
        CoopSpec("FARM2", "สหกรณ์ผู้เลี้ยงไก่ไข่ 2", "EGG-MID", district_code="5019"),
        CoopSpec("GRADER", "สหกรณ์คัดไข่", "EGG-MID", district_code="5106"),
        CoopSpec("SHOP1", "สหกรณ์ร้านค้า 1", "EGG-DOWN", district_code="5001"),
        CoopSpec("SHOP2", "สหกรณ์ร้านค้า 2", "EGG-DOWN", district_code="5101"),
    ]
    later = DAY + timedelta(days=5)
    lots = [
        LotSpec(StockLot("E1", "FARM1", "egg", "raw", 12_000, 2_50, DAY, DAY + timedelta(10))),
        LotSpec(StockLot("E2", "FARM2", "egg", "raw", 8_000, 2_55, DAY, DAY + timedelta(10))),
        LotSpec(
            StockLot("F1", "FEED1", "layer_feed", "std", 3_000, 13_00, DAY, DAY + timedelta(60))
        ),
    ]
    orders = [
        PurchaseSpec(PurchaseOrder("S1", "SHOP1", "egg", (GradeBid("No.2", 3_80),), 12_000, later)),
        PurchaseSpec(PurchaseOrder("S2", "SHOP2", "egg", (GradeBid("No.2", 3_70),), 8_000, later)),
        PurchaseSpec(
            PurchaseOrder("FO1", "FARM1", "layer_feed", (GradeBid("std", 14_80),), 2_000, later)
        ),
    ]
    offers = [OfferSpec("FEED-LEND", "FEED1", 200_000_00, 500, 180)]
    needs = [NeedSpec("FARM2-NEED", "FARM2", 300_000_00, 800, 90)]

    def work(session):  # type: ignore[no-untyped-def]
        upsert_members(session, nets, coops, T0, "seed")
        upsert_products(session, [EGG, FEED])
        insert_orders(session, offers, needs, T0)
        insert_produce_orders(session, lots, orders, T0)

    in_write_transaction(engine, work)
