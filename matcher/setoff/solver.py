"""The set-off solver: multilateral trade-credit set-off (MTCS) as one min-cost flow.

Model. Obligation e from debtor u to creditor v has amount a_e; every coop has the net
position b_v = Σ_{e into v} a_e − Σ_{e out of v} a_e. Choose what remains of each
obligation, r_e, so that

    minimise   Σ_e r_e
    subject to Σ_{e into v} r_e − Σ_{e out of v} r_e = b_v   for every coop v  (positions kept)
               0 ≤ r_e ≤ a_e                                  for every obligation (no new debt)

and set off s_e = a_e − r_e. This is a min-cost flow: arc e from debtor to creditor with
capacity a_e and unit cost 1, node supply −b_v. The original debts are a feasible flow, so
the problem always has a solution; at the optimum the remaining obligations contain no
cycle. Σ_e r_e ≥ Σ_v max(0, −b_v) (the net internal debt).

Obligations of the same debtor and creditor share one arc; the pair's set-off goes to the
one due first, then the next (undated last, ties by id).
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.money import ratio_bps
from matcher.results import SolveStatus, Timings
from matcher.setoff.bilateral import bilateral_setoff
from matcher.setoff.checks import check_problem
from matcher.setoff.graph import (
    I64,
    SetoffGraph,
    build_graph,
    fill_in_order,
    net_internal_debt,
)
from matcher.setoff.injection import analyse_injection
from matcher.setoff.model import Clock, SetoffNotice, SetoffProblem, SetoffResult, SetoffTotals

SOLVER_NAME = "ortools.SimpleMinCostFlow"
_MCF = min_cost_flow.SimpleMinCostFlow
_STATUS_NOTE: dict[object, str] = {
    _MCF.NOT_SOLVED: "min-cost flow did not run",
    _MCF.FEASIBLE: "min-cost flow stopped at a feasible, unproven flow",
    _MCF.INFEASIBLE: "min-cost flow reported infeasible (impossible: original debts are feasible)",
    _MCF.UNBALANCED: "min-cost flow reported unbalanced supplies (impossible: they sum to zero)",
    _MCF.BAD_RESULT: "min-cost flow produced a bad result",
    _MCF.BAD_COST_RANGE: "min-cost flow costs out of range",
    _MCF.BAD_CAPACITY_RANGE: "min-cost flow capacities out of range",
}


def solve_setoff(
    problem: SetoffProblem, clock: Clock | None = None, *, checked: bool = False
) -> SetoffResult:
    """Cancel as much debt between coops as possible without changing any net position.

    Args:
        problem: coops, obligations, liquidity sources and the cash points of the curve.
        clock: a monotonic nanosecond clock for the timings (none: timings are zero).
        checked: the caller vouches that ``problem`` passes :func:`check_problem` (the
            season simulator's rounds): the input check is not run again. Input from
            files or the API must leave it false.

    Returns:
        One notice per obligation (sorted by id), the totals, the liquidity injection
        analysis and the status. If the flow solver fails, bilateral netting is returned
        with status ``feasible`` and a note.

    Raises:
        InputError: when the problem breaks an input rule; nothing is solved.

    >>> from matcher.domain import Coop
    >>> from matcher.setoff.model import Obligation
    >>> coops = tuple(Coop(c, c, c) for c in "abc")
    >>> obs = (Obligation("o1", "a", "b", 100_00), Obligation("o2", "b", "c", 80_00),
    ...        Obligation("o3", "c", "a", 50_00))
    >>> r = solve_setoff(SetoffProblem(coops, obs))
    >>> r.status.value, [(n.set_off_satang, n.remaining_satang) for n in r.notices]
    ('optimal', [(5000, 5000), (5000, 3000), (5000, 0)])
    >>> r.totals.cleared_share_bps, r.totals.net_internal_satang, r.injection.settle_all_satang
    (6522, 5000, 5000)
    """
    tick = clock or (lambda: 0)
    t0 = tick()
    if not checked:
        check_problem(problem)
    graph = build_graph(problem)
    t1 = tick()
    status, notes = SolveStatus.OPTIMAL, []
    bilateral = bilateral_setoff(graph)
    remaining, failure = min_remaining(graph)
    if remaining is None:
        status, notes = SolveStatus.FEASIBLE, [f"{failure}; bilateral netting returned"]
        remaining = graph.amounts - bilateral
    totals = _totals(graph, remaining, int(bilateral.sum()))
    injection = analyse_injection(problem, graph, totals.cleared_satang)
    t2 = tick()
    return SetoffResult(
        status=status,
        notices=_notices(graph, remaining),
        totals=totals,
        injection=injection,
        solver=SOLVER_NAME,
        timings=Timings((t1 - t0) // 1_000_000, (t2 - t1) // 1_000_000, (tick() - t0) // 1_000_000),
        notes=tuple(notes),
    )


def min_remaining(graph: SetoffGraph) -> tuple[I64 | None, str]:
    """Solve the MTCS min-cost flow; the remaining debt per obligation, or None and why.

    Parallel obligations (same debtor and creditor) are one arc with their summed amount;
    the pair's set-off is then shared out due first (:func:`fill_in_order`).
    """
    m = graph.amounts.size
    if m == 0:
        return np.zeros(0, dtype=np.int64), ""
    n = graph.n_nodes
    pairs, pair_of = np.unique(graph.tails * n + graph.heads, return_inverse=True)
    pair_amount = np.zeros(pairs.size, dtype=np.int64)
    np.add.at(pair_amount, pair_of, graph.amounts)
    smcf = _MCF()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        pairs // n, pairs % n, pair_amount, np.ones(pairs.size, dtype=np.int64)
    )
    smcf.set_nodes_supplies(np.arange(n, dtype=np.int64), -graph.net_positions())
    status = smcf.solve()
    if status != _MCF.OPTIMAL:
        return None, _STATUS_NOTE.get(status, f"min-cost flow status {status!r}")
    pair_left = np.asarray(smcf.flows(arcs), dtype=np.int64)
    set_off = fill_in_order(pair_of, pair_amount - pair_left, graph.amounts, graph.due_rank)
    remaining: I64 = graph.amounts - set_off
    return remaining, ""


def _totals(graph: SetoffGraph, remaining: I64, bilateral_cleared: int) -> SetoffTotals:
    """Gross, net internal, cleared and share from the remaining debt."""
    gross = int(graph.amounts.sum())
    left = int(remaining.sum())
    return SetoffTotals(
        gross_satang=gross,
        net_internal_satang=net_internal_debt(graph.net_positions()),
        cleared_satang=gross - left,
        remaining_satang=left,
        cleared_share_bps=ratio_bps(gross - left, gross),
        bilateral_cleared_satang=bilateral_cleared,
        coop_count=graph.n_nodes,
        obligation_count=len(graph.obligations),
    )


def _notices(graph: SetoffGraph, remaining: I64) -> tuple[SetoffNotice, ...]:
    """One notice per obligation, in canonical (id) order."""
    left = remaining.tolist()
    return tuple(
        SetoffNotice(
            ob.id, ob.debtor, ob.creditor, ob.amount_satang, ob.amount_satang - r, r, ob.due_date
        )
        for ob, r in zip(graph.obligations, left, strict=True)
    )
