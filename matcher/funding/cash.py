"""The multi-period cash model: borrow and invest over a horizon to end with the most cash.

The model of Cornuéjols & Tütüncü, *Optimization Methods in Finance* (2nd ed., §3.1,
"short-term financing"), generalised to any instruments. Periods ``t = 0..T-1`` carry a
net cash flow ``c_t`` (integer money units, negative = an outflow). Each instrument ``k``
is *issued* in period ``t`` for an amount ``x_{k,t} ≥ 0`` and *matures* ``τ_k`` periods
later with a return of ``ρ_k`` (basis points over its whole term):

* a **borrow** instrument brings ``x`` in at ``t`` and takes ``x·(1 + ρ_k)`` out at
  ``t + τ_k`` (a credit line: τ = 1; three-month commercial paper: τ = 3);
* an **invest** instrument takes ``x`` out at ``t`` and brings ``x·(1 + ρ_k)`` in at
  ``t + τ_k`` (surplus put in the bank for a period).

An instrument may be issued only if it matures inside the horizon (``t + τ_k ≤ T − 1``).
Cash balance of every period (constraint ``balance[t]``)::

    c_t + Σ_borrow x_{k,t} − Σ_borrow (1+ρ_k) x_{k,t−τ_k}
        − Σ_invest x_{k,t} + Σ_invest (1+ρ_k) x_{k,t−τ_k}  =  w · [t = T−1]

Limit (constraint ``limit[k,t]``): what is outstanding of ``k`` in period ``t``,
``Σ_{s = t−τ_k+1..t} x_{k,s}``, is at most ``L_k``. Objective: maximise the final wealth
``w`` (free in sign). The dual of ``balance[t]`` is the value, in final wealth, of one more
unit of cash in period ``t``.

>>> p = textbook_problem()
>>> round(solve_cash(p).final_wealth, 4)
92.4969
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from ortools.math_opt.python import mathopt

from matcher.errors import IssueCollector
from matcher.results import SolveStatus

BPS = 10_000
TOLERANCE = 1e-6
"""Relative slack the validator allows on a balance (the LP is solved in floating point)."""


class InstrumentKind(str, Enum):
    """Which way the money goes at issue."""

    BORROW = "borrow"
    INVEST = "invest"


@dataclass(frozen=True, slots=True)
class Instrument:
    """A way to move cash between periods (see the module docstring)."""

    id: str
    kind: InstrumentKind
    term_periods: int
    return_bps: int
    """Interest (borrow) or yield (invest) over the whole term, basis points."""
    limit: int | None = None
    """Largest amount outstanding in any period; None: no limit."""


@dataclass(frozen=True, slots=True)
class CashProblem:
    """Net cash flows per period and the instruments available."""

    flows: tuple[int, ...]
    instruments: tuple[Instrument, ...]


@dataclass(frozen=True, slots=True)
class CashPlan:
    """The solved plan: amounts issued per instrument and period, duals, the final wealth."""

    status: SolveStatus
    final_wealth: float
    issued: dict[str, tuple[float, ...]]
    """Instrument id → amount issued in each period (0 where it may not be issued)."""
    balance_duals: tuple[float, ...]
    """Value in final wealth of one more unit of cash in each period."""
    solver: str
    solve_ms: int


def textbook_problem() -> CashProblem:
    """Cornuéjols & Tütüncü's six-month instance (thousands of dollars).

    Credit line at 1 % a month up to 100; three-month commercial paper at 2 %; surplus
    invested at 0.3 % a month. Optimal final wealth 92.4969.
    """
    return CashProblem(
        flows=(-150, -100, 200, -200, 50, 300),
        instruments=(
            Instrument("credit-line", InstrumentKind.BORROW, 1, 100, limit=100),
            Instrument("paper", InstrumentKind.BORROW, 3, 200),
            Instrument("surplus", InstrumentKind.INVEST, 1, 30),
        ),
    )


def check_cash_problem(problem: CashProblem) -> None:
    """Raise :class:`~matcher.errors.InputError` naming every bad field."""
    col = IssueCollector()
    col.require(len(problem.flows) >= 1, "flows", "at least one period")
    seen: set[str] = set()
    for i, ins in enumerate(problem.instruments):
        where = f"instruments[{i}]"
        col.require(ins.id not in seen, f"{where}.id", f"duplicate instrument {ins.id!r}")
        seen.add(ins.id)
        col.require(ins.term_periods >= 1, f"{where}.term_periods", "must be at least 1")
        col.require(0 <= ins.return_bps <= 100 * BPS, f"{where}.return_bps", "0 to 1,000,000")
        if ins.limit is not None:
            col.require(ins.limit >= 0, f"{where}.limit", "must not be negative")
    col.raise_if_any()


def issue_periods(ins: Instrument, horizon: int) -> range:
    """Periods in which ``ins`` may be issued: it must mature inside the horizon."""
    return range(max(0, horizon - ins.term_periods))


def cash_movements(problem: CashProblem, issued: dict[str, tuple[float, ...]]) -> list[float]:
    """Each period's cash after flows and instruments, before final wealth (the validator's
    and the solver's one statement of the balance rule)."""
    horizon = len(problem.flows)
    net = [float(c) for c in problem.flows]
    for ins in problem.instruments:
        sign = 1.0 if ins.kind is InstrumentKind.BORROW else -1.0
        grow = 1.0 + ins.return_bps / BPS
        for t in issue_periods(ins, horizon):
            x = issued[ins.id][t]
            net[t] += sign * x
            net[t + ins.term_periods] -= sign * grow * x
    return net


