"""Check a funding plan without the solver: limits, service level and cost recomputed.

For given sizes the cheapest way to cover a served day is the *merit order*: the joint
fund first (already paid for), then the lines by ascending ``interest − fee``, ties by
source id. A day ``p`` of network ``n`` is served when ``R_{n,p} ≤ F_n + Σ_k L_{k,n}``.
The expected season cost is::

    Σ_n ρ_n·D/365·F_n + Σ_{k,n} φ_k·D/365·L_{k,n}
        + (1/S) Σ_{served p} Σ_k (i_k − φ_k)/365 · draw_{k,p}

which is the LP's objective at its optimum (the LP draws in merit order too).
"""

from __future__ import annotations

import numpy as np

from matcher.funding.model import BPS, FundingPlan, FundingProblem, Source

DAYS_PER_YEAR = 365
COST_TOLERANCE_SATANG = 100.0
"""Rounding every size up to a whole baht may move the cost by a little; a plan's LP cost
and its recomputed cost must agree within one baht per size (see :func:`check_plan`)."""


def _capacity(
    problem: FundingProblem, fund: dict[str, int], lines: dict[tuple[str, str], int]
) -> dict[str, int]:
    return {
        n: fund.get(n, 0) + sum(v for (_, m), v in lines.items() if m == n)
        for n in problem.networks
    }


def served_share(
    problem: FundingProblem, fund: dict[str, int], lines: dict[tuple[str, str], int]
) -> dict[str, int]:
    """Network → share of sampled days whose requirement the buffer covers, in bps."""
    cap = _capacity(problem, fund, lines)
    out = {}
    for j, n in enumerate(problem.networks):
        req = problem.requirement[:, :, j]
        out[n] = int(np.count_nonzero(req <= cap[n]) * BPS // req.size)
    return out


def merit_order(sources: list[Source]) -> list[Source]:
    """Lines in the order they are drawn: cheapest extra cost of drawing first."""
    return sorted(sources, key=lambda s: (s.interest_bps - s.commitment_fee_bps, s.id))


def plan_cost(
    problem: FundingProblem, fund: dict[str, int], lines: dict[tuple[str, str], int]
) -> float:
    """Expected season cost in satang of the given sizes (see the module docstring)."""
    year = problem.days / DAYS_PER_YEAR / BPS
    rho = {f.network: f.return_forgone_bps for f in problem.funds}
    fee = {s.id: s.commitment_fee_bps for s in problem.sources}
    cost = sum(rho.get(n, 0) * year * v for n, v in fund.items())
    cost += sum(fee[k] * year * v for (k, _), v in lines.items())
    cap = _capacity(problem, fund, lines)
    for j, n in enumerate(problem.networks):
        req = problem.requirement[:, :, j]
        served = req[(req > 0) & (req <= cap[n])].astype(np.float64)
        left = np.maximum(0.0, served - fund.get(n, 0))
        for s in merit_order([s for s in problem.sources if s.serves(n)]):
            draw = np.minimum(left, lines.get((s.id, n), 0))
            rate = (s.interest_bps - s.commitment_fee_bps) / DAYS_PER_YEAR / BPS
            cost += rate * float(draw.sum()) / problem.samples
            left -= draw
    return float(cost)


def check_plan(problem: FundingProblem, plan: FundingPlan) -> list[str]:
    """What is wrong with ``plan`` (empty: valid): negative or over-limit sizes, a lines
    of a source that may not serve the network, service below target, a cost that differs
    from the recomputed one."""
    wrong: list[str] = []
    limits = {f.network: f.limit_satang for f in problem.funds}
    for n, v in plan.fund_satang.items():
        lim = limits.get(n)
        if v < 0 or (lim is not None and v > lim + 100):
            wrong.append(f"fund[{n}] = {v}")
    by_id = {s.id: s for s in problem.sources}
    for (k, n), v in plan.lines_satang.items():
        if v < 0 or not by_id[k].serves(n):
            wrong.append(f"line[{k},{n}] = {v}")
    for s in problem.sources:
        total = sum(v for (k, _), v in plan.lines_satang.items() if k == s.id)
        if s.limit_satang is not None and total > s.limit_satang + 100 * len(problem.networks):
            wrong.append(f"source_limit[{s.id}]: {total} > {s.limit_satang}")
    share = served_share(problem, plan.fund_satang, plan.lines_satang)
    for n, bps in share.items():
        if bps < problem.target_bps:
            wrong.append(f"service[{n}]: {bps} bps < target {problem.target_bps}")
        if plan.service_bps.get(n) != bps:
            wrong.append(f"service[{n}] reported {plan.service_bps.get(n)} ≠ {bps}")
    cost = plan_cost(problem, plan.fund_satang, plan.lines_satang)
    if round(cost) != plan.cost_satang:
        wrong.append(f"cost reported {plan.cost_satang} ≠ recomputed {cost:.0f}")
    sizes = len(plan.fund_satang) + len(plan.lines_satang)
    if abs(cost - plan.lp_cost) > COST_TOLERANCE_SATANG * max(1, sizes):
        wrong.append(f"LP cost {plan.lp_cost:.0f} ≠ recomputed {cost:.0f}")
    return wrong
