"""A plan from the LP relaxation: its windows kept, most whole needs fixed, CP-SAT on the rest.

The tight LP opens few offers, puts almost every open offer's volume in one tier window and
takes most needs whole; what is hard is choosing the needs inside the windows (a multiple
knapsack with lower bounds). :func:`fixed_window_plan` is the tight formulation restricted
to the offers and tier windows the LP opens (y > 0), with the needs the LP takes whole tied
to their window (in it if the window is open, else unserved), except each offer's ``free``
smallest ones; CP-SAT chooses the rest (which window of an offer opens, if any, and which
free need goes to which window, or none)
under every rule of the model: window range, one offer per need, group rationality.
Freeing the smallest needs lets each offer fill its window with whole needs where the LP
used fractions. Successive calls with more needs freed, each hinted with the best plan so
far, improve the plan step by step.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from matcher.purchase.model import PurchaseProblem
from matcher.purchase.relax import Relaxation
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import tier_windows


def fixed_window_plan(
    problem: PurchaseProblem,
    pairs: list[Pair],
    alone: list[int],
    relaxation: Relaxation,
    free: int,
    det_limit: float,
    start: list[int],
) -> tuple[list[int] | None, float]:
    """Chosen pair indices (None: nothing found) and the deterministic time spent."""
    whole = dict(relaxation.whole)
    smallest: dict[int, list[tuple[int, str, int]]] = {}
    for i, (n, _) in whole.items():
        need = problem.needs[i]
        smallest.setdefault(pairs[n].offer, []).append((need.quantity, need.id, i))
    for members in smallest.values():
        for _, _, i in sorted(members)[:free]:
            del whole[i]
    fixed_at = {(pairs[n].offer, k) for n, k in whole.values()}
    started = {pairs[n].need: n for n in start}
    by_offer: dict[int, list[int]] = {}
    for n, pair in enumerate(pairs):
        by_offer.setdefault(pair.offer, []).append(n)
    model = cp_model.CpModel()
    chosen_if: list[tuple[cp_model.IntVar, int]] = []
    opened: list[tuple[cp_model.IntVar, int, int]] = []
    of_need: dict[int, list[cp_model.IntVar]] = {}
    terms: list[cp_model.LinearExprT] = []
    for j, ks in sorted(relaxation.windows.items()):
        if any(o == j and k not in ks for o, k in fixed_at):
            return None, 0.0
        forced = [k for k in ks if (j, k) in fixed_at]
        rational: list[cp_model.LinearExprT] = []
        ys: list[cp_model.IntVar] = []
        for k, low, high, price, fixed in tier_windows(problem.offers[j]):
            if k not in ks or (forced and k not in forced):
                continue
            y = model.new_bool_var(f"y{j}_{k}")
            ys.append(y)
            base_volume = base_gain = base_rational = 0
            xs: list[cp_model.IntVar] = []
            qs: list[int] = []
            gains: list[int] = []
            surplus: list[int] = []
            for n in by_offer[j]:
                i = pairs[n].need
                q = problem.needs[i].quantity
                gain = pairs[n].value_satang - q * price
                if whole.get(i) == (n, k):
                    base_volume += q
                    base_gain += gain
                    base_rational += gain - alone[i]
                    continue
                if i in whole or q > high:
                    continue
                x = model.new_bool_var(f"x{n}_{k}")
                model.add_implication(x, y)
                model.add_hint(x, started.get(i) == n)
                chosen_if.append((x, n))
                of_need.setdefault(i, []).append(x)
                xs.append(x)
                qs.append(q)
                gains.append(gain)
                surplus.append(gain - alone[i])
            if base_volume:
                opened.append((y, j, k))
            volume = cp_model.LinearExpr.weighted_sum(xs, qs) + base_volume * y
            model.add(volume >= low * y)
            model.add(volume <= high * y)
            rational.append(
                cp_model.LinearExpr.weighted_sum(xs, surplus) + (base_rational - fixed) * y
            )
            terms.append(cp_model.LinearExpr.weighted_sum(xs, gains) + (base_gain - fixed) * y)
        if len(ys) > 1:
            model.add_at_most_one(ys)
        model.add(sum(rational) >= 0)
    for xs in of_need.values():
        if len(xs) > 1:
            model.add_at_most_one(xs)
    model.maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = det_limit
    solver.parameters.max_time_in_seconds = 10 * det_limit + 1
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    status = solver.solve(model)
    spent = solver.response_proto.deterministic_time
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, spent
    on = {(j, k) for y, j, k in opened if solver.boolean_value(y)}
    chosen = {n for n, k in whole.values() if (pairs[n].offer, k) in on}
    chosen |= {n for x, n in chosen_if if solver.boolean_value(x)}
    return sorted(chosen), spent
