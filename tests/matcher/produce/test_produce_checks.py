"""Bad input is rejected with a message naming the field; nothing is solved."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from produce_cases import DAY, LONGAN, coop, lot, order, problem

from matcher.domain import Network, NetworkLevel
from matcher.errors import InputError
from matcher.produce.model import GradeBid, Lane, Processor, ProduceProblem, Product, Transport
from matcher.produce.solver import solve_produce

A, B = coop("a", "lamphun"), coop("b", "pasang")


def base(**kw: Any) -> ProduceProblem:
    return problem([A, B], [lot("l1", "a", 100, 1000)], [order("o1", "b", 100, {"AA": 2500})], **kw)


EGG = Product("egg", "ไข่", "egg", "egg", 14, ("raw", "graded"))

CASES: list[tuple[str, ProduceProblem, str]] = [
    ("zero quantity", replace(base(), lots=(lot("l1", "a", 0, 1000),)), "lots[0].quantity"),
    (
        "negative reserve",
        replace(base(), lots=(lot("l1", "a", 10, -1),)),
        "lots[0].reserve_satang_per_unit",
    ),
    (
        "price beyond range",
        replace(base(), orders=(order("o1", "b", 10, {"AA": 10**12}),)),
        "orders[0].bids[0].max_price_satang_per_unit",
    ),
    (
        "quantity beyond int64",
        replace(base(), lots=(lot("l1", "a", 2**70, 1),)),
        "lots[0].quantity",
    ),
    ("unknown seller", replace(base(), lots=(lot("l1", "zz", 10, 1),)), "lots[0].seller"),
    (
        "duplicate lot",
        replace(base(), lots=(lot("l1", "a", 10, 1), lot("l1", "a", 10, 1))),
        "lots[1].id",
    ),
    (
        "unknown product",
        replace(base(), lots=(replace(lot("l1", "a", 10, 1), product="rice"),)),
        "lots[0].product",
    ),
    ("unknown grade", replace(base(), lots=(lot("l1", "a", 10, 1, "AAA"),)), "lots[0].grade"),
    (
        "unknown bid grade",
        replace(base(), orders=(order("o1", "b", 10, {"D": 100}),)),
        "orders[0].bids[0].grade",
    ),
    (
        "expiry before ready",
        replace(base(), lots=(lot("l1", "a", 10, 1, expiry_date=DAY - timedelta(days=1)),)),
        "lots[0].expiry_date",
    ),
    (
        "deliver-by in the past",
        replace(
            base(), orders=(order("o1", "b", 10, {"AA": 100}, deliver_by=DAY - timedelta(days=1)),)
        ),
        "orders[0].deliver_by",
    ),
    (
        "min lot above quantity",
        replace(base(), orders=(order("o1", "b", 10, {"AA": 100}, min_lot_units=11),)),
        "orders[0].min_lot_units",
    ),
    (
        "negative distance",
        base(transport=Transport(2, lanes=(Lane("a", "b", -5),))),
        "transport.lanes[0].distance_m",
    ),
    (
        "matrix missing a lane",
        base(transport=Transport(2, lanes=(Lane("b", "a", 5),))),
        "transport.lanes",
    ),
    (
        "road factor",
        base(transport=Transport(2, road_factor_bps=5_000)),
        "transport.road_factor_bps",
    ),
    (
        "truck cost without capacity",
        base(transport=Transport(2, truck_cost_satang=100)),
        "transport.truck_capacity_units",
    ),
    ("missing coordinates", replace(base(), coops=(replace(A, lat_e5=None), B)), "coops[0].lat_e5"),
    (
        "network cycle",
        base(
            networks=(
                Network("n1", "x", "x", NetworkLevel.AREA, "n2", ("a",)),
                Network("n2", "y", "y", NetworkLevel.PROVINCE, "n1", ("b",)),
            )
        ),
        "networks[",
    ),
    (
        "processing cycle",
        base(
            products=(LONGAN, EGG),
            processors=(
                Processor("p1", "a", "egg", "raw", "egg", "graded", 10),
                Processor("p2", "b", "egg", "graded", "egg", "raw", 10),
            ),
        ),
        "processors[",
    ),
    (
        "duplicate bid grade",
        replace(
            base(),
            orders=(
                replace(
                    order("o1", "b", 10, {"AA": 100}), bids=(GradeBid("AA", 1), GradeBid("AA", 2))
                ),
            ),
        ),
        "orders[0].bids[1].grade",
    ),
    ("negative shadow lane limit", base(shadow_max_lanes=-1), "shadow_max_lanes"),
]


@pytest.mark.parametrize(("name", "bad", "field"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_names_the_field(name: str, bad: ProduceProblem, field: str) -> None:
    with pytest.raises(InputError) as info:
        solve_produce(bad)
    assert any(i.field.startswith(field) for i in info.value.issues), info.value.issues
