"""Independent check of a liquidity result: every rule re-verified, the objective recomputed.

It reads only the problem and the proposals (never the solver's arrays) and returns the list
of broken rules; an empty list means the result is valid. Every test that solves calls it.
"""

from __future__ import annotations

from collections import defaultdict

from matcher.domain import NetworkTree
from matcher.liquidity.model import (
    LiquidityProblem,
    LiquidityResult,
    LoanNeed,
    LoanOffer,
    LoanProposal,
)
from matcher.money import midpoint_rate_bps, simple_interest_satang
from matcher.results import FillState, RateRule


class ValidationFailed(AssertionError):
    """Raised by :func:`assert_valid` with every broken rule."""


def assert_valid(problem: LiquidityProblem, result: LiquidityResult) -> None:
    """Raise :class:`ValidationFailed` unless ``result`` is valid for ``problem``."""
    broken = validate_result(problem, result)
    if broken:
        raise ValidationFailed("\n".join(broken))


def validate_result(problem: LiquidityProblem, result: LiquidityResult) -> list[str]:
    """Every rule the result breaks, as readable lines (empty when valid)."""
    tree = NetworkTree.build(problem.networks, [c.id for c in problem.coops] + _fund_ids(problem))
    offers = {o.id: o for o in problem.offers}
    fund = problem.joint_fund
    if fund is not None:
        offers[fund.id] = LoanOffer(
            fund.id, fund.id, fund.amount_satang, fund.rate_bps, fund.max_term_days
        )
    needs = {n.id: n for n in problem.needs}
    out: list[str] = []
    for i, p in enumerate(result.proposals):
        out += [f"proposals[{i}]: {m}" for m in _check_loan(problem, tree, offers, p, needs)]
    out += _check_totals(problem, offers, result)
    out += _check_objective(problem, result)
    out += _check_stages(problem, result)
    out += _check_explanations(problem, result)
    return out


def _fund_ids(problem: LiquidityProblem) -> list[str]:
    return [] if problem.joint_fund is None else [problem.joint_fund.id]


def _contains(problem: LiquidityProblem, tree: NetworkTree, net_id: str, coop: str) -> bool:
    fund = problem.joint_fund
    if fund is not None and coop == fund.id:
        return net_id == fund.network_id
    return tree.contains(net_id, coop)


def _check_loan(
    problem: LiquidityProblem,
    tree: NetworkTree,
    offers: dict[str, LoanOffer],
    p: LoanProposal,
    needs: dict[str, LoanNeed],
) -> list[str]:
    o, n = offers.get(p.offer_id), needs.get(p.need_id)
    if o is None or n is None:
        return [f"unknown offer {p.offer_id!r} or need {p.need_id!r}"]
    bad = []
    if (p.lender, p.borrower) != (o.lender, n.borrower):
        bad.append("lender/borrower do not match the orders")
    if p.amount_satang <= 0:
        bad.append("amount must be positive")
    if p.term_days != n.term_days or n.term_days > o.max_term_days:
        bad.append("term must be the need's term and within the offer's longest term")
    net = tree.networks.get(p.network_id)
    if net is None or net.level.name.lower() != p.tier:
        bad.append(f"tier {p.tier!r} does not match network {p.network_id!r}")
    elif not (
        _contains(problem, tree, net.id, o.lender) and _contains(problem, tree, net.id, n.borrower)
    ):
        bad.append(f"network {net.id!r} does not contain both coops")
    else:
        expected = _expected_rate(problem, o, n.max_rate_bps, net.posted_rate_bps)
        if p.rate_bps != expected:
            bad.append(f"rate {p.rate_bps} bps, the rate rule gives {expected} bps")
        if not o.min_rate_bps <= p.rate_bps <= n.max_rate_bps:
            bad.append("rate outside [offer's lowest, need's highest]")
    if p.interest_satang != simple_interest_satang(p.amount_satang, p.rate_bps, p.term_days):
        bad.append("interest is not Actual/365 half-even")
    return bad


def _expected_rate(
    problem: LiquidityProblem, o: LoanOffer, need_rate: int, posted: int | None
) -> int:
    fund = problem.joint_fund
    if fund is not None and o.id == fund.id:
        return fund.rate_bps
    if problem.rate_rule is RateRule.POSTED and posted is not None:
        return posted
    return midpoint_rate_bps(o.min_rate_bps, need_rate)


def _check_totals(
    problem: LiquidityProblem, offers: dict[str, LoanOffer], result: LiquidityResult
) -> list[str]:
    lent: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    exposure: dict[tuple[str, str], int] = defaultdict(int)
    by_lender: dict[str, int] = defaultdict(int)
    by_borrower: dict[str, int] = defaultdict(int)
    for p in result.proposals:
        lent[p.offer_id] += p.amount_satang
        got[p.need_id] += p.amount_satang
        count[p.need_id] += 1
        exposure[(p.offer_id, p.borrower)] += p.amount_satang
        by_lender[p.lender] += p.amount_satang
        by_borrower[p.borrower] += p.amount_satang
    bad = [f"offer {k} over-lent" for k, v in lent.items() if v > offers[k].amount_satang]
    rules = {r.coop_id: r for r in problem.rules}
    for n in problem.needs:
        x, rule = got[n.id], rules.get(n.borrower)
        if x > n.amount_satang:
            bad.append(f"need {n.id} over-filled")
        if 0 < x < n.min_amount_satang:
            bad.append(f"need {n.id} filled below its minimum useful amount")
        if (
            rule
            and rule.max_lenders_per_need is not None
            and count[n.id] > rule.max_lenders_per_need
        ):
            bad.append(f"need {n.id} has more lenders than allowed")
    for (oid, borrower), x in exposure.items():
        cap = offers[oid].cap_per_borrower_satang
        if cap is not None and x > cap:
            bad.append(f"offer {oid} exceeds its cap towards {borrower}")
    for coop, x in by_lender.items():
        rule = rules.get(coop)
        if rule and not rule.may_lend:
            bad.append(f"{coop} lends although its bylaws forbid it")
        lendable = (
            None
            if not rule or rule.liquid_funds_satang is None
            else (rule.liquid_funds_satang - rule.reserve_satang)
        )
        if lendable is not None and x > lendable:
            bad.append(f"{coop} lends into its liquidity reserve")
    for coop, x in by_borrower.items():
        rule = rules.get(coop)
        if rule and not rule.may_borrow:
            bad.append(f"{coop} borrows although its bylaws forbid it")
        limit = (
            None
            if not rule or rule.borrowing_limit_satang is None
            else (rule.borrowing_limit_satang - rule.outstanding_satang)
        )
        if limit is not None and x > limit:
            bad.append(f"{coop} exceeds its registrar-approved borrowing limit")
    return bad


