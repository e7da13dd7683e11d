"""One feasible and one infeasible case per constraint family of the produce matcher."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from produce_cases import (
    DAY,
    LONGAN,
    coop,
    lamphun_tree,
    lot,
    order,
    problem,
    reasons,
    seeded_round,
    solve_valid,
)

from matcher.produce.model import Lane, PriceRule, Processor, Product, Transport
from matcher.produce.validator import validate
from matcher.results import FairnessPolicy, FillState, SolveStatus

A, B = coop("a", "lamphun"), coop("b", "pasang")


def test_grade_accepted_and_substitution() -> None:
    p = problem(
        [A, B], [lot("l1", "a", 500, 1500, "A")], [order("o1", "b", 300, {"AA": 2800, "A": 1900})]
    )
    r = solve_valid(p)
    assert [(m.grade, m.quantity) for m in r.matches] == [("A", 300)]
    assert r.status is SolveStatus.OPTIMAL


def test_grade_not_accepted() -> None:
    p = problem([A, B], [lot("l1", "a", 500, 500, "C")], [order("o1", "b", 300, {"AA": 2800})])
    r = solve_valid(p)
    assert r.matches == ()
    assert reasons(r, "l1") == ("grade_not_accepted",)
    assert reasons(r, "o1") == ("grade_not_offered",)


def test_reach() -> None:
    far = coop("c", "li")  # about 85 km away by road
    ok = problem([A, far], [lot("l1", "a", 100, 1000)], [order("o1", "c", 100, {"AA": 2500})])
    assert solve_valid(ok).matches
    t = Transport(cost_satang_per_unit_km=2, max_distance_m=50_000)
    r = solve_valid(replace(ok, transport=t))
    assert r.matches == () and reasons(r, "l1") == ("no_buyer_within_reach",)


def test_expired_lot_is_not_shipped() -> None:
    old = lot(
        "l1",
        "a",
        100,
        1000,
        ready_date=DAY - timedelta(days=5),
        expiry_date=DAY - timedelta(days=1),
    )
    r = solve_valid(problem([A, B], [old], [order("o1", "b", 100, {"AA": 2500})]))
    assert r.matches == () and reasons(r, "l1") == ("expired",)


def test_delivery_too_late() -> None:
    slow = Transport(cost_satang_per_unit_km=2, km_per_day=10)  # 30 km → 3 days on the road
    p = problem(
        [A, B], [lot("l1", "a", 100, 1000)], [order("o1", "b", 100, {"AA": 2500})], transport=slow
    )
    r = solve_valid(p)
    assert r.matches == () and reasons(r, "o1") == ("delivery_too_late",)
    later = replace(p, orders=(order("o1", "b", 100, {"AA": 2500}, deliver_by=DAY + timedelta(3)),))
    assert [m.delivery_date for m in solve_valid(later).matches] == [DAY + timedelta(days=3)]


def test_price_gap_and_spoilage() -> None:
    p = problem([A, B], [lot("l1", "a", 100, 2450)], [order("o1", "b", 100, {"AA": 2500})])
    r = solve_valid(p)  # 2 satang × 30 km = 61 satang transport > 50 satang margin
    assert r.matches == () and reasons(r, "l1") == ("price_gap",)
    slow = Transport(cost_satang_per_unit_km=2, km_per_day=20)
    spoil = lot("l1", "a", 100, 2000, spoilage_satang_per_unit_day=600)
    r = solve_valid(problem([A, B], [spoil], [order("o1", "b", 100, {"AA": 2500})], transport=slow))
    assert r.matches == () and reasons(r, "l1") == ("price_gap",)


def test_price_split_inside_bounds() -> None:
    r = solve_valid(
        problem([A, B], [lot("l1", "a", 100, 1800)], [order("o1", "b", 60, {"AA": 2600})])
    )
    (m,) = r.matches
    assert m.price_satang_per_unit == (1800 + 61 + 2600) // 2
    assert r.price_rule is PriceRule.SPLIT
    assert r.objective.gains_satang == 60 * (2600 - 1800 - 61)


def test_clearing_price_inside_bounds() -> None:
    c = coop("c", "banhong")
    p = problem(
        [A, B, c],
        [lot("l1", "a", 100, 1800), lot("l2", "c", 100, 1900)],
        [order("o1", "b", 150, {"AA": 2600})],
        price_rule=PriceRule.CLEARING,
    )
    r = solve_valid(p)
    assert r.price_rule is PriceRule.CLEARING and sum(m.quantity for m in r.matches) == 150


def test_minimum_lot() -> None:
    p = problem(
        [A, B],
        [lot("l1", "a", 100, 1000)],
        [order("o1", "b", 500, {"AA": 2500}, min_lot_units=200)],
    )
    r = solve_valid(p)
    assert r.matches == () and reasons(r, "o1") == ("below_min_lot",)
    ok = replace(p, orders=(order("o1", "b", 500, {"AA": 2500}, min_lot_units=100),))
    assert sum(m.quantity for m in solve_valid(ok).matches) == 100


def test_supply_scarce_and_buyers_scarce() -> None:
    r = solve_valid(
        problem([A, B], [lot("l1", "a", 100, 1000)], [order("o1", "b", 300, {"AA": 2500})])
    )
    assert reasons(r, "o1") == ("supply_scarce",)
    assert next(x for x in r.explanations if x.order_id == "o1").state is FillState.PARTLY_FILLED
    r = solve_valid(
        problem([A, B], [lot("l1", "a", 500, 1000)], [order("o1", "b", 300, {"AA": 2500})])
    )
    assert reasons(r, "l1") == ("buyers_scarce",)


def test_fairness_maxmin_shares_scarce_buyers() -> None:
    big, small, buyer = coop("big", "pasang"), coop("small", "li"), coop("buy", "lamphun")
    lots = [lot("l1", "big", 900, 1000), lot("l2", "small", 100, 1000)]
    orders = [order("o1", "buy", 500, {"AA": 2500})]
    fair = solve_valid(problem([big, small, buyer], lots, orders, fairness_steps=10))
    sold = {m.source_id: m.quantity for m in fair.matches}
    assert sold == {"l1": 450, "l2": 50}  # both sell half: leximin over shares sold
    assert fair.objective.min_seller_share_bps == 5000
    plain = solve_valid(problem([big, small, buyer], lots, orders, policy=FairnessPolicy.COVERAGE))
    assert {m.source_id: m.quantity for m in plain.matches} == {"l1": 500}
    assert plain.objective.gains_satang >= fair.objective.gains_satang


def test_older_lot_ships_first() -> None:
    young = lot("l1", "a", 100, 1000, expiry_date=DAY + timedelta(days=4))
    old = lot("l2", "a", 100, 1000, expiry_date=DAY + timedelta(days=1))
    r = solve_valid(
        problem(
            [A, B],
            [young, old],
            [order("o1", "b", 100, {"AA": 2500})],
            policy=FairnessPolicy.COVERAGE,
        )
    )
    assert [m.source_id for m in r.matches] == ["l2"]


def test_locality_first_then_escalation() -> None:
    a2, b1 = coop("a2", "li"), coop("b1", "banhong")
    nets = lamphun_tree(("a", "b"), ("a2", "b1"))
    lots = [lot("l1", "a", 300, 1000), lot("l2", "a2", 100, 1000)]
    orders = [order("o1", "b", 100, {"AA": 2500}), order("o2", "b1", 250, {"AA": 2500})]
    r = solve_valid(problem([A, B, a2, b1], lots, orders, networks=nets))
    tiers = {(m.source_id, m.target_id): (m.tier, m.network_id) for m in r.matches}
    assert tiers[("l1", "o1")] == ("area", "a1")
    assert tiers[("l2", "o2")] == ("area", "a2")
    assert tiers[("l1", "o2")] == ("province", "lp")


def test_no_network_means_no_match() -> None:
    c = coop("c", "banhong")
    nets = lamphun_tree(("a", "b"), ())
    r = solve_valid(
        problem(
            [A, B, c],
            [lot("l1", "c", 100, 1000)],
            [order("o1", "b", 100, {"AA": 2500})],
            networks=nets,
        )
    )
    assert r.matches == () and reasons(r, "l1") == ("no_network",)


def test_distance_matrix() -> None:
    lanes = (Lane("a", "b", 10_000), Lane("b", "a", 10_000))
    t = Transport(cost_satang_per_unit_km=2, lanes=lanes)
    r = solve_valid(
        problem(
            [A, B], [lot("l1", "a", 100, 1000)], [order("o1", "b", 100, {"AA": 2500})], transport=t
        )
    )
    assert [(m.distance_m, m.transport_satang) for m in r.matches] == [(10_000, 2000)]


EGG = Product("egg", "ไข่ไก่", "egg", "egg", 14, ("raw", "graded"))


def test_supply_chain_through_packing_coop() -> None:
    farm, packer, shop = coop("farm", "banhong"), coop("pack", "pasang"), coop("shop", "lamphun")
    eggs = replace(lot("e1", "farm", 10_000, 250, "raw"), product="egg")
    want = replace(order("o1", "shop", 6_000, {"graded": 400}), product="egg")
    proc = Processor("grade1", "pack", "egg", "raw", "egg", "graded", 5_000, 30)
    p = problem([farm, packer, shop], [eggs], [want], processors=(proc,), products=(LONGAN, EGG))
    r = solve_valid(p)
    legs = {(m.source_id, m.target_id): m.quantity for m in r.matches}
    assert legs == {("e1", "grade1"): 5_000, ("grade1", "o1"): 5_000}
    assert reasons(r, "o1") == ("supply_scarce",)


def test_supply_chain_unprofitable_processing() -> None:
    farm, packer, shop = coop("farm", "banhong"), coop("pack", "pasang"), coop("shop", "lamphun")
    eggs = replace(lot("e1", "farm", 1_000, 250, "raw"), product="egg")
    want = replace(order("o1", "shop", 600, {"graded": 300}), product="egg")
    proc = Processor("grade1", "pack", "egg", "raw", "egg", "graded", 5_000, 90)
    r = solve_valid(
        problem([farm, packer, shop], [eggs], [want], processors=(proc,), products=(LONGAN, EGG))
    )
    assert r.matches == ()


def test_integer_trucks() -> None:
    t = Transport(cost_satang_per_unit_km=0, truck_cost_satang=150_000, truck_capacity_units=1000)
    p = problem(
        [A, B], [lot("l1", "a", 1500, 1000)], [order("o1", "b", 1500, {"AA": 1200})], transport=t
    )
    r = solve_valid(p)  # 200 satang margin: a full truck pays (2,000 baht), a half one does not
    assert [(m.quantity, m.trucks) for m in r.matches] == [(1000, 1)]
    assert r.objective.truck_satang == 150_000
    assert reasons(r, "l1") == ("truck_not_full",)
    assert r.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    assert r.truck_gap_bps is not None and 0 <= r.truck_gap_bps <= 100
    assert r.truck_gap_bps == 0 or r.status is SolveStatus.FEASIBLE
    assert r.lanes == 1


def test_gap_and_lanes_without_trucks() -> None:
    p = problem([A, B], [lot("l1", "a", 10, 1000)], [order("o1", "b", 10, {"AA": 1200, "A": 900})])
    r = solve_valid(p)
    assert r.truck_gap_bps is None and r.lanes == 1


def test_integer_trucks_none_pays() -> None:
    t = Transport(cost_satang_per_unit_km=0, truck_cost_satang=500_000, truck_capacity_units=1000)
    p = problem(
        [A, B], [lot("l1", "a", 1000, 1000)], [order("o1", "b", 1000, {"AA": 1200})], transport=t
    )
    r = solve_valid(p)
    assert r.matches == () and reasons(r, "o1") == ("truck_not_full",)


def test_clearing_price_is_set_by_the_marginal_lot() -> None:
    c = coop("c", "banhong")
    p = problem(
        [A, B, c],
        [lot("l1", "a", 100, 1800), lot("l2", "c", 100, 1900)],
        [order("o1", "b", 150, {"AA": 2600})],
        price_rule=PriceRule.CLEARING,
        policy=FairnessPolicy.COVERAGE,
    )
    r = solve_valid(p)
    by_lot = {m.source_id: m for m in r.matches}
    # l1 is cheaper and sells out; l2 is the marginal lot, so its floor (reserve + its
    # transport) is the uniform price every match in the group pays.
    assert by_lot["l1"].quantity == 100 and by_lot["l2"].quantity == 50
    marginal_floor = by_lot["l2"].price_satang_per_unit
    assert marginal_floor > 1900
    assert {m.price_satang_per_unit for m in r.matches} == {marginal_floor}


@pytest.mark.parametrize("policy", [FairnessPolicy.MAXMIN, FairnessPolicy.PROPORTIONAL])
def test_the_validator_recomputes_each_tiers_stage_values(policy: FairnessPolicy) -> None:
    p = replace(seeded_round(7, 8, 2, 12, 10), policy=policy)
    r = solve_valid(p)
    assert r.tiers and all(t.fairness_score > 0 for t in r.tiers)
    first = r.tiers[0]
    for wrong in (
        replace(first, fairness_score=first.fairness_score + 1),
        replace(first, gains_satang=first.gains_satang - 1),
    ):
        errs = validate(p, replace(r, tiers=(wrong, *r.tiers[1:])))
        assert any(e.startswith(f"stages: {first.tier}") for e in errs), errs


def test_a_lot_no_processor_takes_is_not_blamed_on_full_processing() -> None:
    # Issue 16: a lot read "processing capacity is full" whenever every processor was full,
    # even where no processor takes its product and grade.
    farm, packer, shop = coop("farm", "banhong"), coop("pack", "pasang"), coop("shop", "lamphun")
    raw = replace(lot("e1", "farm", 10, 100, "raw"), product="egg")
    graded = replace(lot("e2", "farm", 1_000, 250, "graded"), product="egg")
    want = replace(order("o1", "shop", 310, {"graded": 400}), product="egg")
    proc = Processor("grade1", "pack", "egg", "raw", "egg", "graded", 10, 30)
    p = problem([farm, packer, shop], [raw, graded], [want], processors=(proc,),
                products=(LONGAN, EGG))  # fmt: skip
    r = solve_valid(replace(p, policy=FairnessPolicy.COVERAGE))  # gains alone decide
    assert sum(m.quantity for m in r.matches if m.source_id == "grade1") == 10  # it is full
    assert reasons(r, "e2") == ("buyers_scarce",)
