"""Per-product transport terms and a processor's output price: a feasible and an infeasible
case each, every solve validated."""

from __future__ import annotations

from dataclasses import replace

import pytest
from produce_cases import LONGAN, coop, lot, order, problem, reasons, solve_valid

from matcher.errors import InputError
from matcher.produce.model import (
    PriceRule,
    Processor,
    Product,
    ProductTransport,
    StockLot,
    Transport,
)
from matcher.produce.validator import validate

EGG = Product("egg", "ไข่ไก่", "egg", "egg", 14, ("raw", "graded"))
A, B = coop("a", "lamphun"), coop("b", "pasang")


def _egg_lot(ident: str, seller: str, qty: int, reserve: int, grade: str = "raw") -> StockLot:
    return replace(lot(ident, seller, qty, reserve, grade), product="egg")


def test_a_product_travels_on_its_own_rate() -> None:
    """Longan at the round's 2 satang/kg/km; eggs at their own 0 satang/egg/km."""
    t = Transport(2, products=(ProductTransport("egg", 0),))
    eggs = _egg_lot("e1", "a", 100, 250, "graded")
    want = replace(order("o1", "b", 100, {"graded": 260}), product="egg")
    r = solve_valid(problem([A, B], [eggs], [want], products=(LONGAN, EGG), transport=t))
    (m,) = r.matches
    assert m.transport_satang == 0 and m.price_satang_per_unit == 255
    # On the round's 2 satang per km the 10 satang margin is eaten by transport.
    r = solve_valid(replace(r_problem := problem([A, B], [eggs], [want], products=(LONGAN, EGG))))
    assert r.matches == () and reasons(r, "e1") == ("price_gap",)
    assert r_problem.transport.of("egg") == r_problem.transport


def test_a_product_reach_and_road_factor() -> None:
    """A product's reach below the distance leaves it unmatched; its road factor sets the
    distance every match records (and the validator recomputes)."""
    base = problem(
        [A, B],
        [_egg_lot("e1", "a", 100, 100, "graded")],
        [replace(order("o1", "b", 100, {"graded": 400}), product="egg")],
        products=(LONGAN, EGG),
    )
    near = solve_valid(base)
    d = near.matches[0].distance_m
    wide = replace(base, transport=Transport(2, products=(ProductTransport("egg", 2, 20_000),)))
    (m,) = solve_valid(wide).matches
    assert m.distance_m > d  # 2.0 × great circle instead of 1.3 ×
    short = replace(base, transport=Transport(2, products=(ProductTransport("egg", 2, 13_000, 1),)))
    r = solve_valid(short)
    assert r.matches == () and reasons(r, "e1") == ("no_buyer_within_reach",)


def test_trucks_per_product() -> None:
    """Eggs in trucks of 1,000 (a full one pays), longan per kilogram (no trucks)."""
    t = Transport(0, products=(ProductTransport("egg", 0, truck_cost_satang=150_000,
                                                truck_capacity_units=1000),))  # fmt: skip
    eggs = _egg_lot("e1", "a", 1500, 1000, "graded")
    want = replace(order("o1", "b", 1500, {"graded": 1200}), product="egg")
    lon = lot("l1", "a", 1500, 1000)
    lon_want = order("o2", "b", 1500, {"AA": 1200})
    r = solve_valid(problem([A, B], [eggs, lon], [want, lon_want], products=(LONGAN, EGG),
                            transport=t))  # fmt: skip
    got = {m.product: (m.quantity, m.trucks) for m in r.matches}
    assert got == {"egg": (1000, 1), "longan": (1500, 0)}
    assert r.objective.truck_satang == 150_000


def test_product_terms_refused() -> None:
    """An unknown product, a product listed twice, a truck cost without capacity, and a
    processor whose input and output have different truck terms."""
    t = Transport(
        2,
        products=(
            ProductTransport("rice", 1),
            ProductTransport("egg", 1, truck_cost_satang=5),
            ProductTransport("egg", 1),
        ),
    )
    p = problem([A, B], [], [], products=(LONGAN, EGG), transport=t)
    with pytest.raises(InputError) as exc:
        solve_valid(p)
    fields = {i.field for i in exc.value.issues}
    assert {
        "transport.products[0].product",
        "transport.products[1].truck_capacity_units",
        "transport.products[2].product",
    } <= fields
    proc = Processor("g", "b", "longan", "AA", "egg", "graded", 10)
    t = Transport(2, products=(ProductTransport("egg", 1, truck_capacity_units=100),))
    p = problem([A, B], [], [], processors=(proc,), products=(LONGAN, EGG), transport=t)
    with pytest.raises(InputError) as exc:
        solve_valid(p)
    assert "processors[0]" in {i.field for i in exc.value.issues}


@pytest.mark.parametrize("rule", [PriceRule.SPLIT, PriceRule.CLEARING])
def test_processor_sells_between_what_it_paid_and_the_bid(rule: PriceRule) -> None:
    """The grading coop pays 2.60 ฿ (reserve and transport) for a raw egg and sells the graded
    egg for no less than that plus grading and transport, and no more than the bid."""
    farm, grader, shop = coop("farm", "banhong"), coop("grade", "pasang"), coop("shop", "lamphun")
    eggs = _egg_lot("e1", "farm", 5_000, 250)
    want = replace(order("o1", "shop", 5_000, {"graded": 380}), product="egg")
    proc = Processor("grading", "grade", "egg", "raw", "egg", "graded", 10_000, 20)
    p = problem(
        [farm, grader, shop],
        [eggs],
        [want],
        processors=(proc,),
        products=(LONGAN, EGG),
        transport=Transport(0),
        price_rule=rule,
    )
    r = solve_valid(p)
    legs = {(m.source_id, m.target_id): m for m in r.matches}
    paid = legs["e1", "grading"].price_satang_per_unit
    sold = legs["grading", "o1"].price_satang_per_unit
    assert paid == 250
    assert paid + 20 <= sold <= 380
    # The validator refuses an output sold below what the processor paid.
    cheap = tuple(
        replace(m, price_satang_per_unit=paid - 10) if m.source_id == "grading" else m
        for m in r.matches
    )
    errs = validate(p, replace(r, matches=cheap))
    assert any("below what it paid" in e for e in errs), errs
