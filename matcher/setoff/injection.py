"""Liquidity injection: how much debt injected cash clears, the least cash that settles
everything, and the cheapest mix of liquidity sources to supply it.

Model. Cash c_v ≥ 0 injected at coop v lets it pay its debts; a creditor that is paid may pay
its own creditors with the same cash. Let x_e ≤ a_e be the part of obligation e discharged
(set off or paid). Any x is achievable with injected cash C when

    Σ_v max(0, d_v) ≤ C,   d_v = Σ_{e out of v} x_e − Σ_{e into v} x_e,

because x splits into cycles (set off, no cash) and paths from coops with d_v > 0 to coops
with d_v < 0 (paid along the path, d_v injected at the start, in the path's order). So

    cleared(C) = max Σ_e x_e  subject to the inequality above and 0 ≤ x_e ≤ a_e,

a min-cost flow: obligation arcs with capacity a_e and unit cost −1, a source S sending C
to the coops (S → v, capacity min(C, Σ_out a)), every coop passing what it keeps to a sink T
(v → T, capacity Σ_in a), and an S → T arc for unused cash. cleared(0) is the set-off alone;
cleared(C) is concave and non-decreasing, cleared(C) ≥ min(gross, cleared(0) + C), and it
reaches the gross debt exactly at C = Σ_v max(0, −b_v), the net internal debt: each unit of
net debt must arrive as cash, and after the optimal set-off the remaining debts form no
cycle, so injecting each net debtor's net debt and paying in topological order settles all.

Sources are drawn cheapest rate first (ties by id) up to that amount. Which source lends to
which coop is left to the liquidity matcher.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.money import ratio_bps, simple_interest_satang
from matcher.setoff.graph import SetoffGraph, net_internal_debt
from matcher.setoff.model import (
    CashNeed,
    CurvePoint,
    InjectionResult,
    SetoffProblem,
    SourceDraw,
)

_MCF = min_cost_flow.SimpleMinCostFlow


class InjectionSolverError(RuntimeError):
    """The flow solver reported a status that a valid model cannot produce."""


def analyse_injection(problem: SetoffProblem, graph: SetoffGraph, cleared0: int) -> InjectionResult:
    """Least cash to settle all, where it is needed, the cheapest mix and the curve.

    Args:
        problem: the checked problem (sources, cash points, curve steps).
        graph: its canonical arrays.
        cleared0: what set-off alone clears (the curve at zero cash).
    """
    net = graph.net_positions()
    settle_all = net_internal_debt(net)
    needs = tuple(
        CashNeed(graph.coop_ids[v], int(-net[v])) for v in np.flatnonzero(net < 0).tolist()
    )
    draws = cheapest_mix(problem, settle_all)
    available = sum(s.amount_satang for s in problem.sources)
    steps = problem.curve_steps
    points = sorted(
        set(problem.cash_points_satang)
        | {settle_all * k // steps for k in range(1, steps)}
        | ({min(available, settle_all)} if problem.sources else set())
        | {0, settle_all}
    )
    gross = int(graph.amounts.sum())
    curve = tuple(
        CurvePoint(c, v, ratio_bps(v, gross))
        for c in points
        for v in [cleared_with_cash(graph, c, cleared0, settle_all)]
    )
    return InjectionResult(
        settle_all_satang=settle_all,
        cash_needs=needs,
        available_satang=available,
        shortfall_satang=max(0, settle_all - available),
        draws=draws,
        annual_cost_satang=sum(d.annual_cost_satang for d in draws),
        curve=curve,
    )


def cheapest_mix(problem: SetoffProblem, wanted: int) -> tuple[SourceDraw, ...]:
    """Draw up to ``wanted`` satang from the sources, lowest rate first, ties by id.

    >>> from matcher.setoff.model import LiquiditySource
    >>> p = SetoffProblem((), (), sources=(LiquiditySource("f", 500, 200),
    ...     LiquiditySource("b", 300, 100), LiquiditySource("a", 300, 200)))
    >>> [(d.source_id, d.amount_satang) for d in cheapest_mix(p, 700)]
    [('b', 300), ('a', 300), ('f', 100)]
    """
    out: list[SourceDraw] = []
    left = wanted
    for src in sorted(problem.sources, key=lambda s: (s.rate_bps, s.id)):
        if left <= 0:
            break
        take = min(left, src.amount_satang)
        out.append(
            SourceDraw(src.id, take, src.rate_bps, simple_interest_satang(take, src.rate_bps, 365))
        )
        left -= take
    return tuple(out)


def cleared_with_cash(graph: SetoffGraph, cash: int, cleared0: int, settle_all: int) -> int:
    """cleared(C): most debt discharged by set-off plus ``cash`` injected where best."""
    if cash == 0:
        return cleared0
    gross = int(graph.amounts.sum())
    if cash >= settle_all:
        return gross
    n, m = graph.n_nodes, graph.amounts.size
    owes = np.zeros(n, dtype=np.int64)
    owed = np.zeros(n, dtype=np.int64)
    np.add.at(owes, graph.tails, graph.amounts)
    np.add.at(owed, graph.heads, graph.amounts)
    src, sink = n, n + 1
    nodes = np.arange(n, dtype=np.int64)
    tails = np.concatenate([graph.tails, np.full(n, src), nodes, [src]])
    heads = np.concatenate([graph.heads, nodes, np.full(n, sink), [sink]])
    caps = np.concatenate([graph.amounts, np.minimum(owes, cash), owed, [cash]])
    costs = np.concatenate([np.full(m, -1), np.zeros(2 * n + 1, dtype=np.int64)])
    smcf = _MCF()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64), heads.astype(np.int64), caps.astype(np.int64), costs
    )
    smcf.set_node_supply(src, cash)
    smcf.set_node_supply(sink, -cash)
    status = smcf.solve()
    if status != _MCF.OPTIMAL:
        raise InjectionSolverError(f"injection min-cost flow ended with status {status!r}")
    return int(-smcf.optimal_cost())
