"""The first-come-first-served baseline: how coordinators allocate by phone today.

Level by level (area first, like the phone tree), needs are served in order of arrival; each
takes from the earliest-arrived compatible offers in its network until it is full, its lender
count is reached or the offers run out. A need that cannot reach its minimum useful amount
takes nothing. It obeys every rule the optimiser obeys, so both answers pass the validator.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from matcher.liquidity.checks import check_problem
from matcher.liquidity.explain import explain
from matcher.liquidity.model import LiquidityProblem, LiquidityResult, LoanProposal
from matcher.liquidity.solver import objective_of
from matcher.liquidity.state import I64, LiquidityState, build_state
from matcher.money import midpoint_rate_bps
from matcher.results import RateRule, SolveStatus, Timings

SOLVER_NAME = "greedy-first-come-first-served"


def solve_greedy(problem: LiquidityProblem) -> LiquidityResult:
    """Allocate in order of arrival (ties by id), tier by tier, respecting every rule."""
    tree = check_problem(problem)
    st = build_state(problem, tree)
    net_ids = sorted(st.net_index, key=st.net_index.__getitem__)
    need_order = sorted(range(len(st.need_ids)), key=lambda n: (st.need_arrival[n], st.need_ids[n]))
    offer_order = sorted(
        range(len(st.offer_ids)), key=lambda o: (st.offers[o].arrival, st.offer_ids[o])
    )
    proposals: list[LoanProposal] = []
    for level in tree.levels():
        at = st.coop_net_at[level]
        by_net = _offers_by_network(st, offer_order, at)
        for n in need_order:
            comp = int(at[st.need_borrower[n]])
            if comp < 0 or comp not in by_net:
                continue
            posted = tree.networks[net_ids[comp]].posted_rate_bps
            rule_rate = posted if problem.rate_rule is RateRule.POSTED else None
            takes = _takes(st, n, by_net[comp], rule_rate)
            for o, x, rate in takes:
                st.lend(o, n, x)
                proposals.append(st.proposal(o, n, x, rate, level, net_ids[comp]))
            if any(st.off_rem[o] <= 0 for o, _, _ in takes):
                # Drop used-up offers only when one ran out (rebuilding per need is quadratic).
                open_offers = by_net[comp]
                by_net[comp] = open_offers[st.off_rem[open_offers] > 0]
    proposals.sort(key=lambda p: (p.need_id, p.offer_id, p.tier))
    return LiquidityResult(
        status=SolveStatus.FEASIBLE,
        policy=problem.policy,
        rate_rule=problem.rate_rule,
        proposals=tuple(proposals),
        explanations=explain(problem, st),
        objective=objective_of(problem, proposals),
        solver=SOLVER_NAME,
        timings=Timings(0, 0, 0),
    )


def _offers_by_network(st: LiquidityState, offer_order: list[int], at: I64) -> dict[int, I64]:
    """Open offers of each network at this level, in arrival order."""
    by_net: dict[int, list[int]] = defaultdict(list)
    for o in offer_order:
        if at[st.off_lender[o]] >= 0 and st.off_rem[o] > 0:
            by_net[int(at[st.off_lender[o]])].append(o)
    return {net: np.asarray(offers, dtype=np.int64) for net, offers in by_net.items()}


def _takes(
    st: LiquidityState, n: int, candidates: I64, posted: int | None
) -> list[tuple[int, int, int]]:
    """What need ``n`` would take, in arrival order; empty if its minimum is out of reach."""
    b = int(st.need_borrower[n])
    if not st.may_borrow[b]:
        return []
    room = min(int(st.need_amount[n] - st.need_filled[n]), int(st.borrow_rem[b]))
    slots = int(st.max_lenders[b] - st.need_lenders[n])
    lender_used: dict[int, int] = defaultdict(int)
    out: list[tuple[int, int, int]] = []
    for o in _prefiltered(st, n, candidates):
        if room <= 0 or len(out) >= slots:
            break
        rate = _rate(st, o, n, posted)
        lender = int(st.off_lender[o])
        if rate is None or st.need_term[n] > st.off_term[o] or not st.may_lend[lender]:
            continue
        cap = int(st.off_cap[o]) - st.exposure.get(o, b)
        lendable = int(st.lend_rem[lender]) - lender_used[lender]
        x = min(room, int(st.off_rem[o]), lendable, cap)
        if x > 0:
            out.append((o, x, rate))
            lender_used[lender] += x
            room -= x
    if st.need_filled[n] == 0 and sum(t[1] for t in out) < st.need_min[n]:
        return []
    return out


CHUNK = 256
"""Candidates pre-filtered at a time: a need usually fills from the first few offers."""


def _prefiltered(st: LiquidityState, n: int, candidates: I64) -> Iterator[int]:
    """Candidates in order that pass the term and the rate bound every rule shares,
    filtered with array operations one chunk at a time (a need rarely reads them all)."""
    term, rate = st.need_term[n], st.need_rate[n]
    for start in range(0, candidates.size, CHUNK):
        block = candidates[start : start + CHUNK]
        yield from block[(st.off_term[block] >= term) & (st.off_rate[block] <= rate)].tolist()


def _rate(st: LiquidityState, o: int, n: int, posted: int | None) -> int | None:
    low, high = int(st.off_rate[o]), int(st.need_rate[n])
    if st.off_is_fund[o]:
        return low if low <= high else None
    if posted is not None:
        return posted if low <= posted <= high else None
    return midpoint_rate_bps(low, high) if low <= high else None
