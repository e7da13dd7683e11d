"""JSON schema of the combined daily round and its mapping to matcher types.

Input: the business date, coops and networks (shared), the obligations (set-off
schema), the liquidity offers, needs, rules and joint fund at the top level (liquidity
schema, so field paths read ``needs[2].amount`` as in a liquidity file), an optional
``produce`` block (the produce schema without its own date, coops and networks: they are
the round's) and the credit terms of today's sales. Output: the summary, the need changes,
the new obligations (in the obligation input format, ready for the next round) and the
three sub-results as their own result files write them; no timings, so the same input
gives byte-identical output.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from api.schemas import produce as produce_schema
from api.schemas import setoff as setoff_schema
from api.schemas.common import Identifier, IsoDate, StrictModel
from api.schemas.domain import CoopIn, NetworkIn
from api.schemas.liquidity import (
    JointFundIn,
    LiquidityProblemFile,
    NeedIn,
    OfferIn,
    RulesIn,
    problem_to_domain,
    result_to_json,
)
from api.schemas.produce import LotIn, OrderIn, ProcessorIn, ProduceIn, ProductIn, TransportIn
from api.schemas.setoff import ObligationIn
from matcher.money import satang_to_decimal_string
from matcher.produce.model import PriceRule
from matcher.results import FairnessPolicy, RateRule
from matcher.round.model import MAX_CREDIT_DAYS, CreditTerms, RoundProblem, RoundResult, TierTotal
from matcher.setoff.checks import MAX_CURVE_STEPS
from matcher.setoff.model import Obligation

TimeLimit = Annotated[int, Field(strict=True, ge=1, le=3_600_000)]


class RoundProduceIn(StrictModel):
    """Today's produce round: the produce file without date, coops and networks."""

    products: Annotated[list[ProductIn], Field(min_length=1)]
    lots: list[LotIn]
    orders: list[OrderIn]
    processors: list[ProcessorIn] = Field(default_factory=list)
    transport: TransportIn
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    price_rule: PriceRule = PriceRule.SPLIT
    time_limit_ms: TimeLimit = 10_000
    fairness_steps: Annotated[int, Field(strict=True, ge=1, le=100)] = 10


class CreditIn(StrictModel):
    """Buyers that pay for today's produce later, and after how many days."""

    sale_credit_days: Annotated[int, Field(strict=True, ge=0, le=MAX_CREDIT_DAYS)] = 30
    credit_buyers: list[Identifier] = Field(default_factory=list)


class RoundIn(StrictModel):
    """The combined round input file."""

    description: Annotated[str, Field(max_length=2000)] = ""
    business_date: IsoDate
    coops: list[CoopIn]
    networks: list[NetworkIn]
    obligations: list[ObligationIn] = Field(default_factory=list)
    offers: list[OfferIn] = Field(default_factory=list)
    needs: list[NeedIn] = Field(default_factory=list)
    rules: list[RulesIn] = Field(default_factory=list)
    joint_fund: JointFundIn | None = None
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    time_limit_ms: TimeLimit = 10_000
    produce: RoundProduceIn | None = None
    credit: CreditIn = Field(default_factory=CreditIn)
    curve_steps: Annotated[int, Field(strict=True, ge=0, le=MAX_CURVE_STEPS)] = 4


def to_problem(data: RoundIn) -> RoundProblem:
    """Schema → matcher problem, reusing the sub-schemas' mappings; list order is kept."""
    liq = problem_to_domain(
        LiquidityProblemFile.model_construct(
            coops=data.coops,
            networks=data.networks,
            offers=data.offers,
            needs=data.needs,
            rules=data.rules,
            joint_fund=data.joint_fund,
            policy=data.policy,
            rate_rule=data.rate_rule,
            time_limit_ms=data.time_limit_ms,
        )
    )
    produce = None
    if data.produce is not None:
        produce = produce_schema.to_problem(
            ProduceIn.model_construct(
                round_date=data.business_date,
                coops=data.coops,
                networks=data.networks,
                **{k: getattr(data.produce, k) for k in RoundProduceIn.model_fields},
            )
        )
    return RoundProblem(
        business_date=data.business_date,
        coops=liq.coops,
        networks=liq.networks,
        obligations=tuple(
            Obligation(o.id, o.debtor, o.creditor, o.amount, o.due_date) for o in data.obligations
        ),
        offers=liq.offers,
        needs=liq.needs,
        rules=liq.rules,
        joint_fund=liq.joint_fund,
        policy=liq.policy,
        rate_rule=liq.rate_rule,
        liquidity_time_limit_ms=liq.time_limit_ms,
        produce=produce,
        credit=CreditTerms(data.credit.sale_credit_days, tuple(data.credit.credit_buyers)),
        curve_steps=data.curve_steps,
    )


def _tiers(items: tuple[TierTotal, ...]) -> list[dict[str, Any]]:
    return [
        {"tier": t.tier, "count": t.count, "amount": satang_to_decimal_string(t.amount_satang)}
        for t in items
    ]


def obligation_to_json(o: Obligation) -> dict[str, Any]:
    """An obligation in the input format of ``obligations`` (for the next round's file)."""
    return {
        "id": o.id,
        "debtor": o.debtor,
        "creditor": o.creditor,
        "amount": satang_to_decimal_string(o.amount_satang),
        "due_date": None if o.due_date is None else o.due_date.isoformat(),
    }


def summary_to_json(result: RoundResult) -> dict[str, Any]:
    """The headline figures, money as decimal strings."""
    s = result.summary
    money = satang_to_decimal_string
    return {
        "debt_gross": money(s.debt_gross_satang),
        "debt_cleared": money(s.debt_cleared_satang),
        "cleared_share_bps": s.cleared_share_bps,
        "cash_needed": money(s.cash_needed_satang),
        "needs_posted": money(s.needs_posted_satang),
        "needs_shrunk_by_setoff": money(s.needs_shrunk_satang),
        "needs_covered_by_setoff": s.needs_covered_count,
        "loan_count": s.loan_count,
        "loans": money(s.loans_satang),
        "loans_by_tier": _tiers(s.loans_by_tier),
        "sale_count": s.sale_count,
        "sales": money(s.sales_satang),
        "sales_by_tier": _tiers(s.sales_by_tier),
        "new_obligation_count": s.new_obligation_count,
        "new_obligations": money(s.new_obligations_satang),
    }


def result_to_json_doc(result: RoundResult) -> dict[str, Any]:
    """Matcher result → the JSON document written by ``--out`` (no wall-clock figures)."""
    money = satang_to_decimal_string
    return {
        "business_date": result.business_date.isoformat(),
        "status": result.status.value,
        "order": ["setoff", "shrink needs", "liquidity", "produce", "sales on credit"],
        "summary": summary_to_json(result),
        "need_changes": [
            {
                "need_id": c.need_id,
                "borrower": c.borrower,
                "amount": money(c.amount_satang),
                "covered_by_setoff": money(c.relief_satang),
                "new_amount": money(c.new_amount_satang),
                "new_min_amount": money(c.new_min_amount_satang),
                "fully_covered": c.covered_by_setoff,
            }
            for c in result.need_changes
        ],
        "new_obligations": [obligation_to_json(o) for o in result.new_obligations],
        "setoff": setoff_schema.to_public(result.setoff).model_dump(mode="json"),
        "liquidity": result_to_json(result.liquidity, None),
        "produce": (
            None
            if result.produce is None
            else produce_schema.to_public(result.produce).model_dump(mode="json")
        ),
        "notes": list(result.notes),
    }
