"""Input and output types of the combined daily round (frozen dataclasses, satang, bps).

A round problem carries everything a network sees on one business date: the obligations
between coops (for set-off), the liquidity offers and needs with the coop rules and the
joint fund, an optional produce round, and the credit terms under which today's produce
sales are paid. The result holds the three sub-results, the needs as shrunk by set-off,
the new obligations created by sales on credit, a combined status and summary totals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from matcher.domain import Coop, Network
from matcher.liquidity.model import CoopRules, JointFund, LiquidityResult, LoanNeed, LoanOffer
from matcher.produce.model import ProduceProblem, ProduceResult
from matcher.results import FairnessPolicy, RateRule, SolveStatus, Timings
from matcher.setoff.model import Obligation, SetoffResult

Clock = Callable[[], int]
"""A monotonic clock in nanoseconds, passed in by the caller (the matcher reads none)."""

MAX_CREDIT_DAYS = 3650


@dataclass(frozen=True)
class CreditTerms:
    """How today's produce sales are paid: buyers in ``credit_buyers`` pay later.

    A sale to such a buyer becomes an obligation (buyer owes seller price × quantity)
    due ``sale_credit_days`` after the business date; every other buyer pays cash.
    """

    sale_credit_days: int = 30
    credit_buyers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RoundProblem:
    """One network's combined round on one business date."""

    business_date: date
    coops: tuple[Coop, ...]
    networks: tuple[Network, ...]
    obligations: tuple[Obligation, ...] = ()
    offers: tuple[LoanOffer, ...] = ()
    needs: tuple[LoanNeed, ...] = ()
    rules: tuple[CoopRules, ...] = ()
    joint_fund: JointFund | None = None
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    liquidity_time_limit_ms: int = 10_000
    produce: ProduceProblem | None = None
    """Today's produce round; its ``round_date`` must equal ``business_date``."""
    credit: CreditTerms = field(default_factory=CreditTerms)
    curve_steps: int = 4
    """Points of the set-off injection curve (see :class:`matcher.setoff.model.SetoffProblem`)."""


@dataclass(frozen=True, slots=True)
class NeedChange:
    """How set-off shrank one liquidity need before lending."""

    need_id: str
    borrower: str
    amount_satang: int
    """The need as posted."""
    relief_satang: int
    """The part covered by set-off (payables due today that no longer need cash)."""
    new_amount_satang: int
    new_min_amount_satang: int

    @property
    def covered_by_setoff(self) -> bool:
        """The whole need is covered by set-off: it does not go to lending."""
        return self.new_amount_satang == 0


@dataclass(frozen=True, slots=True)
class TierTotal:
    """Number and amount of loans or sales made at one tier of the network tree."""

    tier: str
    count: int
    amount_satang: int


@dataclass(frozen=True, slots=True)
class RoundSummary:
    """The round's headline figures, recomputable by the validator."""

    debt_gross_satang: int
    debt_cleared_satang: int
    cleared_share_bps: int
    cash_needed_satang: int
    """Cash that would settle all remaining debt (set-off's ``settle_all``)."""
    needs_posted_satang: int
    needs_shrunk_satang: int
    needs_covered_count: int
    """Needs fully covered by set-off (not sent to lending)."""
    loan_count: int
    loans_satang: int
    loans_by_tier: tuple[TierTotal, ...]
    sale_count: int
    sales_satang: int
    """Σ price × quantity over shipments delivered to purchase orders."""
    sales_by_tier: tuple[TierTotal, ...]
    new_obligation_count: int
    new_obligations_satang: int


@dataclass(frozen=True)
class RoundResult:
    """What the combined round returns."""

    business_date: date
    status: SolveStatus
    """The worst status of the parts (optimal < feasible < time-limited < infeasible)."""
    setoff: SetoffResult
    liquidity: LiquidityResult
    produce: ProduceResult | None
    need_changes: tuple[NeedChange, ...]
    """One per posted need, sorted by need id."""
    new_obligations: tuple[Obligation, ...]
    """Sales on credit, owed from the next round on; sorted by id."""
    summary: RoundSummary
    timings: Timings
    notes: tuple[str, ...] = ()


@lru_cache(maxsize=16_384)  # a season repeats the same lot and order ids run after run
def sale_obligation_id(source_id: str, order_id: str) -> str:
    """Id of the obligation a credit sale creates: ``sale-`` + 16 hex of sha256(source, order).

    Short and stable, so it fits the 64-character id of the next round's file.

    >>> sale_obligation_id("LT-1", "PO-1")
    'sale-aa8c2a2c53c7fd13'
    """
    digest = hashlib.sha256(f"{source_id}\x00{order_id}".encode()).hexdigest()
    return f"sale-{digest[:16]}"
