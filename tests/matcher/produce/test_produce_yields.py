"""Processor yields (issue 16): units out = ⌊units in × yield_bps / 10,000⌋ per tier, solved
exactly by CP-SAT on the components that hold such a processor; prices of the output lie
between what the processor paid per output unit (plus its costs) and the buyer's bid.

Hand cases, an oracle against an exact MILP built in the test (HiGHS through scipy), the
validator's mass balance, and bad yields refused naming the field.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from oracle import audit
from oracle_cases import STAGES, random_round
from produce_cases import LONGAN, coop, lot, order, problem, reasons, solve_valid

from matcher.domain import Network, NetworkLevel
from matcher.errors import InputError
from matcher.produce.model import (
    GradeBid,
    Processor,
    ProduceMatch,
    ProduceProblem,
    Product,
    Transport,
)
from matcher.produce.solver import SOLVER_FLOW, SOLVER_YIELD, solve_produce
from matcher.produce.validator import validate
from matcher.results import FairnessPolicy, SolveStatus

EGG = Product("egg", "ไข่ไก่", "egg", "egg", 14, ("raw", "graded"))


def _egg_round(
    n_raw: int, want: int, yield_bps: int, *, capacity: int = 50_000, cost: int = 10
) -> ProduceProblem:
    """Raw eggs at a farm → a grading line at a packing coop → graded eggs to a shop (bid
    4.00 ฿); 1 satang an egg a km."""
    farm, packer, shop = coop("farm", "banhong"), coop("pack", "pasang"), coop("shop", "lamphun")
    eggs = replace(lot("e1", "farm", n_raw, 250, "raw"), product="egg")
    buy = replace(order("o1", "shop", want, {"graded": 400}), product="egg")
    proc = Processor("grade1", "pack", "egg", "raw", "egg", "graded", capacity, cost, yield_bps)
    return problem(
        [farm, packer, shop],
        [eggs],
        [buy],
        processors=(proc,),
        products=(LONGAN, EGG),
        transport=Transport(cost_satang_per_unit_km=1),
    )


def _legs(matches: tuple[ProduceMatch, ...]) -> dict[tuple[str, str], int]:
    return {(m.source_id, m.target_id): m.quantity for m in matches}


def test_grading_loses_seven_eggs_in_a_hundred() -> None:
    r = solve_valid(_egg_round(1_000, 5_000, 9_300))
    assert _legs(r.matches) == {("e1", "grade1"): 1_000, ("grade1", "o1"): 930}
    assert r.status is SolveStatus.OPTIMAL
    assert r.solver == SOLVER_YIELD
    assert reasons(r, "o1") == ("supply_scarce",)


def test_the_output_is_rounded_down() -> None:
    # 107 raw eggs × 0.93 = 99.51: 99 graded eggs, the fraction is lost (stated rule).
    r = solve_valid(_egg_round(107, 5_000, 9_300))
    assert _legs(r.matches) == {("e1", "grade1"): 107, ("grade1", "o1"): 99}


def test_the_processor_buys_only_what_the_order_takes() -> None:
    # 465 graded eggs wanted: ⌈465 / 0.93⌉ = 500 raw eggs, no more (input costs money).
    r = solve_valid(_egg_round(1_000, 465, 9_300))
    assert _legs(r.matches) == {("e1", "grade1"): 500, ("grade1", "o1"): 465}
    assert reasons(r, "o1") == ("filled",)


def test_capacity_counts_input_units() -> None:
    r = solve_valid(_egg_round(1_000, 5_000, 9_300, capacity=200))
    assert _legs(r.matches) == {("e1", "grade1"): 200, ("grade1", "o1"): 186}
    assert reasons(r, "e1") == ("processing_capacity",)


def test_a_yield_above_one() -> None:
    # 1 kg in, 1.25 units out (e.g. packing with added weight), capacity of input units.
    r = solve_valid(_egg_round(400, 5_000, 12_500))
    assert _legs(r.matches) == {("e1", "grade1"): 400, ("grade1", "o1"): 500}


def test_a_poor_yield_makes_grading_unprofitable() -> None:
    # Raw eggs at 2.50 ฿ plus transport: at 60 % the graded egg costs over 4.17 ฿, bid 4.00.
    r = solve_valid(_egg_round(1_000, 5_000, 6_000))
    assert r.matches == ()
    assert r.status is SolveStatus.OPTIMAL


def test_output_prices_lie_between_what_the_processor_paid_and_the_bid() -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    for rule in ("split", "clearing"):
        r = solve_valid(replace(p, price_rule=rule))  # type: ignore[arg-type]
        into = next(m for m in r.matches if m.target_id == "grade1")
        out = next(m for m in r.matches if m.source_id == "grade1")
        paid = -(-into.price_satang_per_unit * into.quantity // out.quantity)  # per output
        assert paid > into.price_satang_per_unit  # the yield raises the cost of a graded egg
        least = paid + 10 + out.transport_satang // out.quantity
        assert least <= out.price_satang_per_unit <= 400, (rule, paid, out)


def test_unit_yields_keep_the_min_cost_flow_and_its_answer() -> None:
    p = _egg_round(1_000, 5_000, 10_000)
    r = solve_produce(p)
    assert r.solver == SOLVER_FLOW
    assert _legs(r.matches) == {("e1", "grade1"): 1_000, ("grade1", "o1"): 1_000}


def test_a_component_without_yield_keeps_the_flow() -> None:
    # Two area networks: one grades at 93 %, the other sells longan straight; the longan
    # component is solved by the flow exactly as without the other.
    base = _egg_round(1_000, 5_000, 9_300)
    extra_coops = [coop("x", "li"), coop("y", "cm")]
    longan_lot, longan_order = lot("l1", "x", 300, 1_500), order("o2", "y", 200, {"AA": 2_500})
    nets = (
        Network("pv", "จังหวัด", "Province", NetworkLevel.PROVINCE),
        Network("a1", "เขต 1", "Area 1", NetworkLevel.AREA, "pv", ("farm", "pack", "shop")),
        Network("a2", "เขต 2", "Area 2", NetworkLevel.AREA, "pv", ("x", "y")),
    )
    both = replace(
        base,
        coops=base.coops + tuple(extra_coops),
        lots=(*base.lots, longan_lot),
        orders=(*base.orders, longan_order),
        networks=nets,
    )
    alone = replace(
        base, coops=tuple(extra_coops), lots=(longan_lot,), orders=(longan_order,), processors=()
    )
    r_both, r_alone = solve_valid(both), solve_valid(alone)
    longan = [m for m in r_both.matches if m.product == "longan"]
    assert [replace(m, tier="", network_id="") for m in longan] == [
        replace(m, tier="", network_id="") for m in r_alone.matches
    ]
    assert r_both.status is SolveStatus.OPTIMAL


def test_trucks_carry_a_yield() -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    t = Transport(cost_satang_per_unit_km=0, truck_cost_satang=1_000, truck_capacity_units=2_000)
    r = solve_valid(replace(p, transport=t, policy=FairnessPolicy.COVERAGE))
    assert _legs(r.matches) == {("e1", "grade1"): 1_000, ("grade1", "o1"): 930}


def test_the_validator_checks_the_mass_balance() -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    r = solve_valid(p)
    bad = tuple(replace(m, quantity=931) if m.source_id == "grade1" else m for m in r.matches)
    errs = validate(p, replace(r, matches=bad))
    assert any("breaks its yield" in e for e in errs), errs


def test_the_validator_checks_the_output_price() -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    r = solve_valid(p)
    # Priced at the raw egg's price per unit, as if 1 raw egg gave 1 graded egg: too low.
    into = next(m for m in r.matches if m.target_id == "grade1")
    cheap = into.price_satang_per_unit + 10 + 1
    bad = tuple(
        replace(m, price_satang_per_unit=cheap) if m.source_id == "grade1" else m for m in r.matches
    )
    errs = validate(p, replace(r, matches=bad))
    assert any("below what it paid" in e for e in errs), errs


@pytest.mark.parametrize("value", [0, -1, 100_001, True])
def test_a_bad_yield_is_refused_naming_the_field(value: int) -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    bad = replace(p, processors=(replace(p.processors[0], yield_bps=value),))
    with pytest.raises(InputError) as err:
        solve_produce(bad)
    fields = [i.field for i in err.value.issues]
    assert fields == ["processors[0].yield_bps"]
    text = str(err.value.issues[0].message)
    assert "yield" in text and "ผลได้" in text


def test_a_fractional_yield_is_refused() -> None:
    p = _egg_round(1_000, 5_000, 9_300)
    bad = replace(p, processors=(replace(p.processors[0], yield_bps=9_300.5),))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        solve_produce(bad)


def processing_round(seed: int, policy: FairnessPolicy, n_areas: int) -> ProduceProblem:
    """A seeded day where processing pays: lots mostly of the processors' input grades
    (longan B and A, eggs M), orders only for their outputs (longan A and AA, eggs L),
    cheap stock, good bids, yields drawn from 65 %, 93 %, 100 % and 120 %."""
    rng = np.random.default_rng(seed)
    base = random_round(seed, policy, n_coops=6, n_lots=8, n_orders=6, n_areas=n_areas)
    lots = tuple(
        replace(
            x,
            grade="M" if x.product == "egg" else ("B", "A", "B")[int(rng.integers(0, 3))],
            reserve_satang_per_unit=int(rng.integers(200, 700)),
        )
        for x in base.lots
    )
    orders = tuple(
        replace(
            x,
            bids=(GradeBid("L", int(rng.integers(1_200, 2_500))),)
            if x.product == "egg"
            else tuple(GradeBid(g, int(rng.integers(1_200, 2_500))) for g in ("AA", "A")),
        )
        for x in base.orders
    )
    procs = tuple(
        Processor(
            f"p{k}",
            f"c{int(rng.integers(0, 6)):02d}",
            STAGES[k % len(STAGES)][0],
            STAGES[k % len(STAGES)][1],
            STAGES[k % len(STAGES)][2],
            STAGES[k % len(STAGES)][3],
            int(rng.integers(10, 80)),
            int(rng.integers(0, 120)),
            (6_500, 9_300, 10_000, 12_000)[int(rng.integers(0, 4))],
        )
        for k in range(3)
    )
    return replace(base, lots=lots, orders=orders, processors=procs)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    "policy", [FairnessPolicy.MAXMIN, FairnessPolicy.COVERAGE], ids=lambda x: x.value
)
def test_processing_days_against_an_exact_milp(policy: FairnessPolicy, seed: int) -> None:
    p = processing_round(seed, policy, n_areas=2 if seed % 3 == 0 else 0)
    r = solve_valid(p)
    assert r.status is SolveStatus.OPTIMAL, r.notes
    for tier in audit(p, r):
        assert tier.got == tier.best, tier


def test_processing_days_do_process() -> None:
    # The family above exercises the yields: most days ship through a processor whose
    # yield is not one.
    used = 0
    for seed in range(12):
        p = processing_round(seed, FairnessPolicy.MAXMIN, n_areas=0)
        odd = {x.id for x in p.processors if x.yield_bps != 10_000}
        r = solve_produce(p)
        used += any(m.source_id in odd for m in r.matches)
    assert used >= 8


YIELD_FAMILIES = {
    "grading": {"n_procs": 1, "yields": (9_300,)},
    "chain": {"n_procs": 3, "yields": (6_500, 9_300, 12_000), "n_lots": 10},
    "areas": {"n_procs": 4, "n_areas": 2, "scarce": "sellers", "yields": (9_300, 10_000)},
    "coverage": {"n_procs": 2, "yields": (7_500,), "policy": FairnessPolicy.COVERAGE},
}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("family", sorted(YIELD_FAMILIES))
def test_yields_against_an_exact_milp(family: str, seed: int) -> None:
    kw = dict(YIELD_FAMILIES[family])
    policy = kw.pop("policy", FairnessPolicy.MAXMIN)
    p = random_round(seed, policy, **kw)  # type: ignore[arg-type]
    r = solve_valid(p)
    assert r.status is SolveStatus.OPTIMAL, r.notes
    stages = {t.tier: t for t in r.tiers}
    for tier in audit(p, r):
        assert tier.got == tier.best, tier
        if tier.tier in stages:
            assert stages[tier.tier].fairness_score == tier.best.fairness, tier
            assert stages[tier.tier].gains_satang == tier.best.gains, tier


def test_same_input_same_answer() -> None:
    p = random_round(3, n_procs=3, yields=(6_500, 9_300, 12_000), n_lots=10)
    a, b = solve_produce(p), solve_produce(replace(p, lots=tuple(reversed(p.lots))))
    assert a.matches == b.matches


def test_out_of_time_is_not_optimal_and_keeps_the_flow_without_those_processors() -> None:
    # 150 lots and orders, 5,800 lanes, 30 ms: CP-SAT cannot prove the stages; the answer
    # is the flow without the processors whose yield is not one (a full solution), and the
    # result says so.
    p = random_round(
        1, n_coops=30, n_lots=150, n_orders=150, n_procs=3, yields=(9_300, 6_500, 12_000)
    )
    p = replace(p, time_limit_ms=30)
    r = solve_valid(p)
    assert r.status is SolveStatus.TIME_LIMITED
    assert any("processor yields" in n for n in r.notes)
    without = solve_produce(
        replace(p, processors=tuple(x for x in p.processors if x.yield_bps == 10_000))
    )
    assert r.objective.gains_satang >= without.objective.gains_satang


def test_other_products_of_the_same_network_keep_the_flow() -> None:
    # No networks: one national component. Longan travels beside the egg grading line at
    # 93 %; its lanes are a product group of their own and keep the min-cost flow's answer.
    eggs = _egg_round(1_000, 5_000, 9_300)
    longan_lots = (lot("l1", "farm", 300, 1_500), lot("l2", "pack", 200, 1_600))
    longan_orders = (order("o2", "shop", 350, {"AA": 2_500}),)
    both = replace(eggs, lots=eggs.lots + longan_lots, orders=eggs.orders + longan_orders)
    alone = replace(both, lots=longan_lots, orders=longan_orders, processors=())
    r_both, r_alone = solve_valid(both), solve_valid(alone)
    assert [m for m in r_both.matches if m.product == "longan"] == list(r_alone.matches)
    assert r_both.status is SolveStatus.OPTIMAL
