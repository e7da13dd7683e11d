"""The joint-purchase model (CP-SAT): who buys from which offer, inside which tier window.

For every candidate pair (need b, offer s) and every tier window k of s a Boolean x_bsk;
y_sk says the offer's volume V_s lies in window [lo_k, hi_k] where the goods cost is
F_k + p_k·V (see :func:`~matcher.purchase.schedule.tier_windows`). With
g_bsk = q_b·L_b − delivery_bs − q_b·p_k the need's gain at that price and A_b its
buy-alone saving:

* ``one_offer_per_need``  Σ_{s,k} x_bsk ≤ 1 (a need is served whole, by one offer);
* ``one_tier``            Σ_k y_sk ≤ 1, and x_bsk ⇒ y_sk;
* ``tier_window``         lo_k·y_sk ≤ Σ_b q_b·x_bsk ≤ hi_k·y_sk (minimum order and
                           capacity are the ends of the windows);
* ``group_rational``      Σ_{b,k} (g_bsk − A_b)·x_bsk − Σ_k F_k·y_sk ≥ 0: the group saves at
                           least what its members would save alone, so sharing can
                           guarantee it to each.

Objective: maximise Σ g_bsk·x_bsk − Σ F_k·y_sk, the total saving against the highest
prices. This is the *tight* formulation; a product with more than
:data:`TIGHT_MAX_PAIRS` candidate pairs uses the *compact* one (one x_bs per pair and an
integer volume per window, same rules, weaker bound; see :mod:`formulation`). Products
share no need or offer, so each is solved on its own. The starting plan (best groups, then
local search) is a complete hint; CP-SAT stops at the relative gap asked for or its
deterministic time limit, and its proven bound gives the reported gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from matcher.purchase.formulation import (
    CompactWindows,
    TightWindows,
    compact_hint,
    compact_offer,
    tight_hint,
    tight_offer,
)
from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.results import CP_SAT_DET_PER_SECOND

GUARD = 10
"""Wall-clock guard as a multiple of the limit. The limit itself is deterministic time, so
the answer does not depend on load; the guard only stops a stalled solve (under 5× CPU
oversubscription a solve took about 3× its nominal time, hence the margin)."""
TIGHT_MAX_PAIRS = 8_000
"""Components (products) with more candidate pairs use the compact formulation."""
LINEARIZATION = 2
"""Full LP relaxation with cuts: on the provincial family it halves the gap reached in the
same deterministic time compared with level 1."""


@dataclass(frozen=True)
class Answer:
    """The chosen pairs, the proven bound and how the solve ended."""

    chosen: tuple[int, ...]
    """Indices into the pair list."""
    bound: float
    """Upper bound on the total saving in satang."""
    limited: bool
    """The time limit stopped CP-SAT before the gap was reached."""


def solve_model(
    problem: PurchaseProblem,
    pairs: list[Pair],
    alone: list[int],
    hint: list[int],
    time_limit_ms: int,
) -> Answer:
    """Solve each product on its own (products share no need or offer, so this is exact).

    ``alone`` is each need's buy-alone saving; the time limit is shared out in proportion
    to each product's number of candidate pairs. The bounds add up.
    """
    if not pairs:
        return Answer((), 0.0, False)
    groups: dict[str, list[int]] = {}
    for n, pair in enumerate(pairs):
        groups.setdefault(problem.offers[pair.offer].product, []).append(n)
    hinted = set(hint)
    chosen: list[int] = []
    bound, limited = 0.0, False
    for product in sorted(groups):
        ns = groups[product]
        share = max(1, time_limit_ms * len(ns) // len(pairs))
        part = _solve_component(
            problem,
            [pairs[n] for n in ns],
            alone,
            [k for k, n in enumerate(ns) if n in hinted],
            share,
        )
        chosen.extend(ns[k] for k in part.chosen)
        bound += part.bound
        limited = limited or part.limited
    return Answer(tuple(sorted(chosen)), bound, limited)


def _solve_component(
    problem: PurchaseProblem,
    pairs: list[Pair],
    alone: list[int],
    hint: list[int],
    time_limit_ms: int,
) -> Answer:
    """One product's model (tight up to :data:`TIGHT_MAX_PAIRS` pairs), from the hinted plan."""
    model = cp_model.CpModel()
    by_offer: dict[int, list[int]] = {}
    for n, pair in enumerate(pairs):
        by_offer.setdefault(pair.offer, []).append(n)
    per_pair: list[list[cp_model.IntVar]] = [[] for _ in pairs]
    objective: list[cp_model.LinearExprT] = []
    tight = len(pairs) <= TIGHT_MAX_PAIRS
    tight_windows: TightWindows = {}
    compact_windows: CompactWindows = {}
    for j, ns in sorted(by_offer.items()):
        members = [(n, pairs[n]) for n in ns]
        if tight:
            terms = tight_offer(model, problem, j, members, alone, per_pair, tight_windows)
        else:
            terms = compact_offer(model, problem, j, members, alone, per_pair, compact_windows)
        objective.extend(terms)
    by_need: dict[int, list[cp_model.IntVar]] = {}
    for n, pair in enumerate(pairs):
        by_need.setdefault(pair.need, []).extend(per_pair[n])
    for xs in by_need.values():
        if len(xs) > 1:
            model.add_at_most_one(xs)
    model.maximize(sum(objective))
    if tight:
        tight_hint(model, problem, pairs, per_pair, set(hint), tight_windows)
    else:
        compact_hint(model, problem, pairs, per_pair, set(hint), compact_windows)
    solver = cp_model.CpSolver()
    _parameters(solver, problem, time_limit_ms)
    status = solver.solve(model)
    return _answer(solver, status, per_pair, hint)


def _parameters(solver: cp_model.CpSolver, problem: PurchaseProblem, time_limit_ms: int) -> None:
    """Deterministic single-thread search with the gap and the limit asked for."""
    limit_s = time_limit_ms / 1000
    solver.parameters.max_deterministic_time = limit_s * CP_SAT_DET_PER_SECOND
    solver.parameters.max_time_in_seconds = GUARD * limit_s
    solver.parameters.relative_gap_limit = problem.gap_bps / 10_000
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = LINEARIZATION
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    # One presolve pass: on the provincial family the tight model then proves a 0.5 % gap at
    # 2 s of deterministic time instead of 3 s (and 7 % instead of none at 1 s).
    solver.parameters.max_presolve_iterations = 1


def _answer(
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    per_pair: list[list[cp_model.IntVar]],
    hint: list[int],
) -> Answer:
    """Read the chosen pairs and the bound; every status is mapped explicitly.

    OPTIMAL: proven within the gap asked for; FEASIBLE: the time limit stopped the search;
    UNKNOWN: stopped before it took the hint (the hinted plan, feasible, is returned);
    INFEASIBLE cannot happen (the empty plan is feasible) and, like MODEL_INVALID, is a bug.
    """
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = tuple(
            n for n, xs in enumerate(per_pair) if any(solver.boolean_value(x) for x in xs)
        )
        return Answer(chosen, float(solver.best_objective_bound), status == cp_model.FEASIBLE)
    if status == cp_model.UNKNOWN:
        return Answer(tuple(sorted(hint)), float("inf"), True)
    raise RuntimeError(f"CP-SAT ended with {solver.status_name(status)}")
