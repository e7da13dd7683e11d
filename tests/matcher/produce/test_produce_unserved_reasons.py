"""Issue 16: "a Northeast rice lot with a Bangkok buyer gets 0 sales and no reason". A Khon
Kaen jasmine-rice lot and a Bangkok consumer coop (real district centroids), in and out of
the regional networks: whatever stops the sale, the lot and the order each name it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from produce_cases import DAY, solve_valid

from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce.model import (
    GradeBid,
    ProduceProblem,
    Product,
    PurchaseOrder,
    StockLot,
    Transport,
)

RICE = Product("jasmine-rice", "ข้าวหอมมะลิ", "jasmine rice", "kg", 60, ("A",))
KHON_KAEN = Coop("ne-rice", "กลุ่มข้าวขอนแก่น", "Khon Kaen rice", lat_e5=1646349, lon_e5=10280416)
BANGKOK = Coop("bkk-shop", "ร้านค้าพระนคร", "Phra Nakhon shop", lat_e5=1375542, lon_e5=10049820)
REGIONS = (
    Network("nat", "ชาติ", "National", NetworkLevel.NATIONAL),
    Network("ne", "อีสาน", "North-east", NetworkLevel.REGION, "nat", ("ne-rice",)),
    Network("c", "ภาคกลาง", "Central", NetworkLevel.REGION, "nat", ("bkk-shop",)),
)


def _day(reach_km: int, reserve: int, networks: bool, shadow: bool) -> ProduceProblem:
    ends = (DAY, DAY + timedelta(50))
    lot = StockLot("NE-LOT", "ne-rice", "jasmine-rice", "A", 5_000, reserve, *ends)
    want = PurchaseOrder(
        "BKK-PO", "bkk-shop", "jasmine-rice", (GradeBid("A", 38_00),), 3_000, DAY + timedelta(5)
    )
    return ProduceProblem(
        DAY,
        (KHON_KAEN, BANGKOK),
        REGIONS if networks else (),
        (RICE,),
        (lot,),
        (want,),
        Transport(cost_satang_per_unit_km=1, max_distance_m=reach_km * 1000),
        shadow_max_lanes=20_000 if shadow else 0,  # 0: the plain-Python path of small rounds
    )


@pytest.mark.parametrize("networks", [False, True], ids=["no-network", "regions"])
@pytest.mark.parametrize("shadow", [True, False], ids=["arrays", "small-path"])
@pytest.mark.parametrize(
    ("reach_km", "reserve", "lot_why", "order_why", "sold"),
    [
        # ≈ 507 km by road (great circle × 1.3): beyond the default reach of 300 km
        (300, 30_00, "no_buyer_within_reach", "no_seller_within_reach", 0),
        # in reach, but 37.00 ฿ + 5.07 ฿ transport is above the bid of 38.00 ฿
        (700, 37_00, "price_gap", "price_gap", 0),
        # in reach and worth it: sold at the national tier; the rest of the lot has no buyer
        (700, 30_00, "buyers_scarce", "filled", 3_000),
    ],
)
def test_a_northeast_rice_lot_with_a_bangkok_buyer_always_says_why(
    reach_km: int,
    reserve: int,
    lot_why: str,
    order_why: str,
    sold: int,
    networks: bool,
    shadow: bool,
) -> None:
    r = solve_valid(_day(reach_km, reserve, networks, shadow))
    why = {x.order_id: (x.matched, x.reasons) for x in r.explanations}
    assert why == {"NE-LOT": (sold, (lot_why,)), "BKK-PO": (sold, (order_why,))}
    assert all(m.tier == "national" for m in r.matches)


def test_the_lane_is_about_five_hundred_km() -> None:
    r = solve_valid(_day(700, 30_00, False, True))
    assert [(m.distance_m, m.transport_satang // m.quantity) for m in r.matches] == [(506_735, 507)]
