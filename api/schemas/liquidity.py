"""The liquidity problem and result files (JSON), and their mapping to matcher types.

Money is a decimal baht string with at most two places; rates are integer basis points.
The result file holds no wall-clock figures, so the same input gives byte-identical output.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.schemas.common import (
    Count,
    Days,
    Identifier,
    Money,
    PositiveMoney,
    RateBps,
    StrictModel,
)
from api.schemas.domain import CoopIn, NetworkIn, coop_to_domain, network_to_domain
from matcher.liquidity.model import (
    CoopRules,
    JointFund,
    LiquidityProblem,
    LiquidityResult,
    LoanNeed,
    LoanOffer,
)
from matcher.money import satang_to_decimal_string
from matcher.results import FairnessPolicy, RateRule


class OfferIn(StrictModel):
    """Idle funds offered by a lender."""

    id: Identifier
    lender: Identifier
    amount: PositiveMoney
    min_rate_bps: RateBps
    max_term_days: Days
    cap_per_borrower: PositiveMoney | None = None
    arrival: Count = 0


class NeedIn(StrictModel):
    """Working capital a borrower needs."""

    id: Identifier
    borrower: Identifier
    amount: PositiveMoney
    max_rate_bps: RateBps
    term_days: Days
    min_amount: Money = 0
    urgency: Annotated[int, Field(strict=True, ge=1, le=5)] = 1
    arrival: Count = 0


class RulesIn(StrictModel):
    """Registrar and bylaw rules of one coop."""

    coop_id: Identifier
    may_lend: bool = True
    may_borrow: bool = True
    borrowing_limit: Money | None = None
    outstanding: Money = 0
    liquid_funds: Money | None = None
    reserve: Money = 0
    max_lenders_per_need: Annotated[int, Field(strict=True, ge=1, le=1000)] | None = None


class JointFundIn(StrictModel):
    """The national joint fund, lender of last resort."""

    id: Identifier
    network_id: Identifier
    amount: PositiveMoney
    rate_bps: RateBps
    max_term_days: Days = 3650


class LiquidityProblemFile(StrictModel):
    """A liquidity matching problem as a JSON document."""

    description: Annotated[str, Field(max_length=2000)] = ""
    coops: list[CoopIn]
    networks: list[NetworkIn]
    offers: list[OfferIn]
    needs: list[NeedIn]
    rules: list[RulesIn] = Field(default_factory=list)
    joint_fund: JointFundIn | None = None
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    time_limit_ms: Annotated[int, Field(strict=True, ge=1, le=3_600_000)] = 10_000


def problem_to_domain(f: LiquidityProblemFile) -> LiquidityProblem:
    """File → matcher problem (explicit, field by field)."""
    return LiquidityProblem(
        coops=tuple(coop_to_domain(c) for c in f.coops),
        networks=tuple(network_to_domain(n) for n in f.networks),
        offers=tuple(
            LoanOffer(
                o.id,
                o.lender,
                o.amount,
                o.min_rate_bps,
                o.max_term_days,
                o.cap_per_borrower,
                o.arrival,
            )
            for o in f.offers
        ),
        needs=tuple(
            LoanNeed(
                n.id,
                n.borrower,
                n.amount,
                n.max_rate_bps,
                n.term_days,
                n.min_amount,
                n.urgency,
                n.arrival,
            )
            for n in f.needs
        ),
        rules=tuple(
            CoopRules(
                r.coop_id,
                r.may_lend,
                r.may_borrow,
                r.borrowing_limit,
                r.outstanding,
                r.liquid_funds,
                r.reserve,
                r.max_lenders_per_need,
            )
            for r in f.rules
        ),
        joint_fund=(
            None
            if f.joint_fund is None
            else JointFund(
                f.joint_fund.id,
                f.joint_fund.network_id,
                f.joint_fund.amount,
                f.joint_fund.rate_bps,
                f.joint_fund.max_term_days,
            )
        ),
        policy=f.policy,
        rate_rule=f.rate_rule,
        time_limit_ms=f.time_limit_ms,
    )


def result_to_json(result: LiquidityResult, baseline: LiquidityResult | None) -> dict[str, Any]:
    """Matcher result → the JSON document written by ``--out`` (no wall-clock figures)."""
    money = satang_to_decimal_string
    obj = result.objective
    doc: dict[str, Any] = {
        "status": result.status.value,
        "solver": result.solver,
        "policy": result.policy.value,
        "rate_rule": result.rate_rule.value,
        "interest_rule": "simple interest, Actual/365, rounded half-even once per loan",
        "notes": list(result.notes),
        "objective": {
            "urgency_weighted": money(obj.urgency_weighted_satang),
            "covered": money(obj.covered_satang),
            "needed": money(obj.needed_satang),
            "min_fill_ratio_bps": obj.min_fill_ratio_bps,
            "interest": money(obj.interest_satang),
            "loan_count": obj.loan_count,
        },
        "proposals": [
            {
                "offer_id": p.offer_id,
                "need_id": p.need_id,
                "lender": p.lender,
                "borrower": p.borrower,
                "amount": money(p.amount_satang),
                "rate_bps": p.rate_bps,
                "term_days": p.term_days,
                "tier": p.tier,
                "network_id": p.network_id,
                "interest": money(p.interest_satang),
            }
            for p in result.proposals
        ],
        "explanations": [
            {
                "order_id": e.order_id,
                "side": e.side,
                "coop_id": e.coop_id,
                "state": e.state.value,
                "amount": money(e.amount_satang),
                "matched": money(e.matched_satang),
                "reasons": list(e.reasons),
                "detail": e.detail,
                "marginal_value_urgency_per_baht": e.marginal_value_urgency_per_baht,
            }
            for e in result.explanations
        ],
    }
    if baseline is not None:
        doc["baseline"] = {
            "solver": baseline.solver,
            "covered": money(baseline.objective.covered_satang),
            "urgency_weighted": money(baseline.objective.urgency_weighted_satang),
            "min_fill_ratio_bps": baseline.objective.min_fill_ratio_bps,
        }
    return doc
