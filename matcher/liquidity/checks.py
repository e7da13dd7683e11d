"""Input checks for a liquidity problem: every broken rule is reported with its field path."""

from __future__ import annotations

from collections.abc import Iterable

from matcher.domain import NetworkLevel, NetworkTree
from matcher.errors import IssueCollector
from matcher.liquidity.model import LiquidityProblem, LoanNeed, LoanOffer
from matcher.money import INT64_MAX, MAX_RATE_BPS

MAX_TERM_DAYS = 36_500
MAX_TOTAL_SATANG = 2**53
"""Sum of all amounts allowed in one problem (keeps solver arithmetic far from overflow)."""


def check_problem(problem: LiquidityProblem) -> NetworkTree:
    """Validate ``problem`` and return its network tree.

    Raises:
        InputError: listing every field that breaks a rule.
    """
    col = IssueCollector()
    coop_ids = _check_ids(col, "coops", (c.id for c in problem.coops))
    tree = NetworkTree.build(problem.networks, coop_ids, col)
    _check_offers(col, problem, coop_ids)
    _check_needs(col, problem, coop_ids)
    _check_rules(col, problem, coop_ids)
    _check_fund(col, problem, coop_ids, tree)
    _check_params(col, problem)
    col.raise_if_any()
    return tree


def _check_ids(col: IssueCollector, prefix: str, ids: Iterable[str]) -> set[str]:
    listed = list(ids)
    seen = set(listed)
    if len(seen) == len(listed) and "" not in seen:
        return seen  # the usual case: no id empty or repeated, nothing to report
    seen = set()
    for i, ident in enumerate(listed):
        if not ident:
            col.add(f"{prefix}[{i}].id", "must not be empty")
        elif ident in seen:
            col.add(f"{prefix}[{i}].id", f"duplicate id {ident!r}")
        seen.add(ident)
    return seen


