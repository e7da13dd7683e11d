"""The season funding plan: a sample-average approximation with a chance constraint.

**Samples.** ``S`` simulated seasons of ``T`` days. ``r[s,t,n]`` is the urgent need the
day's round left uncovered in planning network ``n``; a buffer loan runs ``τ`` days (the
policy's loan term), so covering every need up to day ``t`` keeps

    R[s,t,n] = Σ_{u = t−τ+1..t} r[s,u,n]                  (:func:`outstanding_requirement`)

outstanding on day ``t``. Day ``(s,t)`` is *served* in ``n`` when the buffer of ``n``
covers ``R[s,t,n]`` in full.

**Decisions.** ``F_n ≥ 0`` the joint fund of network ``n``; ``L_{k,n} ≥ 0`` the standby
line that source ``k`` commits to ``n``; ``u_{k,p} ≥ 0`` what is drawn on it at sample-day
``p``; ``z_{n,p} ∈ {0,1}`` whether ``p`` is served in ``n``.

**The chance-constrained MILP** (``D`` season days; rates are yearly)::

    min  Σ_n ρ_n·D/365·F_n + Σ_{k,n} φ_k·D/365·L_{k,n} + (1/S)·Σ_{n,p,k} (i_k−φ_k)/365·u_{k,p}
    s.t. F_n + Σ_k u_{k,p} ≥ R_{n,p}·z_{n,p}          cover[n,p]
         u_{k,p} ≤ L_{k,n}                            line[k,n,p]
         Σ_p z_{n,p} ≥ ⌈target·S·T⌉                   service[n]
         Σ_n L_{k,n} ≤ limit_k,   F_n ≤ limit_n       source_limit[k], fund_limit[n]

(``ρ`` return forgone on fund capital, ``φ`` commitment fee on the undrawn line, ``i``
interest when drawn: a drawn baht pays ``i`` instead of ``φ``).

**Exact reduction.** Networks share a source only through its limit, a first-stage row;
for fixed ``(F, L)`` the sample-days of one network are exchangeable and the cheapest
cover of a day costs more the larger ``R`` is. So if a solution serves ``p`` and not
``q`` with ``R_q ≤ R_p``, serving ``q`` instead keeps the count and never costs more: some
optimum serves exactly the ``m = ⌈target·S·T⌉`` smallest requirements of each network.
With ``R*_n`` the ``m``-th smallest, ``z_{n,p} = [R_{n,p} ≤ R*_n]`` is fixed and the MILP
becomes an LP with ``capacity[n]: F_n + Σ_k L_{k,n} = R*_n`` (equality loses nothing:
capacity above ``R*`` serves no more sampled days and cuts no draw; it only adds fees, and
it would serve days the model does not pay draws for). A day the buffer can cover is
served and pays its draws, so every tie at ``R*`` is served too.

**Solved without a variable per sample-day.** For fixed sizes the cheapest cover of a day
draws in merit order (fund, then lines by ascending ``c_k = i_k − φ_k``), so the expected
draw cost of ``n`` is ``(1/S)·[c_1·G(A_0) + Σ_{k<K} (c_{k+1} − c_k)·G(A_k)]/365`` with
``A_k = F_n + L_1 + … + L_k`` and ``G(a) = Σ_{served p} (R_p − a)^+``, convex and piecewise
linear. Each ``G(A_k)`` gets an epigraph variable ``θ`` and tangent cuts added where the
LP's ``θ`` falls below ``G`` (Kelley's cutting planes; finite, since ``G`` has finitely
many pieces). The final LP's duals are the marginal values reported: ``capacity[n]`` the
cost of one more baht of required buffer, ``source_limit[k]`` the saving from one more
baht of a source's limit, and the reduced cost of each line. The test suite solves the
full MILP (a binary per sample-day, HiGHS via SciPy) on small instances and finds the
same cost.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray
from ortools.math_opt.python import mathopt

from matcher.funding.model import (
    BPS,
    FundingPlan,
    FundingProblem,
    FundTerms,
    SourceValue,
    check_funding_problem,
)
from matcher.funding.validator import merit_order, plan_cost, served_share
from matcher.results import SolveStatus

DAYS_PER_YEAR = 365
CUT_TOLERANCE = 1e-9
"""Relative violation of ``θ ≥ G(A)`` below which no cut is added."""


def outstanding_requirement(uncovered: NDArray[np.int64], term_days: int) -> NDArray[np.int64]:
    """``R[s,t,n] = Σ_{u=t−τ+1..t} r[s,u,n]``: needs of the last ``τ`` days still owed.

    >>> r = np.array([[[1], [2], [0], [4]]])
    >>> outstanding_requirement(r, 2)[0, :, 0].tolist()
    [1, 3, 2, 4]
    """
    cum = np.cumsum(uncovered, axis=1, dtype=np.int64)
    out = cum.copy()
    if term_days < uncovered.shape[1]:
        out[:, term_days:, :] -= cum[:, :-term_days, :]
    return out


def threshold(requirement: NDArray[np.int64], target_bps: int) -> int:
    """``R*``: the ``⌈target·S·T⌉``-th smallest requirement of one network (S × T).

    >>> threshold(np.array([[0, 5, 9, 2]]), 7_500)
    5
    """
    flat = np.sort(requirement, axis=None)
    m = -(-target_bps * flat.size // BPS)
    return int(flat[max(m, 1) - 1])


@dataclass
class _Shortfall:
    """``G(a) = Σ_{served p} (R_p − a)^+`` of one network, from its sorted served points."""

    points: NDArray[np.float64]
    suffix: NDArray[np.float64]
    """``suffix[i] = Σ_{j ≥ i} points[j]``."""

    @classmethod
    def of(cls, requirement: NDArray[np.int64], cap: int) -> _Shortfall:
        pts = np.sort(requirement[(requirement > 0) & (requirement <= cap)]).astype(np.float64)
        suffix = np.concatenate([np.cumsum(pts[::-1])[::-1], [0.0]])
        return cls(pts, suffix)

    def value_slope(self, a: float) -> tuple[float, float]:
        """``G(a)`` and its slope ``−#{R_p > a}`` (a subgradient)."""
        i = int(np.searchsorted(self.points, a, side="right"))
        above = self.points.size - i
        return float(self.suffix[i] - above * a), float(-above)


