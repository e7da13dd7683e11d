"""Liquidity injection: least cash, where it goes, the cheapest mix, the curve."""

from __future__ import annotations

from setoff_cases import problem, solve_valid

from matcher.setoff.model import LiquiditySource


def test_chain_needs_its_head_funded() -> None:
    # a owes b 100, b owes c 100: 100 baht at a settles both (200 cleared).
    r = solve_valid(problem([("a", "b", 100), ("b", "c", 100)], cash_points_satang=(50,)))
    inj = r.injection
    assert inj.settle_all_satang == 100
    assert [(n.coop_id, n.amount_satang) for n in inj.cash_needs] == [("a", 100)]
    assert [(p.cash_satang, p.cleared_satang) for p in inj.curve] == [
        (0, 0),
        (25, 50),
        (50, 100),
        (75, 150),
        (100, 200),
    ]


def test_cash_goes_to_the_longest_chain_first() -> None:
    # long chain a→b→c→d (30 each) and a short one e→f (30): first 30 cash clears 90.
    r = solve_valid(
        problem(
            [("a", "b", 30), ("b", "c", 30), ("c", "d", 30), ("e", "f", 30)],
            cash_points_satang=(30, 45),
            curve_steps=0,
        )
    )
    assert [(p.cash_satang, p.cleared_satang) for p in r.injection.curve] == [
        (0, 0),
        (30, 90),
        (45, 105),
        (60, 120),
    ]


def test_cheapest_mix_and_shortfall() -> None:
    sources = (
        LiquiditySource("fund", 1_000, 200),
        LiquiditySource("lender-b", 300, 150, "b"),
        LiquiditySource("lender-a", 300, 150, "a"),
    )
    r = solve_valid(problem([("a", "b", 500), ("b", "c", 800)], sources))
    inj = r.injection
    assert inj.settle_all_satang == 800
    assert [(d.source_id, d.amount_satang) for d in inj.draws] == [
        ("lender-a", 300),
        ("lender-b", 300),
        ("fund", 200),
    ]
    assert inj.available_satang == 1_600
    assert inj.shortfall_satang == 0
    assert inj.annual_cost_satang == 4 + 4 + 4  # 300·1.5 %, 300·1.5 %, 200·2 %
    short = solve_valid(problem([("a", "b", 5_000)], sources[:1]))
    assert short.injection.shortfall_satang == 4_000
    assert 1_000 in [p.cash_satang for p in short.injection.curve]


def test_cash_beyond_settle_all_clears_everything() -> None:
    r = solve_valid(problem([("a", "b", 10), ("b", "a", 4)], cash_points_satang=(10**6,)))
    assert r.injection.curve[-1].cleared_satang == 14
    assert r.injection.curve[-1].cleared_share_bps == 10_000
