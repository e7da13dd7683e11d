"""Small builders and Hypothesis strategies for liquidity problems."""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import strategies as st

from matcher.domain import Coop, Network, NetworkLevel
from matcher.liquidity.model import (
    CoopRules,
    JointFund,
    LiquidityProblem,
    LiquidityResult,
    LoanNeed,
    LoanOffer,
)
from matcher.liquidity.solver import solve_liquidity
from matcher.liquidity.validator import assert_valid
from matcher.results import FairnessPolicy

BAHT = 100


def coops(*ids: str) -> tuple[Coop, ...]:
    return tuple(Coop(i, f"สหกรณ์ {i}", f"Coop {i}") for i in ids)


def one_network(*ids: str, posted: int | None = None) -> tuple[Network, ...]:
    return (Network("net", "เครือข่าย", "Network", NetworkLevel.PROVINCE, None, ids, posted),)


def problem(
    offers: list[LoanOffer],
    needs: list[LoanNeed],
    rules: list[CoopRules] | None = None,
    networks: tuple[Network, ...] | None = None,
    **kw: Any,
) -> LiquidityProblem:
    ids = sorted({o.lender for o in offers} | {n.borrower for n in needs})
    extra = [r.coop_id for r in rules or []]
    extra += [m for n in networks or () for m in n.members]
    ids = sorted(set(ids) | set(extra))
    return LiquidityProblem(
        coops=coops(*ids),
        networks=networks if networks is not None else one_network(*ids),
        offers=tuple(offers),
        needs=tuple(needs),
        rules=tuple(rules or ()),
        **kw,
    )


def solve_valid(p: LiquidityProblem) -> LiquidityResult:
    """Solve and validate (every test that solves goes through here)."""
    r = solve_liquidity(p)
    assert_valid(p, r)
    return r


def filled(r: LiquidityResult, need_id: str) -> int:
    return sum(p.amount_satang for p in r.proposals if p.need_id == need_id)


def lent(r: LiquidityResult, offer_id: str) -> int:
    return sum(p.amount_satang for p in r.proposals if p.offer_id == offer_id)


def reasons(r: LiquidityResult, order_id: str) -> tuple[str, ...]:
    return next(e.reasons for e in r.explanations if e.order_id == order_id)


@st.composite
def tree_problems(draw: st.DrawFn, *, tiers: bool = True, max_coops: int = 8) -> LiquidityProblem:
    """Random problems: 2–max_coops coops, optional two areas under a province + national."""
    n = draw(st.integers(2, max_coops))
    ids = [f"c{i}" for i in range(n)]
    lenders = set(draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n - 1, unique=True)))
    offers, needs = [], []
    for i, cid in enumerate(ids):
        for k in range(draw(st.integers(1, 2))):
            amount = draw(st.integers(1, 40)) * 10_000
            if cid in lenders:
                cap = draw(st.one_of(st.none(), st.integers(1, 40).map(lambda v: v * 10_000)))
                offers.append(
                    LoanOffer(
                        f"o{i}{k}",
                        cid,
                        amount,
                        draw(st.sampled_from([300, 400, 500])),
                        draw(st.sampled_from([30, 90, 180])),
                        cap,
                        draw(st.integers(0, 20)),
                    )
                )
            else:
                minimum = draw(st.sampled_from([0, 0, amount // 2, amount]))
                needs.append(
                    LoanNeed(
                        f"n{i}{k}",
                        cid,
                        amount,
                        draw(st.sampled_from([350, 450, 550])),
                        draw(st.sampled_from([30, 60, 120])),
                        minimum,
                        draw(st.integers(1, 5)),
                        draw(st.integers(0, 20)),
                    )
                )
    rules = []
    for cid in ids:
        if draw(st.booleans()):
            rules.append(
                CoopRules(
                    cid,
                    may_lend=draw(st.sampled_from([True, True, True, False])),
                    may_borrow=draw(st.sampled_from([True, True, True, False])),
                    borrowing_limit_satang=draw(
                        st.one_of(st.none(), st.integers(0, 60).map(lambda v: v * 10_000))
                    ),
                    liquid_funds_satang=draw(
                        st.one_of(st.none(), st.integers(0, 60).map(lambda v: v * 10_000))
                    ),
                    reserve_satang=draw(st.integers(0, 10)) * 10_000,
                    max_lenders_per_need=draw(st.one_of(st.none(), st.integers(1, 3))),
                )
            )
    policy = draw(st.sampled_from(list(FairnessPolicy)))
    if tiers and n >= 4:
        split = draw(st.integers(1, n - 1))
        networks = (
            Network("nat", "ประเทศ", "National", NetworkLevel.NATIONAL),
            Network("prov", "จังหวัด", "Province", NetworkLevel.PROVINCE, "nat"),
            Network("a1", "พื้นที่ 1", "Area 1", NetworkLevel.AREA, "prov", tuple(ids[:split])),
            Network("a2", "พื้นที่ 2", "Area 2", NetworkLevel.AREA, "prov", tuple(ids[split:])),
        )
        fund = draw(st.one_of(st.none(), st.just(JointFund("fund", "nat", 200_000, 500))))
    else:
        networks, fund = one_network(*ids), None
    return LiquidityProblem(
        coops(*ids), networks, tuple(offers), tuple(needs), tuple(rules), fund, policy
    )


def shuffled(p: LiquidityProblem, perm: list[int]) -> LiquidityProblem:
    """The same problem with every list reordered by ``perm`` (cycled)."""

    def mix(items: tuple[Any, ...]) -> tuple[Any, ...]:
        keyed = sorted(enumerate(items), key=lambda kv: perm[kv[0] % len(perm)] * 1000 + kv[0])
        return tuple(v for _, v in keyed)

    return dataclasses.replace(
        p,
        coops=mix(p.coops),
        networks=tuple(dataclasses.replace(n, members=mix(n.members)) for n in mix(p.networks)),
        offers=mix(p.offers),
        needs=mix(p.needs),
        rules=mix(p.rules),
    )
