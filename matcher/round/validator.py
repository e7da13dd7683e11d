"""Independent check of a combined round result; uses no solver.

It validates the three parts with their own validators on the effective sub-problems
(set-off as posted, liquidity on the needs shrunk as recomputed here, produce as posted)
and recomputes, with plain integers: the relief of every coop from the problem's own
obligation due dates, the shrunk needs by prefix sums (a different formulation of the
rule in :mod:`matcher.round.combined`), the obligations created by sales on credit, the
summary figures and the combined status.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from matcher.liquidity.model import LiquidityProblem
from matcher.liquidity.validator import validate_result as validate_liquidity
from matcher.money import ratio_bps
from matcher.produce.validator import validate as validate_produce
from matcher.round.combined import setoff_problem_of
from matcher.round.model import NeedChange, RoundProblem, RoundResult, sale_obligation_id
from matcher.setoff.validator import validate as validate_setoff

_RANK = ("optimal", "feasible", "time_limited", "infeasible")


def validate_round(problem: RoundProblem, result: RoundResult) -> list[str]:
    """Every rule ``result`` breaks, as readable lines; an empty list means valid."""
    errors = [f"setoff: {e}" for e in validate_setoff(setoff_problem_of(problem), result.setoff)]
    expected = expected_changes(problem, result)
    if result.need_changes != expected:
        errors.append(f"need changes {result.need_changes} differ from the rule: {expected}")
    for c in result.need_changes:
        if not 0 <= c.new_min_amount_satang <= c.new_amount_satang <= c.amount_satang:
            errors.append(f"need {c.need_id}: amounts out of order after shrinking")
    liq = _shrunk_liquidity(problem, expected)
    errors += [f"liquidity: {e}" for e in validate_liquidity(liq, result.liquidity)]
    if (problem.produce is None) != (result.produce is None):
        errors.append("a produce result is present exactly when a produce problem is")
    elif problem.produce is not None and result.produce is not None:
        errors += [f"produce: {e}" for e in validate_produce(problem.produce, result.produce)]
    errors += _check_new_obligations(problem, result)
    errors += _check_summary(problem, result)
    statuses = [result.setoff.status, result.liquidity.status]
    statuses += [result.produce.status] if result.produce is not None else []
    worst = max((_RANK.index(s.value) for s in statuses), default=0)
    if result.status.value != _RANK[worst]:
        errors.append(f"status {result.status.value} is not the worst part ({_RANK[worst]})")
    return errors


def expected_changes(problem: RoundProblem, result: RoundResult) -> tuple[NeedChange, ...]:
    """The shrink rule by prefix sums: cut_n = clamp(R_c − Σ_{m<n} amount_m, 0, amount_n)."""
    obligations = {o.id: o for o in problem.obligations}
    relief: dict[str, int] = defaultdict(int)
    for notice in result.setoff.notices:
        ob = obligations.get(notice.obligation_id)
        if ob is not None and ob.due_date is not None and ob.due_date <= problem.business_date:
            relief[ob.debtor] += notice.set_off_satang
    before: dict[str, int] = defaultdict(int)
    out = []
    for need in sorted(problem.needs, key=lambda n: n.id):
        cut = max(0, min(need.amount_satang, relief[need.borrower] - before[need.borrower]))
        before[need.borrower] += need.amount_satang
        left = need.amount_satang - cut
        out.append(
            NeedChange(
                need.id, need.borrower, need.amount_satang, cut, left,
                min(need.min_amount_satang, left),
            )
        )  # fmt: skip
    return tuple(out)


def _shrunk_liquidity(problem: RoundProblem, changes: tuple[NeedChange, ...]) -> LiquidityProblem:
    """The liquidity problem lending should have seen: needs shrunk, covered ones gone."""
    left = {c.need_id: c for c in changes}
    needs = tuple(
        replace(
            n,
            amount_satang=left[n.id].new_amount_satang,
            min_amount_satang=left[n.id].new_min_amount_satang,
        )
        for n in problem.needs
        if left[n.id].new_amount_satang > 0
    )
    return LiquidityProblem(
        problem.coops,
        problem.networks,
        problem.offers,
        needs,
        problem.rules,
        problem.joint_fund,
        problem.policy,
        problem.rate_rule,
        problem.liquidity_time_limit_ms,
    )


def _sales(problem: RoundProblem, result: RoundResult) -> list[tuple[str, str, str, str, str, int]]:
    """(tier, source, order, seller, buyer, price × quantity) of each shipment into an order."""
    if problem.produce is None or result.produce is None:
        return []
    orders = {o.id: o.buyer for o in problem.produce.orders}
    return [
        (m.tier, m.source_id, m.target_id, m.seller, orders[m.target_id],
         m.price_satang_per_unit * m.quantity)
        for m in result.produce.matches
        if m.target_id in orders
    ]  # fmt: skip


def _check_new_obligations(problem: RoundProblem, result: RoundResult) -> list[str]:
    """Sales to credit buyers, and only those, became obligations with the right terms."""
    credit = set(problem.credit.credit_buyers)
    due = problem.business_date + timedelta(days=problem.credit.sale_credit_days)
    want: dict[str, tuple[str, str, int]] = {}
    for _, src, order, seller, buyer, value in _sales(problem, result):
        if buyer in credit and buyer != seller and value > 0:
            key = sale_obligation_id(src, order)
            old = want.get(key, (buyer, seller, 0))
            want[key] = (buyer, seller, old[2] + value)
    errors = []
    got = {o.id: o for o in result.new_obligations}
    if len(got) != len(result.new_obligations) or [o.id for o in result.new_obligations] != sorted(
        got
    ):
        errors.append("new obligations must have unique ids in ascending order")
    if set(got) != set(want):
        errors.append(f"new obligations {sorted(got)} differ from credit sales {sorted(want)}")
    for key in sorted(set(got) & set(want)):
        o, (debtor, creditor, amount) = got[key], want[key]
        if (o.debtor, o.creditor, o.amount_satang, o.due_date) != (debtor, creditor, amount, due):
            errors.append(f"{key}: expected {debtor} owes {creditor} {amount} due {due}, got {o}")
    return errors


def _check_summary(problem: RoundProblem, result: RoundResult) -> list[str]:
    """Every summary figure recomputed from the parts."""
    s, t = result.summary, result.setoff.totals
    sales = _sales(problem, result)
    loans = result.liquidity.proposals
    expect = {
        "debt_gross_satang": sum(o.amount_satang for o in problem.obligations),
        "debt_cleared_satang": sum(n.set_off_satang for n in result.setoff.notices),
        "cleared_share_bps": ratio_bps(t.cleared_satang, t.gross_satang),
        "cash_needed_satang": result.setoff.injection.settle_all_satang,
        "needs_posted_satang": sum(n.amount_satang for n in problem.needs),
        "needs_shrunk_satang": sum(c.relief_satang for c in result.need_changes),
        "needs_covered_count": sum(1 for c in result.need_changes if c.new_amount_satang == 0),
        "loan_count": len(loans),
        "loans_satang": sum(p.amount_satang for p in loans),
        "sale_count": len(sales),
        "sales_satang": sum(x[5] for x in sales),
        "new_obligation_count": len(result.new_obligations),
        "new_obligations_satang": sum(o.amount_satang for o in result.new_obligations),
    }
    errors = [
        f"summary.{name} is {getattr(s, name)}, expected {value}"
        for name, value in expect.items()
        if getattr(s, name) != value
    ]
    for name, pairs in (
        ("loans_by_tier", [(p.tier, p.amount_satang) for p in loans]),
        ("sales_by_tier", [(x[0], x[5]) for x in sales]),
    ):
        per: dict[str, tuple[int, int]] = {}
        for tier, amount in pairs:
            count, total = per.get(tier, (0, 0))
            per[tier] = (count + 1, total + amount)
        got = {x.tier: (x.count, x.amount_satang) for x in getattr(s, name)}
        if got != per:
            errors.append(f"summary.{name} is {got}, expected {per}")
    return errors
