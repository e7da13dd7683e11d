"""The combined daily round: set-off first, lending on what is left, then produce.

Order of the parts and the rules that join them:

1. **Set-off** on the round's obligations (:func:`matcher.setoff.solver.solve_setoff`). The
   liquidity sources of its injection analysis are today's loan offers (lender coop, lowest
   rate) and the joint fund (no coop, posted rate).
2. **Shrink the liquidity needs** (:func:`shrink_needs`). For coop ``c`` let the *relief*

       R_c = Σ set_off_e  over set-off notices e with debtor_e = c
                         and a due date with due_e ≤ business_date

   i.e. the payables set-off cancelled for ``c`` that it would otherwise have had to pay in
   cash by today (undated and later-dated obligations give no relief). ``R_c`` is spent on
   ``c``'s needs in ascending need id: need ``n`` takes ``cut_n = min(amount_n, R_left)``,
   its amount becomes ``amount_n − cut_n ≥ 0`` and its minimum useful amount
   ``min(min_amount_n, amount_n − cut_n)``. Hence Σ_n cut_n = min(R_c, Σ_n amount_n). A need
   shrunk to zero is *covered by set-off* and is not sent to lending. Cancelled receivables
   are not charged against the coop (the rule counts payables only).
3. **Liquidity matching** on the shrunk needs (:func:`matcher.liquidity.solver.solve_liquidity`).
4. **Produce matching** of today's surplus (:func:`matcher.produce.solver.solve_produce`).
5. **Sales on credit become obligations** (:func:`credit_obligations`): each shipment into
   a purchase order of a buyer listed in ``credit.credit_buyers`` makes the buyer owe the
   seller price × quantity, due ``business_date + sale_credit_days``, with the id
   ``sale-`` + 16 hex digits of sha256(source, order) (:func:`sale_obligation_id`);
   they are set off in the next round.

Input errors of every part are collected before anything is solved; produce fields are
prefixed ``produce.``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar

from matcher.domain import NetworkLevel
from matcher.errors import FieldIssue, InputError, IssueCollector
from matcher.liquidity.checks import check_problem as check_liquidity
from matcher.liquidity.model import LiquidityProblem, LiquidityResult, LoanNeed
from matcher.liquidity.solver import solve_liquidity
from matcher.money import ratio_bps
from matcher.produce.checks import check_problem as check_produce
from matcher.produce.model import ProduceMatch, ProduceProblem, ProduceResult
from matcher.produce.solver import solve_produce
from matcher.produce.state import Layout
from matcher.results import SolveStatus, Timings
from matcher.round.model import (
    MAX_CREDIT_DAYS,
    Clock,
    NeedChange,
    RoundProblem,
    RoundResult,
    RoundSummary,
    TierTotal,
    sale_obligation_id,
)
from matcher.round.shortcuts import (
    empty_liquidity_result,
    empty_setoff_result,
    liquidity_has_no_money,
    liquidity_is_empty,
    setoff_is_empty,
    unfunded_liquidity_result,
)
from matcher.setoff.checks import check_problem as check_setoff
from matcher.setoff.model import LiquiditySource, Obligation, SetoffProblem, SetoffResult
from matcher.setoff.solver import solve_setoff

T = TypeVar("T")
_STATUS_RANK = {
    SolveStatus.OPTIMAL: 0,
    SolveStatus.FEASIBLE: 1,
    SolveStatus.TIME_LIMITED: 2,
    SolveStatus.INFEASIBLE: 3,
}
_TIER_RANK = {level.name.lower(): int(level) for level in NetworkLevel}


def worst_status(statuses: Iterable[SolveStatus]) -> SolveStatus:
    """The worst of the statuses (optimal when there are none)."""
    return max(statuses, key=_STATUS_RANK.__getitem__, default=SolveStatus.OPTIMAL)


def setoff_problem_of(problem: RoundProblem) -> SetoffProblem:
    """The set-off part: obligations, with offers and the joint fund as cash sources."""
    sources = [
        LiquiditySource(o.id, o.amount_satang, o.min_rate_bps, o.lender) for o in problem.offers
    ]
    fund = problem.joint_fund
    if fund is not None:
        sources.append(LiquiditySource(fund.id, fund.amount_satang, fund.rate_bps, None))
    return SetoffProblem(
        coops=problem.coops,
        obligations=problem.obligations,
        sources=tuple(sources),
        curve_steps=problem.curve_steps,
    )


def setoff_relief(business_date: date, setoff: SetoffResult) -> dict[str, int]:
    """R_c per debtor coop: set-off of obligations due on or before the business date."""
    relief: dict[str, int] = defaultdict(int)
    for n in setoff.notices:
        if n.due_date is not None and n.due_date <= business_date and n.set_off_satang > 0:
            relief[n.debtor] += n.set_off_satang
    return dict(relief)


def shrink_needs(problem: RoundProblem, setoff: SetoffResult) -> tuple[NeedChange, ...]:
    """Spend each coop's relief on its needs in ascending id (see the module docstring).

    >>> from matcher.liquidity.model import LoanNeed
    >>> from matcher.setoff.model import SetoffNotice
    >>> d = date(2025, 8, 12)
    >>> p = RoundProblem(d, (), (), needs=(LoanNeed("n2", "a", 50, 500, 30, 40),
    ...                                    LoanNeed("n1", "a", 30, 500, 30)))
    >>> s = SetoffResult(SolveStatus.OPTIMAL, (SetoffNotice("o", "a", "b", 90, 60, 30, d),),
    ...                  None, None, "", Timings(0, 0, 0))  # type: ignore[arg-type]
    >>> [(c.need_id, c.relief_satang, c.new_amount_satang, c.new_min_amount_satang)
    ...  for c in shrink_needs(p, s)]
    [('n1', 30, 0, 0), ('n2', 30, 20, 20)]
    """
    left = setoff_relief(problem.business_date, setoff)
    changes: list[NeedChange] = []
    for need in sorted(problem.needs, key=lambda n: n.id):
        cut = min(need.amount_satang, left.get(need.borrower, 0))
        left[need.borrower] = left.get(need.borrower, 0) - cut
        new_amount = need.amount_satang - cut
        changes.append(
            NeedChange(
                need_id=need.id,
                borrower=need.borrower,
                amount_satang=need.amount_satang,
                relief_satang=cut,
                new_amount_satang=new_amount,
                new_min_amount_satang=min(need.min_amount_satang, new_amount),
            )
        )
    return tuple(changes)


def liquidity_problem_of(
    problem: RoundProblem, changes: Iterable[NeedChange] = ()
) -> LiquidityProblem:
    """The liquidity part with the shrunk needs (input order kept; covered needs dropped)."""
    by_id = {c.need_id: c for c in changes}
    needs: list[LoanNeed] = []
    for need in problem.needs:
        change = by_id.get(need.id)
        if change is None:
            needs.append(need)
        elif change.new_amount_satang > 0:
            needs.append(
                replace(
                    need,
                    amount_satang=change.new_amount_satang,
                    min_amount_satang=change.new_min_amount_satang,
                )
            )
    return LiquidityProblem(
        coops=problem.coops,
        networks=problem.networks,
        offers=problem.offers,
        needs=tuple(needs),
        rules=problem.rules,
        joint_fund=problem.joint_fund,
        policy=problem.policy,
        rate_rule=problem.rate_rule,
        time_limit_ms=problem.liquidity_time_limit_ms,
    )


def sales_of(produce: ProduceProblem | None, result: ProduceResult | None) -> list[ProduceMatch]:
    """Shipments delivered to purchase orders (legs into processors are not sales)."""
    if produce is None or result is None:
        return []
    orders = {o.id for o in produce.orders}
    return [m for m in result.matches if m.target_id in orders]


def credit_obligations(
    problem: RoundProblem, result: ProduceResult | None
) -> tuple[Obligation, ...]:
    """Sales to credit buyers as obligations for the next round, sorted by id."""
    credit = set(problem.credit.credit_buyers)
    due = problem.business_date + timedelta(days=problem.credit.sale_credit_days)
    owed: dict[tuple[str, str], int] = defaultdict(int)
    parties: dict[tuple[str, str], tuple[str, str]] = {}
    for m in sales_of(problem.produce, result):
        if m.buyer in credit and m.buyer != m.seller and m.price_satang_per_unit * m.quantity > 0:
            key = (m.source_id, m.target_id)
            owed[key] += m.price_satang_per_unit * m.quantity
            parties[key] = (m.buyer, m.seller)
    made = (
        Obligation(
            sale_obligation_id(src, dst), parties[src, dst][0], parties[src, dst][1], amount, due
        )
        for (src, dst), amount in owed.items()
    )
    return tuple(sorted(made, key=lambda o: o.id))


def tier_totals(items: Iterable[tuple[str, int]]) -> tuple[TierTotal, ...]:
    """(tier, amount) pairs → count and amount per tier, most local tier first."""
    count: dict[str, int] = defaultdict(int)
    amount: dict[str, int] = defaultdict(int)
    for tier, value in items:
        count[tier] += 1
        amount[tier] += value
    order = sorted(count, key=lambda t: (_TIER_RANK.get(t, len(_TIER_RANK)), t))
    return tuple(TierTotal(t, count[t], amount[t]) for t in order)


def summarise(
    problem: RoundProblem,
    setoff: SetoffResult,
    liquidity: LiquidityResult,
    produce: ProduceResult | None,
    changes: tuple[NeedChange, ...],
    new_obligations: tuple[Obligation, ...],
) -> RoundSummary:
    """The headline figures of the round."""
    sales = sales_of(problem.produce, produce)
    return RoundSummary(
        debt_gross_satang=setoff.totals.gross_satang,
        debt_cleared_satang=setoff.totals.cleared_satang,
        cleared_share_bps=ratio_bps(setoff.totals.cleared_satang, setoff.totals.gross_satang),
        cash_needed_satang=setoff.injection.settle_all_satang,
        needs_posted_satang=sum(c.amount_satang for c in changes),
        needs_shrunk_satang=sum(c.relief_satang for c in changes),
        needs_covered_count=sum(1 for c in changes if c.covered_by_setoff),
        loan_count=len(liquidity.proposals),
        loans_satang=sum(p.amount_satang for p in liquidity.proposals),
        loans_by_tier=tier_totals((p.tier, p.amount_satang) for p in liquidity.proposals),
        sale_count=len(sales),
        sales_satang=sum(m.price_satang_per_unit * m.quantity for m in sales),
        sales_by_tier=tier_totals((m.tier, m.price_satang_per_unit * m.quantity) for m in sales),
        new_obligation_count=len(new_obligations),
        new_obligations_satang=sum(o.amount_satang for o in new_obligations),
    )


def _collect(col: IssueCollector, prefix: str, check: Callable[[], object]) -> None:
    """Run one part's input check, recording its issues under ``prefix``."""
    try:
        check()
    except InputError as exc:
        col.issues.extend(FieldIssue(prefix + i.field, i.message) for i in exc.issues)


