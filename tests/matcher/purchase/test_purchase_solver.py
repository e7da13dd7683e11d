"""Hand-made joint-purchase rounds: pooling reaches tiers no coop reaches alone, every rule
family has a case that binds, and explanations name the rule that stopped a need."""

from __future__ import annotations

from datetime import date

from purchase_cases import need, offer, problem, solve_valid, tiers

from matcher.money import div_round_half_even
from matcher.purchase import reasons
from matcher.purchase.model import ScheduleKind, SharingRule
from matcher.results import SolveStatus

DIESEL = tiers((0, 3000), (2000, 2900), (5000, 2800))
"""30.00 ฿/L, 29.00 ฿/L from 2,000 L, 28.00 ฿/L from 5,000 L."""


def test_five_stations_reach_the_top_tier_no_one_reaches_alone() -> None:
    needs = [need(f"st{k}", 1000, 3000) for k in range(5)]
    r = solve_valid(problem(needs, [offer("ptt", DIESEL)]))
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.alone_saving_satang == 0  # alone: 1,000 L at 30 ฿ = the limit
    (g,) = r.groups
    assert (g.volume, g.tier, g.unit_price_satang) == (5000, 2, 2800)
    assert r.objective.saving_satang == 5000 * 200
    assert all(a.saving_satang == 1000 * 200 for a in r.allocations)
    assert all(e.reasons == (reasons.SERVED, reasons.POOLED) for e in r.explanations)


def test_incremental_schedule_charges_each_band_its_price() -> None:
    needs = [need(f"st{k}", 1500, 3000) for k in range(4)]
    r = solve_valid(problem(needs, [offer("ptt", DIESEL, kind=ScheduleKind.INCREMENTAL)]))
    (g,) = r.groups
    # 2,000 L at 30, 3,000 L at 29, 1,000 L at 28
    assert g.goods_satang == 2000 * 3000 + 3000 * 2900 + 1000 * 2800
    assert r.objective.saving_satang == 6000 * 3000 - g.goods_satang


def test_minimum_order_is_met_only_by_pooling() -> None:
    needs = [need("a", 600, 3000), need("b", 600, 3000)]
    big = offer("mill", tiers((0, 2900)), min_order=1000)
    r = solve_valid(problem(needs, [big]))
    assert r.groups[0].volume == 1200
    alone = solve_valid(problem(needs[:1], [big]))
    assert alone.allocations == ()
    assert alone.explanations[0].reasons == (reasons.BELOW_MIN_ORDER,)


def test_nobody_is_worse_off_than_buying_alone() -> None:
    # a buys 4,000 L alone at 29 ฿; pooling with b and c reaches 28 ฿.
    needs = [need("a", 4000, 3000), need("b", 500, 2950), need("c", 600, 2990)]
    for rule in SharingRule:
        r = solve_valid(problem(needs, [offer("ptt", DIESEL)], sharing=rule))
        by = {a.need_id: a for a in r.allocations}
        assert by["a"].alone_saving_satang == 4000 * 100
        assert by["a"].saving_satang >= 4000 * 100
        assert all(a.pays_satang <= a.quantity * 3000 for a in r.allocations)
        assert r.objective.saving_satang > r.objective.alone_saving_satang


def test_sharing_rules_differ_as_stated() -> None:
    needs = [need("a", 4000, 3000), need("b", 1000, 3000)]
    pro = solve_valid(problem(needs, [offer("ptt", DIESEL)], sharing=SharingRule.PRO_RATA))
    equal = solve_valid(problem(needs, [offer("ptt", DIESEL)], sharing=SharingRule.EQUAL_PER_UNIT))
    # saving 5,000 × 2 ฿ = 10,000 ฿; a alone saves 4,000 ฿ (29 ฿); b alone nothing.
    p = {a.need_id: a.saving_satang for a in pro.allocations}
    e = {a.need_id: a.saving_satang for a in equal.allocations}
    assert p == {"a": 400_000 + 480_000, "b": 120_000}  # gain 6,000 ฿ by volume 4:1
    assert e == {"a": 800_000, "b": 200_000}  # 2 ฿ per litre each


def test_price_above_limit_is_explained() -> None:
    r = solve_valid(problem([need("a", 1000, 2700)], [offer("ptt", DIESEL)]))
    assert r.allocations == ()
    assert r.explanations[0].reasons == (reasons.PRICE_ABOVE_LIMIT,)


def test_out_of_reach_too_late_above_capacity_and_no_offer() -> None:
    far = need("far", 1000, dlat=400_000)  # about 4 degrees north
    late = need("late", 1000, deliver_by=date(2026, 1, 6))
    huge = need("huge", 50_000)
    feed = need("feed", 1000, product="feed")
    o = offer("ptt", DIESEL, lead_days=2, capacity=20_000, reach_m=100_000)
    r = solve_valid(problem([far, late, huge, feed], [o]))
    got = {e.need_id: e.reasons for e in r.explanations}
    assert got == {
        "far": (reasons.OUT_OF_REACH,),
        "late": (reasons.TOO_LATE,),
        "huge": (reasons.ABOVE_CAPACITY,),
        "feed": (reasons.NO_OFFER,),
    }


def test_capacity_goes_to_the_bigger_saving_and_the_rest_is_explained() -> None:
    needs = [need("a", 3000, 3000), need("b", 3000, 2950)]
    r = solve_valid(problem(needs, [offer("ptt", DIESEL, capacity=4000)]))
    assert [a.need_id for a in r.allocations] == ["a"]
    got = {e.need_id: e.reasons for e in r.explanations}
    assert got["b"] == (reasons.CAPACITY_TAKEN,)


def test_delivery_per_truck_and_km_is_charged_to_its_need() -> None:
    o = offer("ptt", tiers((0, 2800)), truck=1000, truck_satang=50_000, per_km=2_000, dlat=10_000)
    r = solve_valid(problem([need("a", 2500, 3000)], [o]))
    (a,) = r.allocations
    assert a.trucks == 3
    assert a.distance_m > 10_000
    assert a.delivery_satang == 3 * (50_000 + div_round_half_even(2_000 * a.distance_m, 1000))
    assert a.saving_satang == 2500 * 200 - a.delivery_satang


def test_two_products_two_suppliers_are_matched_independently() -> None:
    needs = [need("d1", 3000), need("d2", 3000), need("f1", 800, 1500, product="feed")]
    feed = offer("cp", tiers((0, 1400), (1000, 1300)), product="feed")
    r = solve_valid(problem(needs, [offer("ptt", DIESEL), feed]))
    assert {g.offer_id: g.volume for g in r.groups} == {"ptt": 6000, "cp": 800}


def test_output_is_the_same_whatever_the_input_order() -> None:
    needs = [need(f"n{k}", 700 + 300 * k, 2950 + 10 * k, dlat=1000 * k) for k in range(6)]
    offers = [offer("x", DIESEL, capacity=4000), offer("y", DIESEL, dlat=20_000)]
    a = solve_valid(problem(needs, offers))
    b = solve_valid(problem(needs[::-1], offers[::-1]))
    assert a == b


def test_empty_round_is_a_result() -> None:
    r = solve_valid(problem([], []))
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective.saving_satang == 0


def test_pruning_makes_the_status_feasible_with_a_note() -> None:
    needs = [need("a", 1000)]
    offers = [offer("x", DIESEL, capacity=1500), offer("y", tiers((0, 2950)))]
    r = solve_valid(problem(needs, offers, max_offers_per_need=1))
    assert r.status is SolveStatus.FEASIBLE
    assert r.notes
    assert r.allocations[0].offer_id == "y"