@dataclass
class _Epigraph:
    """``θ ≥ G(A)`` for one cumulative level ``A`` (fund plus the first lines in merit order)."""

    theta: mathopt.Variable
    level: mathopt.LinearExpression
    shortfall: _Shortfall
    cuts: int = 0


@dataclass
class _Model:
    model: mathopt.Model
    fund: dict[str, mathopt.Variable]
    line: dict[tuple[str, str], mathopt.Variable]
    capacity: dict[str, mathopt.LinearConstraint]
    source_limit: dict[str, mathopt.LinearConstraint]
    epigraphs: list[_Epigraph]


def _build(problem: FundingProblem, thresholds: dict[str, int]) -> _Model:
    """The LP without cuts: sizes, capacity and limit rows, the objective with θ terms.

    The expected draw cost of network ``n`` with lines ``1..K`` in merit order (extra
    cost of drawing ``c_1 ≤ … ≤ c_K``) is ``(1/S)·[c_1·G(F) + Σ_{k<K} (c_{k+1} − c_k)·
    G(F + L_1 + … + L_k)]`` per year: ``G(A_K) = 0`` because ``A_K ≥ R*``.
    """
    model = mathopt.Model(name="funding")
    season = problem.days / DAYS_PER_YEAR / BPS
    draw = 1.0 / DAYS_PER_YEAR / BPS / problem.samples
    terms = {f.network: f for f in problem.funds}
    fund, line, capacity, obj, epis = {}, {}, {}, [], []
    for j, n in enumerate(problem.networks):
        ft = terms.get(n, FundTerms(n, 0))
        ub = math.inf if ft.limit_satang is None else float(ft.limit_satang)
        fund[n] = model.add_variable(lb=0.0, ub=ub, name=f"F[{n}]")
        obj.append(ft.return_forgone_bps * season * fund[n])
        mine = merit_order([s for s in problem.sources if s.serves(n)])
        for s in mine:
            line[s.id, n] = model.add_variable(lb=0.0, name=f"L[{s.id},{n}]")
            obj.append(s.commitment_fee_bps * season * line[s.id, n])
        capacity[n] = model.add_linear_constraint(
            fund[n] + sum(line[s.id, n] for s in mine) == thresholds[n], name=f"capacity[{n}]"
        )
        shortfall = _Shortfall.of(problem.requirement[:, :, j], thresholds[n])
        level = mathopt.LinearExpression(fund[n])
        costs = [s.interest_bps - s.commitment_fee_bps for s in mine]
        for k, s in enumerate(mine):
            weight = costs[k] - (costs[k - 1] if k else 0)
            if weight > 0 and shortfall.points.size:
                theta = model.add_variable(lb=0.0, name=f"theta[{n},{k}]")
                obj.append(weight * draw * theta)
                epis.append(_Epigraph(theta, level, shortfall))
            level = mathopt.LinearExpression(level + line[s.id, n])
    source_limit = {}
    for s in problem.sources:
        if s.limit_satang is not None:
            mine_lines = [v for (k, _), v in line.items() if k == s.id]
            source_limit[s.id] = model.add_linear_constraint(
                sum(mine_lines) <= s.limit_satang, name=f"source_limit[{s.id}]"
            )
    model.minimize(mathopt.LinearSum(obj))
    return _Model(model, fund, line, capacity, source_limit, epis)


