"""Bad input: every broken rule names its field in Thai and English; nothing is solved."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from purchase_cases import need, offer, problem, tiers

from matcher.errors import InputError
from matcher.purchase.model import PriceTier, PurchaseProblem
from matcher.purchase.solver import solve_purchase

GOOD = tiers((0, 3000), (2000, 2900))


def issues(p: PurchaseProblem) -> dict[str, str]:
    with pytest.raises(InputError) as exc:
        solve_purchase(p)
    return {i.field: i.message for i in exc.value.issues}


def test_a_need_without_a_price_limit() -> None:
    got = issues(problem([need("a", 100, None)], [offer("s", GOOD)]))
    msg = got["needs[0].max_price_satang_per_unit"]
    assert "ราคาสูงสุด" in msg and "highest unit price" in msg


def test_a_schedule_whose_price_rises_with_volume() -> None:
    bad = tiers((0, 2900), (2000, 3000))
    got = issues(problem([need("a", 100)], [offer("s", bad)]))
    msg = got["offers[0].tiers[1].price_satang_per_unit"]
    assert "ราคาต้องไม่สูงขึ้น" in msg and "not monotone" in msg


def test_overlapping_tiers_and_a_gap() -> None:
    overlap = (PriceTier(0, 1999, 3000), PriceTier(1500, None, 2900))
    gap = (PriceTier(0, 999, 3000), PriceTier(1500, None, 2900))
    got = issues(problem([need("a", 100)], [offer("s", overlap), offer("t", gap)]))
    assert "overlaps" in got["offers[0].tiers[1].min_units"]
    assert "ซ้อนทับ" in got["offers[0].tiers[1].min_units"]
    assert "gap" in got["offers[1].tiers[1].min_units"]


def test_minimum_order_above_capacity() -> None:
    got = issues(problem([need("a", 100)], [offer("s", GOOD, min_order=5000, capacity=4000)]))
    msg = got["offers[0].min_order_units"]
    assert "ขั้นต่ำ" in msg and "above the capacity" in msg


def test_schedule_must_start_at_zero_reach_capacity_and_only_the_last_tier_is_open() -> None:
    starts_late = (PriceTier(100, None, 3000),)
    ends_early = (PriceTier(0, 999, 3000),)
    open_middle = (PriceTier(0, None, 3000), PriceTier(1000, None, 2900))
    got = issues(
        problem(
            [need("a", 100)],
            [
                offer("s", starts_late),
                offer("t", ends_early),
                offer("u", open_middle),
                offer("v", ()),
            ],
        )
    )
    assert "start at 0" in got["offers[0].tiers[0].min_units"]
    assert "below the capacity" in got["offers[1].tiers[0].max_units"]
    assert "open-ended" in got["offers[2].tiers[0].max_units"]
    assert "at least one" in got["offers[3].tiers"]


def test_ids_quantities_dates_and_limits() -> None:
    p = problem(
        [need("a", 0), need("a", 10, 0, deliver_by=date(2026, 1, 1))],
        [offer("s", GOOD, truck=0)],
        gap_bps=-1,
    )
    got = issues(p)
    assert {
        "needs[0].quantity",
        "needs[1].id",
        "needs[1].max_price_satang_per_unit",
        "needs[1].deliver_by",
        "offers[0].truck_capacity_units",
        "gap_bps",
    } <= set(got)


def test_nothing_is_changed_by_a_rejected_problem() -> None:
    p = problem([need("a", 100, None)], [offer("s", GOOD)])
    before = dataclasses.replace(p)
    issues(p)
    assert p == before