def solve_cash(problem: CashProblem, time_limit_s: float = 10.0) -> CashPlan:
    """Maximise final wealth with MathOpt and HiGHS; the duals come from the same LP."""
    check_cash_problem(problem)
    horizon = len(problem.flows)
    model = mathopt.Model(name="cash")
    xs: dict[str, list[mathopt.Variable | None]] = {}
    for ins in problem.instruments:
        allowed = set(issue_periods(ins, horizon))
        xs[ins.id] = [
            model.add_variable(lb=0.0, name=f"x[{ins.id},{t}]") if t in allowed else None
            for t in range(horizon)
        ]
    wealth = model.add_variable(lb=-math.inf, name="w")
    terms: list[list[tuple[float, mathopt.Variable]]] = [[] for _ in range(horizon)]
    for ins in problem.instruments:
        sign = 1.0 if ins.kind is InstrumentKind.BORROW else -1.0
        grow = 1.0 + ins.return_bps / BPS
        for t in issue_periods(ins, horizon):
            x = xs[ins.id][t]
            assert x is not None
            terms[t].append((sign, x))
            terms[t + ins.term_periods].append((-sign * grow, x))
        if ins.limit is not None:
            for t in range(horizon):
                alive = [v for v in xs[ins.id][max(0, t - ins.term_periods + 1) : t + 1] if v]
                if alive:
                    model.add_linear_constraint(
                        sum(alive) <= ins.limit, name=f"limit[{ins.id},{t}]"
                    )
    rows = []
    for t in range(horizon):
        expr = mathopt.LinearSum(coef * v for coef, v in terms[t])
        if t == horizon - 1:
            expr = expr - wealth
        rows.append(model.add_linear_constraint(expr == -problem.flows[t], name=f"balance[{t}]"))
    model.maximize(wealth)
    start = time.perf_counter()
    result = mathopt.solve(
        model,
        mathopt.SolverType.HIGHS,
        params=mathopt.SolveParameters(time_limit=timedelta(seconds=time_limit_s)),
    )
    solve_ms = round((time.perf_counter() - start) * 1000)
    status = _status(result.termination.reason)
    if status is SolveStatus.INFEASIBLE:
        return CashPlan(status, 0.0, {}, (), "highs", solve_ms)
    values = result.variable_values()
    issued = {k: tuple(0.0 if v is None else float(values[v]) for v in vs) for k, vs in xs.items()}
    duals = result.dual_values() if result.has_dual_feasible_solution() else {}
    return CashPlan(
        status=status,
        final_wealth=float(values[wealth]),
        issued=issued,
        balance_duals=tuple(-float(duals.get(r, 0.0)) for r in rows),
        solver="highs",
        solve_ms=solve_ms,
    )


def _status(reason: mathopt.TerminationReason) -> SolveStatus:
    """MathOpt's termination reason as a :class:`SolveStatus` (every reason mapped)."""
    if reason == mathopt.TerminationReason.OPTIMAL:
        return SolveStatus.OPTIMAL
    if reason == mathopt.TerminationReason.FEASIBLE:
        return SolveStatus.TIME_LIMITED
    if reason in (
        mathopt.TerminationReason.INFEASIBLE,
        mathopt.TerminationReason.INFEASIBLE_OR_UNBOUNDED,
        mathopt.TerminationReason.UNBOUNDED,
    ):
        return SolveStatus.INFEASIBLE
    return SolveStatus.INFEASIBLE


def check_cash_plan(problem: CashProblem, plan: CashPlan) -> list[str]:
    """Recompute the plan without the solver; return what is wrong (empty: valid).

    Checks non-negative issues, issues only in allowed periods, every limit, every balance
    (zero before the last period) and the final wealth (the last period's balance).
    """
    horizon = len(problem.flows)
    scale = max(1.0, *(abs(c) for c in problem.flows))
    tol = TOLERANCE * scale
    wrong: list[str] = []
    for ins in problem.instruments:
        xs = plan.issued[ins.id]
        allowed = set(issue_periods(ins, horizon))
        for t, x in enumerate(xs):
            if x < -tol or (t not in allowed and abs(x) > tol):
                wrong.append(f"x[{ins.id},{t}] = {x}")
        if ins.limit is not None:
            for t in range(horizon):
                out = sum(xs[max(0, t - ins.term_periods + 1) : t + 1])
                if out > ins.limit + tol:
                    wrong.append(f"limit[{ins.id},{t}]: {out} > {ins.limit}")
    net = cash_movements(problem, plan.issued)
    for t in range(horizon - 1):
        if abs(net[t]) > tol:
            wrong.append(f"balance[{t}]: {net[t]}")
    if abs(net[-1] - plan.final_wealth) > tol:
        wrong.append(f"final wealth {plan.final_wealth} ≠ {net[-1]}")
    return wrong
