"""Input and output types of the debt set-off (หักกลบลบหนี้): frozen dataclasses, satang.

An *obligation* is money one coop (the debtor) owes another (the creditor). Set-off cancels
part of each obligation so that every coop's net position (what it is owed minus what it
owes) stays exactly as it was and no new obligation appears. A *liquidity source* is idle
money (a lender coop's offer, the joint fund) that could be injected as cash to settle what
set-off alone cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from matcher.domain import Coop
from matcher.results import SolveStatus, Timings

Clock = Callable[[], int]
"""A monotonic clock in nanoseconds, passed in by the caller (the matcher reads none)."""


@dataclass(frozen=True, slots=True)
class Obligation:
    """``debtor`` owes ``creditor`` ``amount_satang``, due on ``due_date``."""

    id: str
    debtor: str
    creditor: str
    amount_satang: int
    due_date: date | None = None
    """When the debt falls due; carried to the notice, not used by the optimisation."""


@dataclass(frozen=True, slots=True)
class LiquiditySource:
    """Idle money that may be injected as cash, at a yearly rate."""

    id: str
    amount_satang: int
    rate_bps: int
    coop: str | None = None
    """The lending coop; None for a fund that is not a member (e.g. the joint fund)."""


@dataclass(frozen=True)
class SetoffProblem:
    """One set-off round: the coops, what they owe each other and the idle money on hand."""

    coops: tuple[Coop, ...]
    obligations: tuple[Obligation, ...]
    sources: tuple[LiquiditySource, ...] = ()
    cash_points_satang: tuple[int, ...] = ()
    """Injected cash amounts at which to report the cleared amount (the injection curve)."""
    curve_steps: int = 4
    """Also report the curve at k/steps of the cash that settles everything (0: none)."""


class SetoffNotice(NamedTuple):
    """The set-off notice of one obligation: how much is cancelled, how much remains.

    Immutable like the dataclasses here, but a named tuple: one is built per obligation
    (100,000 in a national round) and a frozen dataclass costs about three times as much.
    """

    obligation_id: str
    debtor: str
    creditor: str
    amount_satang: int
    set_off_satang: int
    remaining_satang: int
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class SetoffTotals:
    """Objective terms, recomputable by the validator.

    ``net_internal_satang`` = Σ_v max(0, owes_v − owed_v): no set-off can leave less debt.
    """

    gross_satang: int
    net_internal_satang: int
    cleared_satang: int
    remaining_satang: int
    cleared_share_bps: int
    """cleared / gross in basis points (10,000 when there is no debt)."""
    bilateral_cleared_satang: int
    """What netting opposite obligations of each pair alone would clear (the baseline)."""
    coop_count: int
    obligation_count: int


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Debt cleared (set-off plus cash payments) when ``cash_satang`` is injected."""

    cash_satang: int
    cleared_satang: int
    cleared_share_bps: int


@dataclass(frozen=True, slots=True)
class CashNeed:
    """Cash coop ``coop_id`` needs so that, with set-off, every debt is settled."""

    coop_id: str
    amount_satang: int


@dataclass(frozen=True, slots=True)
class SourceDraw:
    """How much of one liquidity source the cheapest mix uses."""

    source_id: str
    amount_satang: int
    rate_bps: int
    annual_cost_satang: int
    """Simple interest for one year on the amount drawn, half-even."""


@dataclass(frozen=True)
class InjectionResult:
    """Liquidity injection: what cash achieves, how much settles all, the cheapest mix."""

    settle_all_satang: int
    """The least cash that settles every obligation (equals the net internal debt)."""
    cash_needs: tuple[CashNeed, ...]
    """Where that cash must be injected: each net debtor, its net debt."""
    available_satang: int
    shortfall_satang: int
    draws: tuple[SourceDraw, ...]
    """The cheapest mix of sources supplying min(settle_all, available), cheapest first."""
    annual_cost_satang: int
    curve: tuple[CurvePoint, ...]
    """Cleared amount at each cash amount, ascending; concave and non-decreasing."""


@dataclass(frozen=True)
class SetoffResult:
    """What the set-off returns; notices follow the canonical (sorted id) order."""

    status: SolveStatus
    notices: tuple[SetoffNotice, ...]
    totals: SetoffTotals
    injection: InjectionResult
    solver: str
    timings: Timings
    notes: tuple[str, ...] = field(default=())
