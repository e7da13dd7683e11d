"""The plain-Python path of small rounds gives exactly what the array path gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from produce_cases import DAY, LONGAN, coop, lot, order, problem
from test_produce_properties import chain_rounds, rounds

import matcher.produce.solver as solver
from matcher.domain import Network, NetworkLevel
from matcher.produce.model import (
    Lane,
    PriceRule,
    ProduceProblem,
    ProduceResult,
    Product,
    PurchaseOrder,
)
from matcher.produce.small import SMALL_PAIRS, eligible
from matcher.produce.state import layout_of
from matcher.produce.validator import validate

EQUAL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EGGS = Product("eggs", "ไข่", "eggs", "egg", 14, ("L", "M"))


def _lean(p: ProduceProblem) -> ProduceProblem:
    """The round as a season asks for it: no shadow values, split prices."""
    return replace(p, shadow_max_lanes=0, price_rule=PriceRule.SPLIT)


def _both(p: ProduceProblem) -> tuple[ProduceResult, ProduceResult]:
    """(small path, array path) results of an eligible round; the first is validated.

    The small path with a prepared layout and its table of pair distances, trusted input,
    gives the same again.
    """
    assert eligible(p)
    small = solver.solve_produce(p)
    assert validate(p, small) == []
    layout = layout_of(p.coops, p.networks, p.transport, pair_table=True)
    assert layout.fits(p) and layout.pair_m is not None
    assert solver.solve_produce(p, checked=True, layout=layout) == small
    with mock.patch.object(solver, "eligible", lambda _: False):
        arrays = solver.solve_produce(p)
    return small, arrays


def _dearer(o: PurchaseOrder) -> PurchaseOrder:
    bids = tuple(
        replace(b, max_price_satang_per_unit=b.max_price_satang_per_unit * 30_000) for b in o.bids
    )
    return replace(o, bids=bids)


@st.composite
def small_rounds(draw: st.DrawFn) -> ProduceProblem:
    """Random rounds, with or without a network tree, sometimes with few lanes per order
    (pruning), few fairness steps, big lots (less fairness resolution) or a second product."""
    p = _lean(draw(st.one_of(rounds(), chain_rounds())))
    p = replace(p, processors=())
    p = replace(
        p,
        max_lanes_per_order=draw(st.sampled_from([64, 1, 2])),
        fairness_steps=draw(st.sampled_from([10, 1, 3, 100])),
    )
    if draw(st.booleans()):
        big = draw(st.sampled_from([10**6, 10**9]))
        p = replace(p, lots=tuple(replace(x, quantity=big) for x in p.lots))
    if draw(st.booleans()):  # dear goods: with big lots the fairness costs must shrink
        dear = [
            replace(x, reserve_satang_per_unit=x.reserve_satang_per_unit * 30_000) for x in p.lots
        ]
        p = replace(p, lots=tuple(dear), orders=tuple(_dearer(x) for x in p.orders))
    if draw(st.booleans()):
        sellers = [x.seller for x in p.lots]
        eggs = [
            replace(lot(f"e{i}", s, 300 + i, 250, "L"), product="eggs")
            for i, s in enumerate(sellers)
        ]
        buyers = [x.buyer for x in p.orders][:2]
        want = [
            replace(order(f"f{j}", b, 200, {"L": 400, "M": 300}), product="eggs")
            for j, b in enumerate(buyers)
        ]
        p = replace(
            p, products=(LONGAN, EGGS), lots=p.lots + tuple(eggs), orders=p.orders + tuple(want)
        )
    return p


@EQUAL
@given(small_rounds())
def test_small_path_equals_the_array_path(p: ProduceProblem) -> None:
    small, arrays = _both(p)
    assert small == arrays


@EQUAL
@given(small_rounds(), st.integers(0, 5))
def test_small_path_with_a_distance_matrix(p: ProduceProblem, skip: int) -> None:
    """Supplied distances (one lane left out, so some pairs are unknown: −1)."""
    ids = [c.id for c in p.coops]
    lanes = [
        Lane(a, b, 1_000 * (3 + (i * 7 + j * 11) % 60))
        for i, a in enumerate(ids)
        for j, b in enumerate(ids)
        if a != b
    ]
    lanes = lanes[:skip] + lanes[skip + 1 :]
    p = replace(p, transport=replace(p.transport, lanes=tuple(lanes)))
    try:
        small, arrays = _both(p)
    except Exception as exc:  # a missing lane between traders is an input error
        assert "transport.lanes" in str(exc)
        return
    assert small == arrays


def test_expired_lots_and_orders_outside_every_network() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang"), coop("c", "li")]
    nets = (Network("x", "x", "x", NetworkLevel.AREA, None, ("a", "b")),)
    lots = [
        lot("l1", "a", 100, 1000),
        lot("l2", "a", 50, 1000, ready_date=DAY - timedelta(days=5), expiry_date=DAY),
        lot("l3", "c", 70, 900),
    ]
    orders = [order("o1", "b", 80, {"AA": 2500}), order("o2", "c", 80, {"AA": 2500})]
    p = _lean(problem(coops, lots, orders, networks=nets))
    small, arrays = _both(p)
    assert small == arrays
    assert small.matches


def test_large_or_rich_rounds_take_the_array_path() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    n = int(SMALL_PAIRS**0.5) + 1
    lots = [lot(f"l{i}", "a", 10, 100) for i in range(n)]
    orders = [order(f"o{j}", "b", 10, {"AA": 2500}) for j in range(n)]
    p = _lean(problem(coops, lots, orders))
    assert not eligible(p)
    assert eligible(replace(p, lots=p.lots[:2]))
    assert not eligible(replace(p, lots=p.lots[:2], shadow_max_lanes=10))
    assert not eligible(replace(p, lots=p.lots[:2], price_rule=PriceRule.CLEARING))


def test_dear_big_lots_are_solved_in_stages_alike() -> None:
    # The exact weights would overflow int64: both paths solve the tier in stages
    # (matcher.produce.staged), exactly, without reducing the fairness resolution.
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    later = DAY + timedelta(days=4)
    lots = [
        lot("l1", "a", 10**9, 80_000_000),
        lot("l2", "a", 10**9, 70_000_000, expiry_date=later),
        lot("l3", "a", 10**9, 60_000_000, expiry_date=later + timedelta(days=1)),
    ]
    orders = [order("o1", "b", 10**9, {"AA": 99_000_000})]
    small, arrays = _both(_lean(problem(coops, lots, orders)))
    assert small == arrays
    assert "fairness resolution reduced to avoid overflow" not in small.notes
    assert small.status.value == "optimal"


def test_a_layout_that_does_not_fit_is_not_used() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang"), coop("c", "li")]
    p = _lean(problem(coops, [lot("l1", "a", 100, 1000)], [order("o1", "b", 80, {"AA": 2500})]))
    moved = replace(p, coops=(coops[0], replace(coops[1], lat_e5=coops[2].lat_e5), coops[2]))
    other = layout_of(moved.coops, moved.networks, moved.transport, pair_table=True)
    assert not other.fits(p)
    assert solver.solve_produce(p, layout=other) == solver.solve_produce(p)
    assert solver.solve_produce(p) != solver.solve_produce(moved)
