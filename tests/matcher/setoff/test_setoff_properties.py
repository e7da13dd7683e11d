"""Hypothesis properties on random debt graphs, checked against an independent LP."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from setoff_cases import lp_cleared, random_problems, solve_valid

from matcher.setoff.model import LiquiditySource, SetoffProblem
from matcher.setoff.validator import bilateral_cleared


@settings(max_examples=150, deadline=None)
@given(random_problems())
def test_setoff_is_valid_and_optimal(p: SetoffProblem) -> None:
    r = solve_valid(p)  # net positions, 0 ≤ set-off ≤ amount, no new edges, totals
    assert abs(lp_cleared(p) - r.totals.cleared_satang) <= 1e-6 * max(1, r.totals.gross_satang)
    assert r.totals.cleared_satang >= bilateral_cleared(p)
    assert r.totals.remaining_satang >= r.totals.net_internal_satang


@settings(max_examples=100, deadline=None)
@given(random_problems(), st.randoms(use_true_random=False))
def test_output_does_not_depend_on_input_order(p: SetoffProblem, rnd: random.Random) -> None:
    obs, cos = list(p.obligations), list(p.coops)
    rnd.shuffle(obs)
    rnd.shuffle(cos)
    shuffled = SetoffProblem(tuple(cos), tuple(obs), curve_steps=3)
    a = solve_valid(SetoffProblem(p.coops, p.obligations, curve_steps=3))
    b = solve_valid(shuffled)
    assert (a.notices, a.totals, a.injection) == (b.notices, b.totals, b.injection)


@settings(max_examples=80, deadline=None)
@given(random_problems(max_coops=6, max_edges=12), st.integers(0, 20_000))
def test_injection_curve_matches_the_lp(p: SetoffProblem, cash: int) -> None:
    q = SetoffProblem(p.coops, p.obligations, cash_points_satang=(cash,), curve_steps=2)
    r = solve_valid(q)
    for point in r.injection.curve:
        expected = lp_cleared(q, point.cash_satang)
        assert abs(expected - point.cleared_satang) <= 1e-6 * max(1, r.totals.gross_satang)


@settings(max_examples=60, deadline=None)
@given(random_problems())
def test_curve_is_concave(p: SetoffProblem) -> None:
    r = solve_valid(SetoffProblem(p.coops, p.obligations, curve_steps=8))
    pts = [(c.cash_satang, c.cleared_satang) for c in r.injection.curve]
    for (x0, y0), (x1, y1), (x2, y2) in zip(pts, pts[1:], pts[2:], strict=False):
        # slope (x0→x1) ≥ slope (x1→x2), cross-multiplied to stay in integers
        assert (y1 - y0) * (x2 - x1) >= (y2 - y1) * (x1 - x0)


@st.composite
def problems_with_sources(draw: st.DrawFn) -> SetoffProblem:
    """Random debt graphs plus random liquidity sources and cash points."""
    p = draw(random_problems())
    ids = [c.id for c in p.coops]
    n_src = draw(st.integers(0, 4))
    sources = tuple(
        LiquiditySource(
            f"s{k}",
            draw(st.integers(1, 20_000)),
            draw(st.integers(0, 1_000)),
            draw(st.one_of(st.none(), st.sampled_from(ids))),
        )
        for k in range(n_src)
    )
    cash = tuple(draw(st.lists(st.integers(0, 50_000), max_size=3)))
    return SetoffProblem(p.coops, p.obligations, sources, cash, draw(st.integers(0, 5)))


@settings(max_examples=100, deadline=None)
@given(problems_with_sources())
def test_injection_with_sources_is_valid(p: SetoffProblem) -> None:
    r = solve_valid(p)  # least cash, cash needs, cheapest mix, curve bounds and shape
    inj = r.injection
    assert inj.settle_all_satang == r.totals.net_internal_satang
    assert sum(d.amount_satang for d in inj.draws) == min(
        inj.settle_all_satang, inj.available_satang
    )
    assert {c.cash_satang for c in inj.curve} >= set(p.cash_points_satang)
