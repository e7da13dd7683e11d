"""Shadow values of supply: checked against finite differences of an independent LP."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from produce_cases import coop, lot, lp_gains, order, problem, solve_valid
from test_produce_properties import rounds

from matcher.produce.model import PriceRule, ProduceProblem, ProduceResult
from matcher.results import FairnessPolicy

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _with_quantity(p: ProduceProblem, lot_id: str, delta: int) -> ProduceProblem:
    lots = tuple(replace(x, quantity=x.quantity + delta) if x.id == lot_id else x for x in p.lots)
    return replace(p, lots=lots)


def _lot_values(r: ProduceResult) -> dict[str, int]:
    return {
        x.order_id: x.shadow_satang_per_unit
        for x in r.explanations
        if x.side == "lot" and x.shadow_satang_per_unit is not None
    }


@FAST
@given(rounds(policy=FairnessPolicy.COVERAGE), st.sampled_from(list(PriceRule)))
def test_lot_shadow_value_is_the_finite_difference(p: ProduceProblem, rule: PriceRule) -> None:
    """The value of one more unit is f(a + 1) − f(a) of an LP built in the test; under the
    clearing rule (GLOP's duals) it lies between the one-sided differences."""
    # The shadow LP ignores minimum lots, like the oracle.
    orders = tuple(replace(o, min_lot_units=0) for o in p.orders)
    p = replace(p, orders=orders, price_rule=rule)
    r = solve_valid(p)
    base = lp_gains(p)
    for lot_id, value in _lot_values(r).items():
        up = lp_gains(_with_quantity(p, lot_id, 1)) - base
        down = base - lp_gains(_with_quantity(p, lot_id, -1))
        assert up <= value <= down, (lot_id, up, value, down)
        if rule is PriceRule.SPLIT:
            assert value == up, (lot_id, up, value)


@FAST
@given(rounds())
def test_group_values_are_the_largest_positive_lot_values(p: ProduceProblem) -> None:
    r = solve_valid(p)
    lots = {x.id: x for x in p.lots}
    values = _lot_values(r)
    best: dict[tuple[str, str], int] = {}
    for lot_id, value in values.items():
        key = (lots[lot_id].product, lots[lot_id].grade)
        best[key] = max(best.get(key, 0), value)
    reported = {(s.product, s.grade): s for s in r.shadow_values}
    assert set(reported) == {k for k, v in best.items() if v > 0}
    for key, s in reported.items():
        assert s.satang_per_unit == best[key] == values[s.lot_id]
        assert (lots[s.lot_id].product, lots[s.lot_id].grade) == key
        assert s.tier == "national" and s.network_id == "*"


def test_degenerate_point_reports_the_next_kilogram() -> None:
    """Lot and best order both exactly used up: the next kg can only go to the second
    buyer, so its value is that buyer's gain, not the first buyer's."""
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    p = problem(
        coops,
        [lot("l1", "a", 100, 10_00)],
        [order("o1", "b", 100, {"AA": 30_00}), order("o2", "b", 100, {"AA": 25_00})],
        policy=FairnessPolicy.COVERAGE,
    )
    r = solve_valid(p)
    (m,) = r.matches
    assert (m.target_id, m.quantity) == ("o1", 100)
    assert _lot_values(r) == {"l1": 25_00 - 10_00 - m.transport_satang // m.quantity}


def test_one_more_kilogram_serves_the_next_buyer() -> None:
    """Scarce supply: the best buyer is served in full and the second only in part, so the
    extra kg goes to the second buyer and is worth its gain per kg (bid − reserve −
    transport)."""
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    p = problem(
        coops,
        [lot("l1", "a", 100, 10_00)],
        [order("o1", "b", 80, {"AA": 30_00}), order("o2", "b", 100, {"AA": 25_00})],
        policy=FairnessPolicy.COVERAGE,
    )
    r = solve_valid(p)
    assert [(m.target_id, m.quantity) for m in r.matches] == [("o1", 80), ("o2", 20)]
    m = r.matches[1]
    expected = 25_00 - 10_00 - m.transport_satang // m.quantity
    assert expected == lp_gains(_with_quantity(p, "l1", 1)) - lp_gains(p)
    assert _lot_values(r) == {"l1": expected}
    (s,) = r.shadow_values
    assert (s.product, s.grade, s.lot_id, s.satang_per_unit) == ("longan", "AA", "l1", expected)


def test_no_shadow_value_where_supply_is_not_scarce() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    p = problem(
        coops,
        [lot("l1", "a", 100, 10_00)],
        [order("o1", "b", 40, {"AA": 30_00})],
        policy=FairnessPolicy.COVERAGE,
    )
    r = solve_valid(p)
    assert _lot_values(r) == {"l1": 0}
    assert r.shadow_values == ()


def test_large_tiers_skip_the_lp_and_say_so() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    p = problem(
        coops,
        [lot("l1", "a", 100, 10_00)],
        [order("o1", "b", 100, {"AA": 30_00}), order("o2", "b", 100, {"AA": 25_00})],
        shadow_max_lanes=1,
    )
    r = solve_valid(p)
    assert r.shadow_values == () and _lot_values(r) == {}
    assert any("shadow values not computed" in n for n in r.notes)


def test_zero_lane_limit_turns_shadow_values_off_quietly() -> None:
    coops = [coop("a", "lamphun"), coop("b", "pasang")]
    p = problem(
        coops,
        [lot("l1", "a", 100, 10_00)],
        [order("o1", "b", 80, {"AA": 30_00}), order("o2", "b", 100, {"AA": 25_00})],
    )
    on, off = solve_valid(p), solve_valid(replace(p, shadow_max_lanes=0))
    assert on.shadow_values and off.shadow_values == () and _lot_values(off) == {}
    assert off.notes == on.notes and off.matches == on.matches