def _add_cuts(built: _Model, values: dict[mathopt.Variable, float]) -> int:
    """Add the tangent ``θ ≥ G(a) + G'(a)(A − a)`` where ``θ`` falls below ``G``."""
    added = 0
    for e in built.epigraphs:
        a = max(0.0, float(e.level.evaluate(values)))
        g, slope = e.shortfall.value_slope(a)
        if values[e.theta] < g - CUT_TOLERANCE * max(1.0, g):
            built.model.add_linear_constraint(e.theta - slope * e.level >= g - slope * a)
            e.cuts += 1
            added += 1
    return added


def _solve_lp(built: _Model, time_limit_s: float) -> tuple[mathopt.SolveResult, int]:
    """Kelley's cutting planes: solve, add violated tangents, until none is violated."""
    deadline = time.perf_counter() + time_limit_s
    rounds = 0
    while True:
        left = max(0.1, deadline - time.perf_counter())
        result = mathopt.solve(
            built.model,
            mathopt.SolverType.HIGHS,
            params=mathopt.SolveParameters(time_limit=timedelta(seconds=left)),
        )
        rounds += 1
        if result.termination.reason != mathopt.TerminationReason.OPTIMAL:
            return result, rounds
        if _add_cuts(built, result.variable_values()) == 0 or time.perf_counter() > deadline:
            return result, rounds


def solve_funding(problem: FundingProblem, time_limit_s: float = 60.0) -> FundingPlan:
    """The least-cost plan serving ``target`` of the sampled days in every network.

    Returns a plan whose sizes are rounded up to whole baht and whose cost and service
    are recomputed by :mod:`matcher.funding.validator` from the rounded sizes.
    """
    check_funding_problem(problem)
    thresholds = {
        n: threshold(problem.requirement[:, :, j], problem.target_bps)
        for j, n in enumerate(problem.networks)
    }
    built = _build(problem, thresholds)
    start = time.perf_counter()
    result, rounds = _solve_lp(built, time_limit_s)
    solve_ms = round((time.perf_counter() - start) * 1000)
    reason = result.termination.reason
    if reason != mathopt.TerminationReason.OPTIMAL:
        return _infeasible(problem, built, solve_ms)
    values = result.variable_values()
    fund = {n: _whole_baht(values[v]) for n, v in built.fund.items()}
    lines = {k: _whole_baht(values[v]) for k, v in built.line.items()}
    duals = result.dual_values()
    reduced = result.reduced_costs()
    return FundingPlan(
        status=SolveStatus.OPTIMAL if _add_cuts(built, values) == 0 else SolveStatus.TIME_LIMITED,
        fund_satang=fund,
        lines_satang=lines,
        cost_satang=round(plan_cost(problem, fund, lines)),
        lp_cost=float(result.objective_value()),
        service_bps=served_share(problem, fund, lines),
        capacity_dual={n: float(duals.get(c, 0.0)) for n, c in built.capacity.items()},
        source_values=tuple(
            SourceValue(
                source=s.id,
                committed_satang=sum(v for (k, _), v in lines.items() if k == s.id),
                limit_dual=-float(duals.get(built.source_limit[s.id], 0.0))
                if s.id in built.source_limit
                else 0.0,
                reduced_cost={
                    n: float(reduced.get(v, 0.0)) for (k, n), v in built.line.items() if k == s.id
                },
            )
            for s in problem.sources
        ),
        variables=len(list(built.model.variables())),
        constraints=len(list(built.model.linear_constraints())),
        solve_ms=solve_ms,
        cut_rounds=rounds,
        points=int(
            sum(np.count_nonzero((r > 0) & (r <= thresholds[n])) for n, r in _per_net(problem))
        ),
    )


def _per_net(problem: FundingProblem) -> list[tuple[str, NDArray[np.int64]]]:
    return [(n, problem.requirement[:, :, j]) for j, n in enumerate(problem.networks)]


def _whole_baht(value: float) -> int:
    """Satang from the LP, rounded up to a whole baht (a size never falls below the LP's)."""
    return 100 * math.ceil(round(value, 3) / 100)


def _infeasible(problem: FundingProblem, built: _Model, solve_ms: int) -> FundingPlan:
    return FundingPlan(
        status=SolveStatus.INFEASIBLE,
        fund_satang=dict.fromkeys(problem.networks, 0),
        lines_satang=dict.fromkeys(built.line, 0),
        cost_satang=0,
        lp_cost=0.0,
        service_bps=dict.fromkeys(problem.networks, 0),
        capacity_dual={},
        source_values=(),
        variables=len(list(built.model.variables())),
        constraints=len(list(built.model.linear_constraints())),
        solve_ms=solve_ms,
    )
