"""Loan repayment schedules: bullet or equal instalments, simple interest Actual/365.

Rules (also in the README):

* **Bullet**: one instalment at ``start + term_days`` repays the whole principal with
  ``interest = round_half_even(P * rate_bps * term_days / (10_000 * 365))``.
* **Equal instalments** (``n``): due dates ``start + floor(term_days * k / n)`` for
  ``k = 1..n``; principal ``P // n`` each, the first ``P % n`` instalments one satang more;
  each instalment's interest is the simple interest on the principal outstanding during its
  period for the days of that period, rounded once per instalment, half-even.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from matcher.liquidity.model import LiquidityResult, LoanProposal
from matcher.money import simple_interest_satang

REPAYMENTS = ("bullet", "equal")
BULLET = ("bullet", 1)


@dataclass(frozen=True, slots=True)
class Instalment:
    """One scheduled repayment."""

    seq: int
    due_date: date
    principal_satang: int
    interest_satang: int


def loan_schedule(
    principal_satang: int,
    rate_bps: int,
    start: date,
    term_days: int,
    repayment: str = "bullet",
    instalments: int = 1,
) -> list[Instalment]:
    """The repayment schedule of a loan.

    >>> [(i.due_date.isoformat(), i.principal_satang, i.interest_satang)
    ...  for i in loan_schedule(100_000_00, 500, date(2026, 1, 1), 90, "equal", 3)]
    [('2026-01-31', 3333334, 41096), ('2026-03-02', 3333333, 27397), ('2026-04-01', 3333333, 13699)]
    """
    if principal_satang <= 0 or term_days <= 0 or rate_bps < 0:
        raise ValueError("principal and term must be positive, the rate not negative")
    if repayment not in REPAYMENTS:
        raise ValueError(f"repayment must be one of {REPAYMENTS}")
    n = 1 if repayment == "bullet" else instalments
    if not 1 <= n <= term_days:
        raise ValueError("instalments must be between 1 and the term in days")
    base, extra = divmod(principal_satang, n)
    out: list[Instalment] = []
    outstanding, prev_day = principal_satang, 0
    for k in range(1, n + 1):
        day = term_days * k // n
        part = base + (1 if k <= extra else 0)
        interest = simple_interest_satang(outstanding, rate_bps, day - prev_day)
        out.append(Instalment(k, start + timedelta(days=day), part, interest))
        outstanding -= part
        prev_day = day
    return out


Repayment = tuple[str, int]
"""A need's repayment: ``("bullet", 1)`` or ``("equal", n)``."""


def quoted_interest(p: LoanProposal, start: date, repayment: Repayment) -> int:
    """The interest a loan proposal quotes: the whole of its repayment schedule's, as the
    ledger books it (the matcher's own figure is simple bullet interest)."""
    kind, n = repayment
    schedule = loan_schedule(p.amount_satang, p.rate_bps, start, p.term_days, kind, n)
    return sum(i.interest_satang for i in schedule)


def with_quoted_interest(
    result: LiquidityResult, start: date, repayments: dict[str, Repayment]
) -> LiquidityResult:
    """``result`` with every proposal's interest as :func:`quoted_interest` gives it, so a
    preview quotes what the saved round will."""
    quoted = tuple(
        replace(p, interest_satang=quoted_interest(p, start, repayments.get(p.need_id, BULLET)))
        for p in result.proposals
    )
    return replace(result, proposals=quoted)