def check_round(problem: RoundProblem) -> None:
    """Raise :class:`InputError` naming every field of any part that breaks a rule."""
    col = IssueCollector()
    coop_ids = {c.id for c in problem.coops}
    credit = problem.credit
    col.require(
        0 <= credit.sale_credit_days <= MAX_CREDIT_DAYS,
        "credit.sale_credit_days",
        f"must be between 0 and {MAX_CREDIT_DAYS} days",
    )
    for i, buyer in enumerate(credit.credit_buyers):
        col.require(buyer in coop_ids, f"credit.credit_buyers[{i}]", f"unknown coop {buyer!r}")
    # Offers and the joint fund are checked once, as liquidity fields (the set-off sources
    # built from them would report the same problem under names the file does not have).
    _collect(col, "", lambda: check_setoff(replace(setoff_problem_of(problem), sources=())))
    _collect(col, "", lambda: check_liquidity(liquidity_problem_of(problem)))
    if problem.produce is not None:
        col.require(
            problem.produce.round_date == problem.business_date,
            "produce.round_date",
            f"must equal the business date {problem.business_date.isoformat()}",
        )
        produce = problem.produce
        _collect(col, "produce.", lambda: check_produce(produce))
    col.raise_if_any()


def solve_round(
    problem: RoundProblem,
    clock: Clock | None = None,
    *,
    checked: bool = False,
    layout: Layout | None = None,
    explain: bool = True,
) -> RoundResult:
    """Run set-off, shrink the needs, lend, match produce and book sales on credit.

    Args:
        problem: the round's coops, networks, obligations, orders and credit terms.
        clock: a monotonic nanosecond clock for the timings (none: timings are zero).
        checked: the caller vouches that ``problem`` passes :func:`check_round` (it built
            the problem itself, as the season simulator does): the round check is not run
            again (nor the set-off and produce parts' checks), and a part with nothing to match (no
            obligations; no needs, offers or joint fund; needs but no offer or joint
            fund) gets its solver's fixed answer without a solve
            (:mod:`matcher.round.shortcuts`). Input from files or the API must leave it
            false.
        layout: the produce part's coops, networks and transport as laid out once by a
            caller that solves many rounds on them (:func:`matcher.produce.state.layout_of`);
            used where it fits.
        explain: explain every liquidity and produce order (the default). False leaves
            ``liquidity.explanations`` and ``produce.explanations`` empty and the rest of
            the result the same, for a caller that never reads them (the season
            simulator).

    Returns:
        The three sub-results, the need changes, the new obligations and the summary.

    Raises:
        InputError: when any part breaks a rule; nothing is solved.

    >>> from matcher.domain import Coop, Network, NetworkLevel
    >>> from matcher.liquidity.model import LoanOffer
    >>> d = date(2025, 8, 12)
    >>> cs = tuple(Coop(i, i, i) for i in "abc")
    >>> net = Network("lp", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE, members=("a", "b", "c"))
    >>> p = RoundProblem(d, cs, (net,),
    ...     obligations=(Obligation("x", "a", "b", 400, d), Obligation("y", "b", "a", 300, d)),
    ...     offers=(LoanOffer("o", "c", 1_000, 300, 90),),
    ...     needs=(LoanNeed("n", "a", 500, 500, 30),))
    >>> r = solve_round(p)
    >>> r.need_changes[0].new_amount_satang, r.summary.loans_satang, r.status.value
    (200, 200, 'optimal')
    """
    start = clock() if clock else 0
    if not checked:
        check_round(problem)
    built = clock() if clock else 0
    setoff_part = setoff_problem_of(problem)
    if checked and setoff_is_empty(setoff_part):
        setoff = empty_setoff_result(setoff_part)
    else:
        setoff = solve_setoff(setoff_part, clock, checked=checked)
    changes = shrink_needs(problem, setoff)
    lending = liquidity_problem_of(problem, changes)
    if checked and liquidity_is_empty(lending):
        liquidity = empty_liquidity_result(lending)
    elif checked and liquidity_has_no_money(lending):
        liquidity = unfunded_liquidity_result(lending, explain=explain)
    else:
        liquidity = solve_liquidity(lending, clock, explain=explain)
    produce = None
    if problem.produce is not None:
        produce = solve_produce(
            problem.produce, clock, checked=checked, layout=layout, explain=explain
        )
    new_obligations = credit_obligations(problem, produce)
    end = clock() if clock else 0
    parts = [setoff.status, liquidity.status] + ([produce.status] if produce else [])
    return RoundResult(
        business_date=problem.business_date,
        status=worst_status(parts),
        setoff=setoff,
        liquidity=liquidity,
        produce=produce,
        need_changes=changes,
        new_obligations=new_obligations,
        summary=summarise(problem, setoff, liquidity, produce, changes, new_obligations),
        timings=Timings(
            build_ms=(built - start) // 1_000_000,
            solve_ms=(end - built) // 1_000_000,
            total_ms=(end - start) // 1_000_000,
        ),
    )
