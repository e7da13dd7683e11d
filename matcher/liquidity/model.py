"""Input and output types of the liquidity matcher (frozen dataclasses, integer units)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from matcher.domain import Coop, Network
from matcher.results import FairnessPolicy, FillState, RateRule, SolveStatus, Timings


@dataclass(frozen=True, slots=True)
class LoanOffer:
    """Idle funds a lender offers (เงินทุนล้นระบบ)."""

    id: str
    lender: str
    amount_satang: int
    min_rate_bps: int
    """The lowest yearly rate the lender accepts."""
    max_term_days: int
    """The longest term the lender accepts."""
    cap_per_borrower_satang: int | None = None
    """Exposure cap: at most this much of the offer to any one borrower coop."""
    arrival: int = 0
    """Order of arrival (for the first-come-first-served baseline only)."""


@dataclass(frozen=True, slots=True)
class LoanNeed:
    """Working capital a borrower is short of (ขาดสภาพคล่อง)."""

    id: str
    borrower: str
    amount_satang: int
    max_rate_bps: int
    """The highest yearly rate the borrower accepts."""
    term_days: int
    min_amount_satang: int = 0
    """Minimum useful amount: the need is filled not at all or at least this much."""
    urgency: int = 1
    """1 (can wait) … 5 (farmers must be paid today); weights the amount covered."""
    arrival: int = 0


@dataclass(frozen=True, slots=True)
class CoopRules:
    """Per-coop rules from the registrar and the coop's bylaws."""

    coop_id: str
    may_lend: bool = True
    """Bylaws allow lending to other coops."""
    may_borrow: bool = True
    """Bylaws allow borrowing from other coops."""
    borrowing_limit_satang: int | None = None
    """Registrar-approved borrowing limit (วงเงินกู้ยืม); None = no limit on file."""
    outstanding_satang: int = 0
    """What is already borrowed against that limit."""
    liquid_funds_satang: int | None = None
    """Cash the coop holds; with ``reserve_satang`` it bounds what it may lend in total."""
    reserve_satang: int = 0
    """Liquidity reserve the coop must keep."""
    max_lenders_per_need: int | None = None
    """Most lenders any one of this coop's needs may be split over."""


@dataclass(frozen=True, slots=True)
class JointFund:
    """A lender of last resort at the root of the tree, lending at a posted rate."""

    id: str
    network_id: str
    amount_satang: int
    rate_bps: int
    max_term_days: int = 3650


@dataclass(frozen=True)
class LiquidityProblem:
    """One liquidity matching round."""

    coops: tuple[Coop, ...]
    networks: tuple[Network, ...]
    offers: tuple[LoanOffer, ...]
    needs: tuple[LoanNeed, ...]
    rules: tuple[CoopRules, ...] = ()
    joint_fund: JointFund | None = None
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    time_limit_ms: int = 10_000
    fairness_steps: int = 20
    """Resolution of the fairness term: fill ratios are shared in steps of 1/steps."""
    max_pairs_per_network: int = 250_000
    """Above this many lender–need pairs in one network, each need keeps a bounded set of
    candidate offers (the result is then marked feasible, not optimal)."""


@dataclass(frozen=True, slots=True)
class LoanProposal:
    """A proposed loan: a pending reservation until both sides accept."""

    offer_id: str
    need_id: str
    lender: str
    borrower: str
    amount_satang: int
    rate_bps: int
    term_days: int
    tier: str
    """Level of the network where the loan was made: area, province, region or national."""
    network_id: str
    interest_satang: int
    """Simple interest over the term, Actual/365, half-even."""


@dataclass(frozen=True, slots=True)
class OrderExplanation:
    """Why an order ended as it did; ``reasons`` are stable codes from :mod:`reasons`."""

    order_id: str
    side: str
    """"offer" or "need"."""
    coop_id: str
    state: FillState
    amount_satang: int
    matched_satang: int
    reasons: tuple[str, ...]
    detail: str
    marginal_value_urgency_per_baht: int | None = None
    """Where funds are scarce for a need: urgency-weighted baht one more baht of funds at this
    need's networks would cover (the shadow value of funds)."""


@dataclass(frozen=True, slots=True)
class LiquidityObjective:
    """The objective terms, in priority order, recomputable by the validator."""

    urgency_weighted_satang: int
    covered_satang: int
    needed_satang: int
    min_fill_ratio_bps: int
    interest_satang: int
    loan_count: int


@dataclass(frozen=True, slots=True)
class TierStages:
    """What each exact stage of one tier reached, in priority order (see
    :mod:`matcher.liquidity.flow`): the urgency-weighted amount lent at the tier, the
    fairness score of what it added to each need (Σ over its fill bands k of
    (2(K−k)+1) × the satang lent inside band k; 0 under ``coverage``) and the rate-rank cost
    (Σ rank × amount, ranks per network, the joint fund last)."""

    tier: str
    urgency_weighted_satang: int
    fairness_score: int
    rank_cost: int


@dataclass(frozen=True)
class LiquidityResult:
    """What the liquidity matcher returns."""

    status: SolveStatus
    policy: FairnessPolicy
    rate_rule: RateRule
    proposals: tuple[LoanProposal, ...]
    explanations: tuple[OrderExplanation, ...]
    objective: LiquidityObjective
    solver: str
    timings: Timings
    notes: tuple[str, ...] = field(default=())
    tiers: tuple[TierStages, ...] = field(default=())
    """Stage values of every tier that made loans, most local first."""


Clock = Callable[[], int]
"""A monotonic clock in nanoseconds, passed in by the caller (the matcher reads none)."""
