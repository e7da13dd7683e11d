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

Mid-sized products start from the LP relaxation instead (see :func:`solve_model`,
:mod:`relax`, :mod:`polish`): a plan polished in the LP's windows and an exact Lagrangian
bound, and CP-SAT only if the gap over all products is still wider than asked.
"""

from __future__ import annotations

import math
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
from matcher.purchase.polish import fixed_window_plan
from matcher.purchase.relax import lagrangian_bound, tight_lp
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import offer_cost
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
RELAX_MIN_PAIRS = 300
"""Products with at least this many pairs (and at most :data:`TIGHT_MAX_PAIRS`) start from the
LP relaxation: a plan polished in the LP's windows and an exact Lagrangian bound; smaller
ones go straight to CP-SAT, which proves them optimal at once."""
POLISH_SHARE = 0.5
"""Share of a product's deterministic budget the LP-window polishing may use."""
POLISH_STEPS = 3
"""Each polishing step may use this fraction (1 / POLISH_STEPS) of that share."""
POLISH_AIM = 2
"""Polishing goes on while a product's own gap is above 1 / POLISH_AIM of the gap asked for
(cheap steps on the easy products leave room for the hard one in the global gap)."""
FREE_FIRST, FREE_LAST = 0, 10
"""Polishing frees each open offer's 2, 3, … 10 smallest whole needs, one step each."""


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

    Mid-sized products (:data:`RELAX_MIN_PAIRS` … :data:`TIGHT_MAX_PAIRS` pairs) start from
    the LP relaxation: the hinted plan is polished in the LP's windows (:mod:`polish`) and
    an exact Lagrangian bound (:mod:`relax`) proves its gap. When the gap over all products
    is within the one asked for, that is the answer; otherwise CP-SAT continues on each
    such product whose own gap is still too wide, from its best plan, with the rest of its
    budget, and the smaller of its bound and the Lagrangian one is kept. Other products go
    to CP-SAT directly, as before.
    """
    if not pairs:
        return Answer((), 0.0, False)
    groups: dict[str, list[int]] = {}
    for n, pair in enumerate(pairs):
        groups.setdefault(problem.offers[pair.offer].product, []).append(n)
    hinted = set(hint)
    parts: dict[str, _Part] = {}
    for product in sorted(groups):
        ns = groups[product]
        sub = [pairs[n] for n in ns]
        start = [k for k, n in enumerate(ns) if n in hinted]
        share = max(1, time_limit_ms * len(ns) // len(pairs))
        if RELAX_MIN_PAIRS <= len(ns) <= TIGHT_MAX_PAIRS:
            parts[product] = _polished(problem, sub, alone, start, share)
        else:
            answer = _solve_component(problem, sub, alone, start, share)
            value = _plan_saving(problem, sub, alone, list(answer.chosen)) or 0
            parts[product] = _Part(list(answer.chosen), value, answer.bound, 0.0, answer.limited)
    total = sum(part.value for part in parts.values())
    if not _within(sum(part.bound for part in parts.values()), total, problem.gap_bps):
        for product in sorted(groups):
            part = parts[product]
            if part.rest > 0 and not _within(part.bound, part.value, problem.gap_bps):
                ns = groups[product]
                parts[product] = _continue(problem, [pairs[n] for n in ns], alone, part)
    chosen: list[int] = []
    bound, limited = 0.0, False
    for product in sorted(groups):
        part = parts[product]
        chosen.extend(groups[product][k] for k in part.chosen)
        bound += part.bound
        limited = limited or part.limited
    total = sum(part.value for part in parts.values())
    if _within(bound, total, problem.gap_bps):
        limited = False
    return Answer(tuple(sorted(chosen)), bound, limited)


@dataclass
class _Part:
    """One product's best plan so far, its exact saving, its bound and unspent budget."""

    chosen: list[int]
    value: int
    bound: float
    rest: float
    """Deterministic time left for CP-SAT (0: CP-SAT already ran)."""
    limited: bool


def _polished(
    problem: PurchaseProblem,
    pairs: list[Pair],
    alone: list[int],
    hint: list[int],
    time_limit_ms: int,
) -> _Part:
    """The hinted plan polished in the LP's windows, with the exact Lagrangian bound."""
    budget = time_limit_ms / 1000 * CP_SAT_DET_PER_SECOND
    relaxation = tight_lp(problem, pairs, alone)
    best = sorted(hint)
    best_value = _plan_saving(problem, pairs, alone, best)
    if best_value is None:
        best, best_value = [], 0
    bound: int | None = None
    target = best_value
    spent = 0.0
    step = budget * POLISH_SHARE / POLISH_STEPS
    for free in range(FREE_FIRST, FREE_LAST + 1):
        if not relaxation.windows or spent >= budget * POLISH_SHARE:
            break
        plan, used = fixed_window_plan(problem, pairs, alone, relaxation, free, step, best)
        spent += used
        value = None if plan is None else _plan_saving(problem, pairs, alone, plan)
        if plan is not None and value is not None and value > best_value:
            best, best_value = plan, value
        if bound is None:
            bound = lagrangian_bound(problem, pairs, alone, relaxation, best_value)
            target = best_value
        if bound is not None and _within(bound, best_value, problem.gap_bps // POLISH_AIM):
            break
    if bound is None:
        bound = lagrangian_bound(problem, pairs, alone, relaxation, best_value)
    elif best_value > target and not _within(bound, best_value, problem.gap_bps // POLISH_AIM):
        # The subgradient steps aim at the plan's saving: a better plan, a closer aim.
        again = lagrangian_bound(problem, pairs, alone, relaxation, best_value)
        bound = bound if again is None else min(bound, again)
    rest = max(budget - spent, budget * (1 - POLISH_SHARE) / 2)
    return _Part(best, best_value, math.inf if bound is None else float(bound), rest, False)


def _continue(problem: PurchaseProblem, pairs: list[Pair], alone: list[int], part: _Part) -> _Part:
    """CP-SAT from the polished plan with the rest of the budget; the better plan and bound."""
    limit_ms = max(1, round(part.rest / CP_SAT_DET_PER_SECOND * 1000))
    answer = _solve_component(problem, pairs, alone, part.chosen, limit_ms)
    value = _plan_saving(problem, pairs, alone, list(answer.chosen))
    if value is not None and value > part.value:
        chosen, best = list(answer.chosen), value
    else:
        chosen, best = part.chosen, part.value
    return _Part(chosen, best, min(answer.bound, part.bound), 0.0, answer.limited)


def _within(bound: float, best: int, gap_bps: int) -> bool:
    """The proven gap (bound − best) / best is at most ``gap_bps`` (never for an unknown bound)."""
    if math.isinf(bound) or math.isnan(bound):
        return False
    return bound <= best or (bound - best) * 10_000 <= gap_bps * max(best, 0)


def _plan_saving(
    problem: PurchaseProblem, pairs: list[Pair], alone: list[int], chosen: list[int]
) -> int | None:
    """The exact total saving of a plan (pair indices), None if a group breaks a rule."""
    groups: dict[int, list[Pair]] = {}
    for n in chosen:
        groups.setdefault(pairs[n].offer, []).append(pairs[n])
    if len({p.need for p in (pairs[n] for n in chosen)}) != len(chosen):
        return None
    total = 0
    for j, members in groups.items():
        offer = problem.offers[j]
        volume = sum(problem.needs[p.need].quantity for p in members)
        saving = sum(p.value_satang for p in members) - offer_cost(offer, volume)
        if not offer.min_order_units <= volume <= offer.capacity_units:
            return None
        if saving < sum(alone[p.need] for p in members):
            return None
        total += saving
    return total


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
