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
prices. The greedy buy-alone plan is the hint; CP-SAT stops at the relative gap asked for or
its deterministic time limit, and its proven bound gives the reported gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import tier_windows
from matcher.results import CP_SAT_DET_PER_SECOND

GUARD = 10
"""Wall-clock guard as a multiple of the limit. The limit itself is deterministic time, so
the answer does not depend on load; the guard only stops a stalled solve (under 5× CPU
oversubscription a solve took about 3× its nominal time, hence the margin)."""
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
    """One product's model, solved by CP-SAT from the hinted plan."""
    model = cp_model.CpModel()
    by_offer: dict[int, list[int]] = {}
    for n, pair in enumerate(pairs):
        by_offer.setdefault(pair.offer, []).append(n)
    per_pair: list[list[cp_model.IntVar]] = [[] for _ in pairs]
    objective: list[cp_model.LinearExprT] = []
    hinted = set(hint)
    tiers: dict[int, list[tuple[cp_model.IntVar, cp_model.IntVar, int, int]]] = {}
    for j, ns in sorted(by_offer.items()):
        objective.extend(
            _offer(model, problem, j, [(n, pairs[n]) for n in ns], alone, per_pair, tiers)
        )
    by_need: dict[int, list[cp_model.IntVar]] = {}
    for n, pair in enumerate(pairs):
        by_need.setdefault(pair.need, []).extend(per_pair[n])
    for xs in by_need.values():
        if len(xs) > 1:
            model.add_at_most_one(xs)
    model.maximize(sum(objective))
    _hint(model, problem, pairs, per_pair, hinted, tiers)
    solver = cp_model.CpSolver()
    limit_s = time_limit_ms / 1000
    solver.parameters.max_deterministic_time = limit_s * CP_SAT_DET_PER_SECOND
    solver.parameters.max_time_in_seconds = GUARD * limit_s
    solver.parameters.relative_gap_limit = problem.gap_bps / 10_000
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = LINEARIZATION
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    status = solver.solve(model)
    return _answer(solver, status, per_pair, hint)


def _offer(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    j: int,
    pairs: list[tuple[int, Pair]],
    alone: list[int],
    per_pair: list[list[cp_model.IntVar]],
    tiers: dict[int, list[tuple[cp_model.IntVar, cp_model.IntVar, int, int]]],
) -> list[cp_model.LinearExprT]:
    """One offer's windows and assignment Booleans; returns its objective terms."""
    xs: list[cp_model.IntVar] = []
    qs: list[int] = []
    values: list[int] = []
    rational: list[int] = []
    for n, pair in pairs:
        x = model.new_bool_var(f"x{j}_{pair.need}")
        per_pair[n].append(x)
        xs.append(x)
        qs.append(problem.needs[pair.need].quantity)
        values.append(pair.value_satang)
        rational.append(pair.value_satang - alone[pair.need])
    reach = sum(qs)
    cvars: list[cp_model.IntVar] = []
    ccoef: list[int] = []
    ys, ws = [], []
    windows = tiers.setdefault(j, [])
    for k, low, high, price, fixed in tier_windows(problem.offers[j]):
        if low > reach:
            break
        y = model.new_bool_var(f"y{j}_{k}")
        w = model.new_int_var(0, min(high, reach), f"w{j}_{k}")
        windows.append((y, w, low, high))
        model.add(w >= low * y)
        model.add(w <= min(high, reach) * y)
        ys.append(y)
        ws.append(w)
        cvars += [w, y]
        ccoef += [price, fixed]
    model.add_at_most_one(ys)
    model.add(sum(ws) == cp_model.LinearExpr.weighted_sum(xs, qs))
    cost = cp_model.LinearExpr.weighted_sum(cvars, ccoef)
    model.add(cp_model.LinearExpr.weighted_sum(xs, rational) - cost >= 0)
    return [cp_model.LinearExpr.weighted_sum(xs, values) - cost]


def _hint(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    pairs: list[Pair],
    per_pair: list[list[cp_model.IntVar]],
    hinted: set[int],
    tiers: dict[int, list[tuple[cp_model.IntVar, cp_model.IntVar, int, int]]],
) -> None:
    """Hint the starting plan completely: assignments, each offer's window and volume."""
    volume: dict[int, int] = {}
    for n, xs in enumerate(per_pair):
        for x in xs:
            model.add_hint(x, n in hinted)
        if n in hinted:
            j = pairs[n].offer
            volume[j] = volume.get(j, 0) + problem.needs[pairs[n].need].quantity
    for j, windows in tiers.items():
        v = volume.get(j, 0)
        for y, w, low, high in windows:
            inside = v > 0 and low <= v <= high
            model.add_hint(y, inside)
            model.add_hint(w, v if inside else 0)


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