def _check_objective(problem: LiquidityProblem, result: LiquidityResult) -> list[str]:
    got: dict[str, int] = defaultdict(int)
    for p in result.proposals:
        got[p.need_id] += p.amount_satang
    obj = result.objective
    bad = []
    if obj.urgency_weighted_satang != sum(n.urgency * got[n.id] for n in problem.needs):
        bad.append("objective: urgency-weighted amount does not recompute")
    if obj.covered_satang != sum(got.values()):
        bad.append("objective: covered amount does not recompute")
    if obj.needed_satang != sum(n.amount_satang for n in problem.needs):
        bad.append("objective: needed amount does not recompute")
    if obj.interest_satang != sum(p.interest_satang for p in result.proposals):
        bad.append("objective: interest does not recompute")
    if obj.loan_count != len(result.proposals):
        bad.append("objective: loan count does not recompute")
    ratios = [got[n.id] * 10_000 // n.amount_satang for n in problem.needs]
    if ratios and abs(obj.min_fill_ratio_bps - min(ratios)) > 1:
        bad.append("objective: smallest fill ratio does not recompute")
    return bad


TIER_ORDER = ("area", "province", "region", "national")


def _band_score(amount: int, minimum: int, before: int, added: int, policy: str, k: int) -> int:
    """The fairness score of one need's fill at one tier, from the stated rule alone: band j
    (1 … K) spans (b_{j−1}, b_j] with b_j = ⌈a·j/K⌉ (maxmin) or the minimum then K−1 equal
    steps of the rest (proportional); each satang in band j scores 2(K−j)+1."""
    if policy == "coverage" or k == 1:
        return 0
    score = 0
    for j in range(1, k + 1):
        if policy == "maxmin":
            lo, hi = -((-amount * (j - 1)) // k), -((-amount * j) // k)
        else:
            lo = 0 if j == 1 else minimum + -((-(amount - minimum) * (j - 2)) // (k - 1))
            hi = minimum + -((-(amount - minimum) * (j - 1)) // (k - 1))
        inside = max(0, min(hi, before + added) - max(lo, before))
        score += (2 * (k - j) + 1) * inside
    return score


def _check_stages(problem: LiquidityProblem, result: LiquidityResult) -> list[str]:
    """Each tier's urgency and fairness stage values, recomputed from its proposals."""
    if not result.tiers:
        return []
    needs = {n.id: n for n in problem.needs}
    by_tier: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in result.proposals:
        by_tier[p.tier][p.need_id] += p.amount_satang
    if [t.tier for t in result.tiers] != [t for t in TIER_ORDER if t in by_tier]:
        return ["stages: the tiers do not match the proposals' tiers"]
    bad: list[str] = []
    before: defaultdict[str, int] = defaultdict(int)
    for stage in result.tiers:
        added = by_tier[stage.tier]
        urgency = sum(needs[n].urgency * x for n, x in added.items())
        fair = sum(
            _band_score(
                needs[n].amount_satang,
                needs[n].min_amount_satang,
                before[n],
                x,
                result.policy.value,
                problem.fairness_steps,
            )
            for n, x in added.items()
        )
        if urgency != stage.urgency_weighted_satang:
            bad.append(f"stages: {stage.tier} urgency-weighted amount does not recompute")
        if fair != stage.fairness_score:
            bad.append(f"stages: {stage.tier} fairness score does not recompute")
        for n, x in added.items():
            before[n] += x
    return bad


def _check_explanations(problem: LiquidityProblem, result: LiquidityResult) -> list[str]:
    matched: dict[str, int] = defaultdict(int)
    for p in result.proposals:
        matched[p.need_id] += p.amount_satang
        matched[p.offer_id] += p.amount_satang
    expected = {n.id for n in problem.needs} | {o.id for o in problem.offers}
    if problem.joint_fund is not None:
        expected.add(problem.joint_fund.id)
    seen = {e.order_id for e in result.explanations}
    bad = [] if seen == expected else ["explanations do not cover every order exactly once"]
    for e in result.explanations:
        if e.matched_satang != matched[e.order_id]:
            bad.append(f"explanation of {e.order_id}: matched amount is wrong")
        full = e.matched_satang >= e.amount_satang
        want = (
            FillState.FILLED
            if full
            else (FillState.PARTLY_FILLED if e.matched_satang else FillState.UNMATCHED)
        )
        if e.state is not want or not e.reasons:
            bad.append(f"explanation of {e.order_id}: state or reasons are wrong")
    return bad
