"""The joint-purchase MILP (MathOpt with HiGHS): who buys from which offer at which tier.

For every candidate pair p = (need b, offer s) a binary x_p; v_p = q_b·L_b − delivery_p is
the need's value after delivery, A_b its buy-alone saving. Per offer s with volume
V_s = Σ_{p∈s} q_b·x_p:

* ``one_offer_per_need``  Σ_{p∋b} x_p ≤ 1 (a need is served whole, by one offer);
* ``all_units_tier``      y_sk ∈ {0,1}, Σ_k y_sk ≤ 1, lo_k·y_sk ≤ w_sk ≤ hi_k·y_sk,
                           Σ_k w_sk = V_s, cost_s = Σ_k p_k·w_sk, where [lo_k, hi_k] is tier k's
                           volume window clipped to [minimum order, capacity];
* ``incremental_fill``    0 ≤ u_sk ≤ len_k·z_sk, u_sk ≥ len_k·z_s,k+1, Σ_k u_sk = V_s,
                           V_s ≥ min_order·z_s0, cost_s = Σ_k p_k·u_sk (segments fill in order);
* ``group_rational``      Σ_{p∈s} (v_p − A_b)·x_p − cost_s ≥ 0: the group's saving covers every
                           member's buy-alone saving, so the sharing rule can guarantee it.

Objective: maximise Σ_p v_p·x_p − Σ_s cost_s, the total saving against the highest prices.
HiGHS stops at the relative gap asked for; the proven bound gives the reported gap.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ortools.math_opt.python import mathopt

from matcher.purchase.model import PurchaseProblem, ScheduleKind, SupplierOffer
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import increments, segments


@dataclass(frozen=True)
class MilpAnswer:
    """The chosen pairs, HiGHS's proven bound and how the solve ended."""

    chosen: tuple[int, ...]
    """Indices into the pair list."""
    bound: float
    """Upper bound on the total saving in satang (inf when none was proven)."""
    limited: bool
    """The time limit stopped HiGHS before the gap was reached."""


def solve_milp(
    problem: PurchaseProblem, pairs: list[Pair], alone: list[int], time_limit_ms: int
) -> MilpAnswer:
    """Build and solve the model; ``alone`` is each need's buy-alone saving."""
    if not pairs:
        return MilpAnswer((), 0.0, False)
    model = mathopt.Model(name="joint_purchase")
    x = [model.add_binary_variable(name=f"x{k}") for k in range(len(pairs))]
    by_need: dict[int, list[int]] = {}
    by_offer: dict[int, list[int]] = {}
    for k, pair in enumerate(pairs):
        by_need.setdefault(pair.need, []).append(k)
        by_offer.setdefault(pair.offer, []).append(k)
    for ks in by_need.values():
        if len(ks) > 1:
            model.add_linear_constraint(mathopt.fast_sum(x[k] for k in ks) <= 1)
    costs: list[mathopt.LinearExpression] = []
    for j, ks in sorted(by_offer.items()):
        offer = problem.offers[j]
        volume = mathopt.fast_sum(problem.needs[pairs[k].need].quantity * x[k] for k in ks)
        cost = _offer_cost_terms(model, offer, j, volume)
        contribution = mathopt.fast_sum(
            (pairs[k].value_satang - alone[pairs[k].need]) * x[k] for k in ks
        )
        model.add_linear_constraint(contribution - cost >= 0, name=f"group_rational_{j}")
        costs.append(cost)
    model.maximize(
        mathopt.fast_sum(p.value_satang * x[k] for k, p in enumerate(pairs))
        - mathopt.fast_sum(costs)
    )
    params = mathopt.SolveParameters(
        time_limit=datetime.timedelta(milliseconds=time_limit_ms),
        relative_gap_tolerance=problem.gap_bps / 10_000,
        absolute_gap_tolerance=0.5,
    )
    result = mathopt.solve(model, mathopt.SolverType.HIGHS, params=params)
    return _answer(result, x)


def _offer_cost_terms(
    model: mathopt.Model, offer: SupplierOffer, j: int, volume: mathopt.LinearExpression
) -> mathopt.LinearExpression:
    """The tier variables of one offer; returns its goods cost as a linear expression."""
    if offer.kind is ScheduleKind.ALL_UNITS:
        terms = []
        ys = []
        ws = []
        for k, low, high in segments(offer):
            y = model.add_binary_variable(name=f"y{j}_{k}")
            w = model.add_variable(lb=0, ub=high, name=f"w{j}_{k}")
            model.add_linear_constraint(w <= high * y)
            model.add_linear_constraint(w >= low * y)
            ys.append(y)
            ws.append(w)
            terms.append(offer.tiers[k].price_satang_per_unit * w)
        model.add_linear_constraint(mathopt.fast_sum(ys) <= 1, name=f"all_units_tier_{j}")
        model.add_linear_constraint(mathopt.fast_sum(ws) - volume == 0)
        return mathopt.fast_sum(terms)
    segs = increments(offer)
    z = [model.add_binary_variable(name=f"z{j}_{k}") for k in range(len(segs))]
    u = [
        model.add_variable(lb=0, ub=length, name=f"u{j}_{k}") for k, (length, _) in enumerate(segs)
    ]
    for k, (length, _) in enumerate(segs):
        model.add_linear_constraint(u[k] <= length * z[k])
        if k + 1 < len(segs):
            model.add_linear_constraint(u[k] >= length * z[k + 1], name=f"incremental_fill_{j}_{k}")
    model.add_linear_constraint(mathopt.fast_sum(u) - volume == 0)
    model.add_linear_constraint(volume >= offer.min_order_units * z[0], name=f"min_order_{j}")
    return mathopt.fast_sum(price * u[k] for k, (_, price) in enumerate(segs))


def _answer(result: mathopt.SolveResult, x: list[mathopt.Variable]) -> MilpAnswer:
    """Read the chosen pairs and the bound; every termination is mapped explicitly."""
    reason = result.termination.reason
    bound = result.termination.objective_bounds.dual_bound
    if reason in (mathopt.TerminationReason.OPTIMAL, mathopt.TerminationReason.FEASIBLE):
        values = result.variable_values(x)
        chosen = tuple(k for k, v in enumerate(values) if v > 0.5)
        limited = reason is mathopt.TerminationReason.FEASIBLE
        return MilpAnswer(chosen, float(bound), limited)
    if reason is mathopt.TerminationReason.NO_SOLUTION_FOUND:
        return MilpAnswer((), float(bound), True)
    raise RuntimeError(f"HiGHS ended with {reason.name}: {result.termination.detail}")
