"""A plan from the LP relaxation: its windows and most whole needs fixed, CP-SAT on the rest.

The tight LP puts almost every offer's volume in one tier window and takes most needs whole;
what is hard is choosing the needs inside the windows (a multiple knapsack with lower
bounds). :func:`fixed_window_plan` keeps each offer the LP opens in its window, keeps the
needs the LP takes whole except each offer's ``free`` smallest ones, and lets CP-SAT choose
the rest (which free need goes to which open offer, or none) under every rule of the model:
window range, one offer per need, group rationality. Freeing the smallest needs lets each
offer fill its window with whole needs where the LP used fractions. Successive calls with
more needs freed, each hinted with the best plan so far, improve the plan step by step.
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
    for i, n in whole.items():
        need = problem.needs[i]
        smallest.setdefault(pairs[n].offer, []).append((need.quantity, need.id, i))
    for members in smallest.values():
        for _, _, i in sorted(members)[:free]:
            del whole[i]
    started = {pairs[n].need: n for n in start}
    by_offer: dict[int, list[int]] = {}
    for n, pair in enumerate(pairs):
        by_offer.setdefault(pair.offer, []).append(n)
    model = cp_model.CpModel()
    chosen_if: list[tuple[cp_model.IntVar, int]] = []
    of_need: dict[int, list[cp_model.IntVar]] = {}
    terms: list[cp_model.LinearExprT] = []
    for j, k in sorted(relaxation.windows.items()):
        _, low, high, price, fixed = next(w for w in tier_windows(problem.offers[j]) if w[0] == k)
        base_volume = base_gain = base_rational = 0
        xs: list[cp_model.IntVar] = []
        qs: list[int] = []
        gains: list[int] = []
        rational: list[int] = []
        for n in by_offer[j]:
            i = pairs[n].need
            q = problem.needs[i].quantity
            gain = pairs[n].value_satang - q * price
            if whole.get(i) == n:
                base_volume += q
                base_gain += gain
                base_rational += gain - alone[i]
                continue
            if i in whole or q > high:
                continue
            x = model.new_bool_var(f"x{n}")
            model.add_hint(x, started.get(i) == n)
            chosen_if.append((x, n))
            of_need.setdefault(i, []).append(x)
            xs.append(x)
            qs.append(q)
            gains.append(gain)
            rational.append(gain - alone[i])
        volume = cp_model.LinearExpr.weighted_sum(xs, qs) + base_volume
        model.add(volume >= low)
        model.add(volume <= high)
        model.add(cp_model.LinearExpr.weighted_sum(xs, rational) + base_rational >= fixed)
        terms.append(cp_model.LinearExpr.weighted_sum(xs, gains) + base_gain - fixed)
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
    chosen = sorted(set(whole.values()) | {n for x, n in chosen_if if solver.boolean_value(x)})
    return chosen, spent
