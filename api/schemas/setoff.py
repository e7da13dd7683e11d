"""JSON schemas of the debt set-off (หักกลบลบหนี้) and their mapping to matcher types.

Input: coops, obligations (amounts as decimal baht strings), optional liquidity sources
and cash points. Output: one notice per obligation, the totals and the liquidity injection
analysis, amounts again as decimal strings. Timings are left out of the file so the same
input always gives byte-identical output.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from api.schemas.common import Identifier, IsoDate, Money, PositiveMoney, RateBps, StrictModel
from matcher.domain import Coop
from matcher.money import satang_to_decimal_string
from matcher.setoff.checks import MAX_CURVE_STEPS
from matcher.setoff.model import LiquiditySource, Obligation, SetoffProblem, SetoffResult

MoneyOut = Annotated[int, PlainSerializer(satang_to_decimal_string, return_type=str)]
"""Satang written as a decimal baht string (output only: no parsing)."""
Name = Annotated[str, Field(min_length=1, max_length=200)]


class SetoffCoopIn(StrictModel):
    """A coop taking part in the set-off."""

    id: Identifier
    name_th: Name
    name_en: Name


class ObligationIn(StrictModel):
    """``debtor`` owes ``creditor`` ``amount`` baht, due on ``due_date``."""

    id: Identifier
    debtor: Identifier
    creditor: Identifier
    amount: PositiveMoney
    due_date: IsoDate | None = None


class LiquiditySourceIn(StrictModel):
    """Idle money that may be injected: a lender coop's offer or a fund (coop null)."""

    id: Identifier
    amount: PositiveMoney
    rate_bps: RateBps
    coop: Identifier | None = None


class SetoffIn(StrictModel):
    """The set-off input file."""

    coops: list[SetoffCoopIn]
    obligations: list[ObligationIn]
    sources: list[LiquiditySourceIn] = Field(default_factory=list)
    cash_points: list[Money] = Field(default_factory=list)
    curve_steps: Annotated[int, Field(strict=True, ge=0, le=MAX_CURVE_STEPS)] = 4


def to_problem(data: SetoffIn) -> SetoffProblem:
    """Schema → matcher problem; list order (and so error field paths) is kept."""
    return SetoffProblem(
        coops=tuple(Coop(c.id, c.name_th, c.name_en) for c in data.coops),
        obligations=tuple(
            Obligation(o.id, o.debtor, o.creditor, o.amount, o.due_date) for o in data.obligations
        ),
        sources=tuple(LiquiditySource(s.id, s.amount, s.rate_bps, s.coop) for s in data.sources),
        cash_points_satang=tuple(data.cash_points),
        curve_steps=data.curve_steps,
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class NoticeOut(_Out):
    """The set-off notice of one obligation."""

    obligation_id: str
    debtor: str
    creditor: str
    amount: MoneyOut
    set_off: MoneyOut
    remaining: MoneyOut
    due_date: date | None


class TotalsOut(_Out):
    """Gross debt, the net internal lower bound, what was cleared and the baseline."""

    gross: MoneyOut
    net_internal: MoneyOut
    cleared: MoneyOut
    remaining: MoneyOut
    cleared_share_bps: int
    bilateral_cleared: MoneyOut
    coop_count: int
    obligation_count: int


class CurvePointOut(_Out):
    """Debt cleared with this much cash injected."""

    cash: MoneyOut
    cleared: MoneyOut
    cleared_share_bps: int


class CashNeedOut(_Out):
    """Cash one net debtor needs so that everything settles."""

    coop_id: str
    amount: MoneyOut


class DrawOut(_Out):
    """What the cheapest mix takes from one source."""

    source_id: str
    amount: MoneyOut
    rate_bps: int
    annual_cost: MoneyOut


class InjectionOut(_Out):
    """Liquidity injection analysis."""

    settle_all: MoneyOut
    cash_needs: list[CashNeedOut]
    available: MoneyOut
    shortfall: MoneyOut
    draws: list[DrawOut]
    annual_cost: MoneyOut
    curve: list[CurvePointOut]


class SetoffResultOut(_Out):
    """The set-off result file."""

    status: str
    solver: str
    totals: TotalsOut
    notices: list[NoticeOut]
    injection: InjectionOut
    notes: list[str]


def to_public(result: SetoffResult) -> SetoffResultOut:
    """Matcher result → output schema (no timings, so output is deterministic)."""
    t, inj = result.totals, result.injection
    return SetoffResultOut(
        status=result.status.value,
        solver=result.solver,
        totals=TotalsOut(
            gross=t.gross_satang,
            net_internal=t.net_internal_satang,
            cleared=t.cleared_satang,
            remaining=t.remaining_satang,
            cleared_share_bps=t.cleared_share_bps,
            bilateral_cleared=t.bilateral_cleared_satang,
            coop_count=t.coop_count,
            obligation_count=t.obligation_count,
        ),
        notices=[
            NoticeOut(
                obligation_id=n.obligation_id,
                debtor=n.debtor,
                creditor=n.creditor,
                amount=n.amount_satang,
                set_off=n.set_off_satang,
                remaining=n.remaining_satang,
                due_date=n.due_date,
            )
            for n in result.notices
        ],
        injection=InjectionOut(
            settle_all=inj.settle_all_satang,
            cash_needs=[
                CashNeedOut(coop_id=c.coop_id, amount=c.amount_satang) for c in inj.cash_needs
            ],
            available=inj.available_satang,
            shortfall=inj.shortfall_satang,
            draws=[
                DrawOut(
                    source_id=d.source_id,
                    amount=d.amount_satang,
                    rate_bps=d.rate_bps,
                    annual_cost=d.annual_cost_satang,
                )
                for d in inj.draws
            ],
            annual_cost=inj.annual_cost_satang,
            curve=[
                CurvePointOut(
                    cash=p.cash_satang,
                    cleared=p.cleared_satang,
                    cleared_share_bps=p.cleared_share_bps,
                )
                for p in inj.curve
            ],
        ),
        notes=list(result.notes),
    )
