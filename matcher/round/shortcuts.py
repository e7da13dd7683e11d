"""Results of round parts with nothing to match, built without calling their solvers.

A season simulation runs about a hundred small rounds per season, and on most days one part
has nothing to do: no obligations are due (set-off) or no coop is short of cash (lending).
For such a part the solver's answer is fixed by the problem alone; the functions here build
exactly the result the solver would return (equal field by field, timings zero as with no
clock), so :func:`matcher.round.combined.solve_round` can skip the solve on a problem that
is already known to be valid. Tests compare each of them with its solver.

Set-off with no obligations: nothing is owed, so every total is zero except the coop count,
the least cash to settle all is zero, no source is drawn and the injection curve is
cleared(C) = 0 at each of its points (0, the requested cash points and, with sources,
min(available, 0) = 0). Lending with no needs, no offers and no joint fund: no proposal, no
explanation, nothing needed and a full fill ratio (10,000 bps, the ratio of an empty set).
Lending with needs but no offer and no joint fund (every lender's cash is out): no proposal,
and every need, sorted by id, is unmatched with the solver's first reason, that it shares
no network with any counterpart (there is none); the objective is that of no proposal.
"""

from __future__ import annotations

from matcher.liquidity import reasons
from matcher.liquidity.explain import _detail as need_detail
from matcher.liquidity.model import (
    LiquidityObjective,
    LiquidityProblem,
    LiquidityResult,
    LoanNeed,
    OrderExplanation,
)
from matcher.liquidity.solver import SOLVER_NAME as LIQUIDITY_SOLVER
from matcher.liquidity.solver import objective_of as liquidity_objective
from matcher.money import ratio_bps
from matcher.results import FillState, SolveStatus, Timings
from matcher.setoff.model import CurvePoint, InjectionResult, SetoffProblem, SetoffResult
from matcher.setoff.model import SetoffTotals as Totals
from matcher.setoff.solver import SOLVER_NAME as SETOFF_SOLVER

_NO_TIME = Timings(0, 0, 0)
_FULL_BPS = ratio_bps(0, 0)


def setoff_is_empty(problem: SetoffProblem) -> bool:
    """True when there is no obligation to set off."""
    return not problem.obligations


def liquidity_is_empty(problem: LiquidityProblem) -> bool:
    """True when nobody asks for or offers money (no needs, no offers, no joint fund)."""
    return not problem.needs and not problem.offers and problem.joint_fund is None


def liquidity_has_no_money(problem: LiquidityProblem) -> bool:
    """True when needs are posted but nobody offers money (no offers, no joint fund)."""
    return bool(problem.needs) and not problem.offers and problem.joint_fund is None


def empty_setoff_result(problem: SetoffProblem) -> SetoffResult:
    """What :func:`matcher.setoff.solver.solve_setoff` returns for no obligations.

    Args:
        problem: a valid set-off problem without obligations.

    >>> from matcher.domain import Coop
    >>> r = empty_setoff_result(SetoffProblem((Coop("a", "ก", "A"),), ()))
    >>> r.totals.coop_count, r.totals.cleared_share_bps, [c.cash_satang for c in r.injection.curve]
    (1, 10000, [0])
    """
    available = sum(s.amount_satang for s in problem.sources)
    points = sorted(set(problem.cash_points_satang) | {0})
    return SetoffResult(
        status=SolveStatus.OPTIMAL,
        notices=(),
        totals=Totals(0, 0, 0, 0, _FULL_BPS, 0, len({c.id for c in problem.coops}), 0),
        injection=InjectionResult(
            settle_all_satang=0,
            cash_needs=(),
            available_satang=available,
            shortfall_satang=0,
            draws=(),
            annual_cost_satang=0,
            curve=tuple(CurvePoint(c, 0, _FULL_BPS) for c in points),
        ),
        solver=SETOFF_SOLVER,
        timings=_NO_TIME,
    )


def empty_liquidity_result(problem: LiquidityProblem) -> LiquidityResult:
    """What :func:`matcher.liquidity.solver.solve_liquidity` returns with nothing to match.

    Args:
        problem: a valid liquidity problem without needs, offers or joint fund.

    >>> r = empty_liquidity_result(LiquidityProblem((), (), (), ()))
    >>> r.status.value, r.objective.min_fill_ratio_bps, r.proposals, r.explanations
    ('optimal', 10000, (), ())
    """
    return LiquidityResult(
        status=SolveStatus.OPTIMAL,
        policy=problem.policy,
        rate_rule=problem.rate_rule,
        proposals=(),
        explanations=(),
        objective=LiquidityObjective(0, 0, 0, _FULL_BPS, 0, 0),
        solver=LIQUIDITY_SOLVER,
        timings=_NO_TIME,
    )


def unfunded_liquidity_result(
    problem: LiquidityProblem, *, explain: bool = True
) -> LiquidityResult:
    """What :func:`matcher.liquidity.solver.solve_liquidity` returns for needs without money.

    Args:
        problem: a valid liquidity problem with needs but no offers and no joint fund.
        explain: as for ``solve_liquidity``: False leaves ``explanations`` empty.

    >>> from matcher.liquidity.model import LoanNeed
    >>> r = unfunded_liquidity_result(
    ...     LiquidityProblem((), (), (), (LoanNeed("n", "a", 100_00, 600, 30),)))
    >>> r.proposals, [(e.order_id, e.reasons) for e in r.explanations]
    ((), [('n', ('no_network',))])
    """
    members = {m for net in problem.networks for m in net.members}

    def unmatched(n: LoanNeed) -> OrderExplanation:
        # a coop in a network has no offer in reach; one outside every network has no network
        codes = (reasons.NO_OFFER_IN_REACH if n.borrower in members else reasons.NO_NETWORK,)
        return OrderExplanation(
            order_id=n.id,
            side="need",
            coop_id=n.borrower,
            state=FillState.UNMATCHED,
            amount_satang=n.amount_satang,
            matched_satang=0,
            reasons=codes,
            detail=need_detail(codes, 0, n.amount_satang),
        )

    needs = sorted(problem.needs, key=lambda n: n.id) if explain else []
    explanations = tuple(unmatched(n) for n in needs)
    return LiquidityResult(
        status=SolveStatus.OPTIMAL,
        policy=problem.policy,
        rate_rule=problem.rate_rule,
        proposals=(),
        explanations=explanations,
        objective=liquidity_objective(problem, []),
        solver=LIQUIDITY_SOLVER,
        timings=_NO_TIME,
    )