def _amount(col: IssueCollector, field: str, value: int, *, allow_zero: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        col.add(field, "must be an integer number of satang")
    elif value < 0 or (value == 0 and not allow_zero):
        col.add(field, "must be greater than zero" if not allow_zero else "must not be negative")
    elif value > INT64_MAX:
        col.add(field, "is beyond the 64-bit integer range")


def _rate(col: IssueCollector, field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RATE_BPS:
        col.add(field, f"must be an integer between 0 and {MAX_RATE_BPS} basis points")


def _days(col: IssueCollector, field: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TERM_DAYS:
        col.add(field, f"must be a whole number of days between 1 and {MAX_TERM_DAYS}")


def _whole(value: object, low: int, high: int) -> bool:
    """Quick test: a plain ``int`` (not ``bool``) within [low, high]."""
    return type(value) is int and low <= value <= high


def _offer_fields_ok(o: LoanOffer) -> bool:
    """True when every field of ``o`` passes (the detailed checks then add nothing)."""
    cap = o.cap_per_borrower_satang
    return (
        _whole(o.amount_satang, 1, INT64_MAX)
        and _whole(o.min_rate_bps, 0, MAX_RATE_BPS)
        and _whole(o.max_term_days, 1, MAX_TERM_DAYS)
        and (cap is None or _whole(cap, 1, INT64_MAX))
    )


def _need_fields_ok(n: LoanNeed) -> bool:
    """True when every field of ``n`` passes (the detailed checks then add nothing)."""
    return (
        _whole(n.amount_satang, 1, INT64_MAX)
        and _whole(n.min_amount_satang, 0, n.amount_satang)
        and _whole(n.max_rate_bps, 0, MAX_RATE_BPS)
        and _whole(n.term_days, 1, MAX_TERM_DAYS)
        and _whole(n.urgency, 1, 5)
    )


def _check_offers(col: IssueCollector, problem: LiquidityProblem, coops: set[str]) -> None:
    ids = _check_ids(col, "offers", (o.id for o in problem.offers))
    borrowers = {n.borrower for n in problem.needs}
    for i, o in enumerate(problem.offers):
        if o.lender in coops and o.lender not in borrowers and _offer_fields_ok(o):
            continue
        where = f"offers[{i}]"
        if o.lender not in coops:
            col.add(f"{where}.lender", f"unknown coop {o.lender!r}")
        elif o.lender in borrowers:
            col.add(
                f"{where}.lender",
                f"coop {o.lender!r} also posts a need in this round: a coop cannot lend to "
                "itself; net its own offer and need first",
            )
        _amount(col, f"{where}.amount_satang", o.amount_satang)
        _rate(col, f"{where}.min_rate_bps", o.min_rate_bps)
        _days(col, f"{where}.max_term_days", o.max_term_days)
        if o.cap_per_borrower_satang is not None:
            _amount(col, f"{where}.cap_per_borrower_satang", o.cap_per_borrower_satang)
    if ids & {n.id for n in problem.needs}:
        col.add("needs", "offer and need ids must be distinct")


def _check_needs(col: IssueCollector, problem: LiquidityProblem, coops: set[str]) -> None:
    _check_ids(col, "needs", (n.id for n in problem.needs))
    for i, n in enumerate(problem.needs):
        if n.borrower in coops and _need_fields_ok(n):
            continue
        where = f"needs[{i}]"
        if n.borrower not in coops:
            col.add(f"{where}.borrower", f"unknown coop {n.borrower!r}")
        _amount(col, f"{where}.amount_satang", n.amount_satang)
        _amount(col, f"{where}.min_amount_satang", n.min_amount_satang, allow_zero=True)
        if (
            isinstance(n.min_amount_satang, int)
            and isinstance(n.amount_satang, int)
            and n.min_amount_satang > n.amount_satang
        ):
            col.add(f"{where}.min_amount_satang", "must not exceed amount_satang")
        _rate(col, f"{where}.max_rate_bps", n.max_rate_bps)
        _days(col, f"{where}.term_days", n.term_days)
        if isinstance(n.urgency, bool) or not isinstance(n.urgency, int) or not 1 <= n.urgency <= 5:
            col.add(f"{where}.urgency", "must be an integer from 1 to 5")
    # Only well-typed amounts add up (the others are already reported, not a crash).
    amounts = [o.amount_satang for o in problem.offers] + [n.amount_satang for n in problem.needs]
    total = sum(a for a in amounts if type(a) is int)
    if total > MAX_TOTAL_SATANG:
        col.add("needs", "the amounts in one round add up to more than this matcher accepts")


def _check_rules(col: IssueCollector, problem: LiquidityProblem, coops: set[str]) -> None:
    _check_ids(col, "rules", (r.coop_id for r in problem.rules))
    for i, r in enumerate(problem.rules):
        where = f"rules[{i}]"
        if r.coop_id not in coops:
            col.add(f"{where}.coop_id", f"unknown coop {r.coop_id!r}")
        if r.borrowing_limit_satang is not None:
            _amount(
                col, f"{where}.borrowing_limit_satang", r.borrowing_limit_satang, allow_zero=True
            )
        _amount(col, f"{where}.outstanding_satang", r.outstanding_satang, allow_zero=True)
        if r.liquid_funds_satang is not None:
            _amount(col, f"{where}.liquid_funds_satang", r.liquid_funds_satang, allow_zero=True)
        _amount(col, f"{where}.reserve_satang", r.reserve_satang, allow_zero=True)
        if r.max_lenders_per_need is not None and (
            not isinstance(r.max_lenders_per_need, int) or r.max_lenders_per_need < 1
        ):
            col.add(f"{where}.max_lenders_per_need", "must be at least 1")


def _check_fund(
    col: IssueCollector, problem: LiquidityProblem, coops: set[str], tree: NetworkTree
) -> None:
    fund = problem.joint_fund
    if fund is None:
        return
    if fund.id in coops:
        col.add("joint_fund.id", f"{fund.id!r} is already a coop id")
    net = tree.networks.get(fund.network_id)
    if net is None:
        col.add("joint_fund.network_id", f"unknown network {fund.network_id!r}")
    elif net.parent_id is not None or net.level != NetworkLevel.NATIONAL:
        col.add("joint_fund.network_id", "the joint fund must sit at a national root network")
    _amount(col, "joint_fund.amount_satang", fund.amount_satang)
    _rate(col, "joint_fund.rate_bps", fund.rate_bps)
    _days(col, "joint_fund.max_term_days", fund.max_term_days)


def _check_params(col: IssueCollector, problem: LiquidityProblem) -> None:
    if not 1 <= problem.time_limit_ms <= 3_600_000:
        col.add("time_limit_ms", "must be between 1 and 3,600,000 milliseconds")
    if not 1 <= problem.fairness_steps <= 100:
        col.add("fairness_steps", "must be between 1 and 100")
    if problem.max_pairs_per_network < 1_000:
        col.add("max_pairs_per_network", "must be at least 1,000")
    for i, net in enumerate(problem.networks):
        if net.posted_rate_bps is not None:
            _rate(col, f"networks[{i}].posted_rate_bps", net.posted_rate_bps)
