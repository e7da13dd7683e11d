"""Seeded liquidity instance families: province, region and national.

The tree mirrors Thailand's shape: 6 regions, 77 provinces, 928 districts (areas). Coops
either lend or borrow; supply is about 80 % of demand, so fairness and escalation matter.
Amounts are whole baht around 1 M, rates on a 25 bps grid, terms from the usual menu.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from benchmarks.registry import family
from matcher.domain import Coop, Network, NetworkLevel
from matcher.liquidity.model import CoopRules, JointFund, LiquidityProblem, LoanNeed, LoanOffer

TERMS = np.array([30, 45, 60, 90, 120, 180, 365])


def build(
    seed: int, coops: int, orders: int, regions: int, provinces: int, areas: int
) -> LiquidityProblem:
    """A random tree of ``areas`` under ``provinces`` under ``regions`` under one national root."""
    rng = np.random.default_rng(seed)
    nets = [Network("th", "ประเทศ", "National", NetworkLevel.NATIONAL)]
    nets += [
        Network(f"r{i}", f"ภาค {i}", f"Region {i}", NetworkLevel.REGION, "th")
        for i in range(regions)
    ]
    prov_region = rng.integers(0, regions, provinces)
    prov_region[:regions] = np.arange(regions)
    nets += [
        Network(f"p{i}", f"จังหวัด {i}", f"Province {i}", NetworkLevel.PROVINCE, f"r{prov_region[i]}")
        for i in range(provinces)
    ]
    area_prov = rng.integers(0, provinces, areas)
    area_prov[:provinces] = np.arange(provinces)[: min(provinces, areas)]
    coop_area = rng.integers(0, areas, coops)
    members: list[list[str]] = [[] for _ in range(areas)]
    for c, a in enumerate(coop_area.tolist()):
        members[a].append(f"c{c}")
    nets += [
        Network(
            f"a{i}",
            f"อำเภอ {i}",
            f"Area {i}",
            NetworkLevel.AREA,
            f"p{area_prov[i]}",
            tuple(members[i]),
        )
        for i in range(areas)
    ]
    lender = rng.random(coops) < 0.45
    owner = rng.integers(0, coops, orders)
    offers, needs = [], []
    amount = (np.exp(rng.normal(13.5, 0.8, orders)).astype(np.int64) + 10_000) * 100
    rate = 300 + 25 * rng.integers(0, 17, orders)
    term = TERMS[rng.integers(0, TERMS.size, orders)]
    for k in range(orders):
        c = int(owner[k])
        if lender[c]:
            cap = int(amount[k] // 2) if rng.random() < 0.2 else None
            offers.append(
                LoanOffer(
                    f"o{k}",
                    f"c{c}",
                    int(amount[k] * 1.2),
                    int(rate[k]) - 75,
                    int(term[k]) * 2,
                    cap,
                    k,
                )
            )
        else:
            minimum = int(amount[k] // 2) if rng.random() < 0.3 else 0
            needs.append(
                LoanNeed(
                    f"n{k}",
                    f"c{c}",
                    int(amount[k]),
                    int(rate[k]) + 75,
                    int(term[k]),
                    minimum,
                    int(rng.integers(1, 6)),
                    k,
                )
            )
    rules = []
    for c in range(coops):
        roll = rng.random()
        if lender[c] and roll < 0.3:
            rules.append(
                CoopRules(
                    f"c{c}",
                    liquid_funds_satang=int(amount.mean() * 2.5),
                    reserve_satang=int(amount.mean() // 2),
                )
            )
        elif not lender[c] and roll < 0.5:
            rules.append(
                CoopRules(
                    f"c{c}",
                    borrowing_limit_satang=int(amount.mean() * 3),
                    max_lenders_per_need=3 if roll < 0.3 else None,
                )
            )
    coop_list = tuple(Coop(f"c{c}", f"สหกรณ์ {c}", f"Coop {c}") for c in range(coops))
    fund = JointFund("joint-fund", "th", int(amount.sum() // 50), 650)
    return LiquidityProblem(coop_list, tuple(nets), tuple(offers), tuple(needs), tuple(rules), fund)


@family("liquidity", "province-150", seed=11, target_ms=50)
def province(seed: int) -> LiquidityProblem:
    """Province: 150 coops, 400 orders, 8 districts."""
    return build(seed, 150, 400, 1, 1, 8)


@family("liquidity", "region-2000", seed=12, target_ms=None)
def region(seed: int) -> LiquidityProblem:
    """Region: 2,000 coops, 10,000 orders, 9 provinces, 112 districts."""
    return build(seed, 2_000, 10_000, 1, 9, 112)


@family("liquidity", "national-12000", seed=13, target_ms=3000)
def national(seed: int) -> LiquidityProblem:
    """National: 12,000 coops, 60,000 orders, 6 regions, 77 provinces, 928 districts."""
    return build(seed, 12_000, 60_000, 6, 77, 928)


def smoke(seed: int) -> LiquidityProblem:
    """A small stand-in for smoke runs (a short time limit: some seeds reach the exact
    CP-SAT path, which would otherwise use its whole default budget)."""
    return replace(build(seed, 60, 150, 2, 3, 6), time_limit_ms=1_000)
