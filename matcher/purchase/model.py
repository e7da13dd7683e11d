"""Input and output types of the joint-purchase matcher (frozen dataclasses, integer units).

Buyers (coops) post *needs* for an input such as diesel or layer feed; suppliers post
*offers* with a price schedule by total volume. Prices are satang per base unit (litre,
kg), quantities integer base units, coordinates integers in 1e-5 degree, dates
:class:`datetime.date`. See ``docs/joint-purchase.md`` for the model and its guarantees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from matcher.results import SolveStatus, Timings


class ScheduleKind(StrEnum):
    """How a volume price schedule is read."""

    ALL_UNITS = "all_units"
    """Every unit is charged the price of the tier that contains the total volume."""
    INCREMENTAL = "incremental"
    """Each unit is charged the price of the tier it falls in (like income tax brackets)."""


class SharingRule(StrEnum):
    """How a buying group's saving is shared among its members.

    Both rules first give every member its buy-alone saving (so no member is worse off
    than buying alone); they differ in how the rest (the pooling gain) is shared.
    """

    PRO_RATA = "pro_rata"
    """The pooling gain is shared in proportion to each member's volume."""
    EQUAL_PER_UNIT = "equal_per_unit"
    """Every member gets the same saving per unit, raised where needed to its buy-alone
    saving (water-filling), so the per-unit savings are as equal as the guarantee allows."""


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Units ``min_units`` … ``max_units`` (inclusive; None = no upper end) at one price."""

    min_units: int
    max_units: int | None
    price_satang_per_unit: int


@dataclass(frozen=True, slots=True)
class PurchaseNeed:
    """What a buyer coop wants delivered: one product, whole, by one supplier."""

    id: str
    buyer: str
    product: str
    quantity: int
    deliver_by: date
    max_price_satang_per_unit: int | None
    """The highest delivered price per unit the buyer pays (None is an input error)."""
    lat_e5: int
    lon_e5: int
    """Delivery point in 1e-5 degree."""


@dataclass(frozen=True, slots=True)
class SupplierOffer:
    """A supplier's offer of one product from one depot."""

    id: str
    supplier: str
    product: str
    kind: ScheduleKind
    tiers: tuple[PriceTier, ...]
    min_order_units: int
    """The offer is taken not at all or for at least this total volume."""
    capacity_units: int
    lat_e5: int
    lon_e5: int
    truck_capacity_units: int
    """Units one truck carries; each need is delivered by ⌈quantity / this⌉ trucks."""
    truck_satang: int = 0
    """Fixed cost of one truck (loading, driver) per delivery."""
    truck_satang_per_km: int = 0
    """Cost of one truck per road kilometre from the depot to the buyer."""
    lead_days: int = 0
    """Delivery is on round date + lead_days."""
    max_distance_m: int = 300_000
    """Reach: buyers farther than this road distance are not served."""


@dataclass(frozen=True)
class PurchaseProblem:
    """One joint-purchase round."""

    round_date: date
    needs: tuple[PurchaseNeed, ...]
    offers: tuple[SupplierOffer, ...]
    sharing: SharingRule = SharingRule.PRO_RATA
    road_factor_bps: int = 13_000
    """Road distance = great circle × this / 10,000."""
    time_limit_ms: int = 10_000
    """CP-SAT's budget in deterministic time (ms × CP_SAT_DET_PER_SECOND), never the clock,
    so the same input gives the same answer whatever the machine's load."""
    gap_bps: int = 10
    """The solve stops once the proven gap is at most this (10 bps = 0.1 %)."""
    max_offers_per_need: int = 0
    """Keep only this many best offers per need (0: all; pruning makes the status feasible)."""


@dataclass(frozen=True, slots=True)
class Allocation:
    """One need served by one offer, with what the buyer pays and saves."""

    need_id: str
    offer_id: str
    buyer: str
    supplier: str
    quantity: int
    distance_m: int
    trucks: int
    delivery_satang: int
    goods_satang: int
    """The need's share of the group's goods cost (recomputed by the validator only in sum)."""
    pays_satang: int
    """Total the buyer pays, goods and delivery: quantity × highest price − saving."""
    saving_satang: int
    alone_saving_satang: int
    """What the buyer would save buying alone at its own volume's price (0 if it cannot)."""
    delivery_date: date


@dataclass(frozen=True, slots=True)
class GroupOrder:
    """The pooled order of one offer: total volume, the tier it reaches, what it costs."""

    offer_id: str
    supplier: str
    product: str
    volume: int
    tier: int
    """Index of the tier that contains the volume (all-units) or the highest reached."""
    unit_price_satang: int
    """Price of that tier."""
    goods_satang: int
    delivery_satang: int
    saving_satang: int
    alone_saving_satang: int
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NeedExplanation:
    """Why a need ended as it did; ``reasons`` are stable codes from :mod:`reasons`."""

    need_id: str
    buyer: str
    served: bool
    offer_id: str | None
    tier: int | None
    saving_satang: int
    alone_saving_satang: int
    alone_offer_id: str | None
    """The offer the buyer would take alone (None: no offer is worth it alone)."""
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PurchaseObjective:
    """Objective terms recomputable by the validator (satang unless named)."""

    saving_satang: int
    """Σ over served needs of quantity × highest price − goods − delivery."""
    alone_saving_satang: int
    """The baseline: Σ over every need of what it would save buying alone."""
    alone_saving_served_satang: int
    """The baseline restricted to the served needs (each served need saves at least this)."""
    reference_satang: int
    """Σ over served needs of quantity × highest price."""
    goods_satang: int
    delivery_satang: int
    units_served: int
    units_needed: int


@dataclass(frozen=True)
class PurchaseResult:
    """What the joint-purchase matcher returns (canonical order: ids sorted)."""

    status: SolveStatus
    sharing: SharingRule
    allocations: tuple[Allocation, ...]
    groups: tuple[GroupOrder, ...]
    explanations: tuple[NeedExplanation, ...]
    objective: PurchaseObjective
    solver: str
    timings: Timings
    gap_bps: int | None = None
    """Proven gap (bound − best) / best in basis points, rounded up; None when not solved."""
    notes: tuple[str, ...] = field(default=())


Clock = Callable[[], int]
"""A monotonic clock in nanoseconds, passed in by the caller (the matcher reads none)."""
