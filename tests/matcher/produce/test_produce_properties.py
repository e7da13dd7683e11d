"""Hypothesis properties: the validator holds, the LP oracle agrees, input order is irrelevant."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from produce_cases import DAY, LONGAN, PLACES, coop, lot, lp_gains, order, problem, solve_valid

from matcher.domain import Network, NetworkLevel
from matcher.produce.model import PriceRule, Processor, ProduceProblem, Transport
from matcher.produce.solver import solve_produce
from matcher.results import FairnessPolicy

GRADES = LONGAN.grades
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def rounds(draw: st.DrawFn, policy: FairnessPolicy | None = None) -> ProduceProblem:
    places = sorted(PLACES)
    n = draw(st.integers(2, 5))
    coops = [coop(f"c{i}", draw(st.sampled_from(places))) for i in range(n)]
    coops = [replace(c, lat_e5=(c.lat_e5 or 0) + draw(st.integers(-3000, 3000))) for c in coops]
    lots = []
    for i in range(draw(st.integers(1, 5))):
        ready = DAY + timedelta(days=draw(st.integers(-3, 1)))
        lots.append(
            lot(
                f"l{i}",
                f"c{draw(st.integers(0, n - 1))}",
                draw(st.integers(1, 400)),
                draw(st.integers(0, 2500)),
                draw(st.sampled_from(GRADES)),
                ready_date=ready,
                expiry_date=ready + timedelta(days=draw(st.integers(0, 5))),
                spoilage_satang_per_unit_day=draw(st.integers(0, 200)),
            )
        )
    orders = []
    for j in range(draw(st.integers(1, 5))):
        gs = draw(st.lists(st.sampled_from(GRADES), min_size=1, max_size=4, unique=True))
        q = draw(st.integers(1, 400))
        orders.append(
            order(
                f"o{j}",
                f"c{draw(st.integers(0, n - 1))}",
                q,
                {g: draw(st.integers(1, 3000)) for g in gs},
                deliver_by=DAY + timedelta(days=draw(st.integers(0, 3))),
                min_lot_units=draw(st.sampled_from([0, 0, q // 2])),
            )
        )
    t = Transport(
        cost_satang_per_unit_km=draw(st.integers(0, 5)),
        km_per_day=draw(st.sampled_from([20, 400])),
        max_distance_m=draw(st.sampled_from([40_000, 300_000])),
    )
    pol = policy or draw(st.sampled_from(list(FairnessPolicy)))
    rule = draw(st.sampled_from(list(PriceRule)))
    return problem(coops, lots, orders, transport=t, policy=pol, price_rule=rule)


@st.composite
def chain_rounds(draw: st.DrawFn) -> ProduceProblem:
    """Rounds with a network tree and midstream processors (re-grading C → B, B → A)."""
    p = draw(rounds())
    ids = [c.id for c in p.coops]
    cut = draw(st.integers(1, len(ids)))
    nets = (
        Network("prov", "จังหวัด", "Province", NetworkLevel.PROVINCE),
        Network("x", "เขต x", "Area x", NetworkLevel.AREA, "prov", tuple(ids[:cut])),
        Network("y", "เขต y", "Area y", NetworkLevel.AREA, "prov", tuple(ids[cut:])),
    )
    procs = []
    for k, (g_in, g_out) in enumerate([("C", "B"), ("B", "A")]):
        if draw(st.booleans()):
            procs.append(
                Processor(
                    f"p{k}",
                    draw(st.sampled_from(ids)),
                    "longan",
                    g_in,
                    "longan",
                    g_out,
                    draw(st.integers(1, 300)),
                    draw(st.integers(0, 300)),
                )
            )
    return replace(p, networks=nets, processors=tuple(procs))


@FAST
@given(chain_rounds())
def test_chains_and_tiers_are_valid(p: ProduceProblem) -> None:
    """Flow conservation at every processor, capacities and tiers hold (validator)."""
    r = solve_valid(p)
    assert {m.tier for m in r.matches} <= {"area", "province"}


@FAST
@given(rounds())
def test_result_is_valid(p: ProduceProblem) -> None:
    """Conservation, no over-sale or over-fill, no expired lot, prices in bounds (validator)."""
    r = solve_valid(p)
    for m in r.matches:
        assert m.quantity > 0


@FAST
@given(rounds(policy=FairnessPolicy.COVERAGE))
def test_gains_match_the_lp_oracle(p: ProduceProblem) -> None:
    p = replace(p, orders=tuple(replace(o, min_lot_units=0) for o in p.orders))
    r = solve_valid(p)
    assert r.objective.gains_satang == lp_gains(p)


@FAST
@given(rounds(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(p: ProduceProblem, rnd: object) -> None:
    shuffle = rnd.shuffle  # type: ignore[attr-defined]
    lots, orders, coops = list(p.lots), list(p.orders), list(p.coops)
    shuffle(lots)
    shuffle(orders)
    shuffle(coops)
    q = replace(p, lots=tuple(lots), orders=tuple(orders), coops=tuple(coops))
    a, b = solve_produce(p), solve_produce(q)
    assert a.matches == b.matches and a.explanations == b.explanations
    assert a.objective == b.objective
