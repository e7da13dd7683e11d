"""Input and output types of the produce matcher (frozen dataclasses, integer units).

Prices are satang per base unit (kg, egg, litre), quantities integer base units, distances
integer metres, dates :class:`datetime.date`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from matcher.domain import Coop, Network
from matcher.results import FairnessPolicy, FillState, SolveStatus, Timings


class PriceRule(StrEnum):
    """How the agreed price of a match is set."""

    SPLIT = "split"
    """Halfway between the seller's floor (reserve + transport + spoilage) and the buyer's
    highest price for the grade, ties to even: the surplus after transport is split."""
    CLEARING = "clearing"
    """A uniform clearing price per product, grade and network from the LP duals, kept inside
    each match's bounds."""


@dataclass(frozen=True, slots=True)
class Product:
    """A product with its grades, best first (e.g. longan AA, A, B, C)."""

    id: str
    name_th: str
    name_en: str
    base_unit: str
    """kg, egg or litre."""
    shelf_life_days: int
    grades: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StockLot:
    """Surplus stock a seller must sell (ระบายสินค้า)."""

    id: str
    seller: str
    product: str
    grade: str
    quantity: int
    reserve_satang_per_unit: int
    """The lowest price the seller accepts at its own gate."""
    ready_date: date
    expiry_date: date
    spoilage_satang_per_unit_day: int = 0
    """Value lost per unit for every day until delivery."""
    arrival: int = 0
    """Order of arrival (for the first-come-first-served baseline only)."""


@dataclass(frozen=True, slots=True)
class GradeBid:
    """One acceptable grade and the highest delivered price for it."""

    grade: str
    max_price_satang_per_unit: int


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    """What a buyer coop wants delivered."""

    id: str
    buyer: str
    product: str
    bids: tuple[GradeBid, ...]
    quantity: int
    deliver_by: date
    min_lot_units: int = 0
    """The order is filled not at all or with at least this many units."""
    arrival: int = 0


YIELD_ONE_BPS = 10_000
"""A yield of one unit out per unit in (basis points of output per input)."""
MAX_YIELD_BPS = 100_000
"""The largest yield: ten units out per unit in."""


@dataclass(frozen=True, slots=True)
class Processor:
    """A midstream stage at a coop: buys one product/grade, sells another.

    Yield: ``yield_bps`` base units of output per 10,000 base units of input (6,500: 1,000 kg
    paddy → 650 kg milled rice; 9,300: 100 raw eggs → 93 graded eggs). In each tier the
    units out of a processor are ``⌊units in × yield_bps / 10,000⌋`` exactly (rounded down,
    per processor and tier). ``capacity_units`` counts input units (what it takes in a
    day), ``cost_satang_per_unit`` output units (what it sells).
    """

    id: str
    coop: str
    in_product: str
    in_grade: str
    out_product: str
    out_grade: str
    capacity_units: int
    """Input units."""
    cost_satang_per_unit: int = 0
    """Processing cost per output unit."""
    yield_bps: int = YIELD_ONE_BPS
    """Output units per 10,000 input units (10,000: one for one)."""

    def output_of(self, units_in: int) -> int:
        """Units out for ``units_in`` units in (rounded down).

        >>> Processor("g", "c", "egg", "raw", "egg", "No.2", 1000, 10, 9_300).output_of(107)
        99
        """
        return units_in * self.yield_bps // YIELD_ONE_BPS


@dataclass(frozen=True, slots=True)
class Lane:
    """A supplied road distance between two coops (one direction)."""

    origin: str
    destination: str
    distance_m: int


@dataclass(frozen=True, slots=True)
class ProductTransport:
    """Transport terms of one product, in place of the round's (eggs, kilograms and litres
    travel at different costs, on different roads, in different trucks)."""

    product: str
    cost_satang_per_unit_km: int
    road_factor_bps: int = 13_000
    max_distance_m: int = 300_000
    truck_cost_satang: int = 0
    truck_capacity_units: int = 0
    """Above 0: an integer number of trucks of this capacity per lane of this product."""


@dataclass(frozen=True, slots=True)
class Transport:
    """Transport terms of the round.

    Lane distance: the supplied matrix when ``lanes`` is non-empty (a missing lane is an
    input error), otherwise great circle × ``road_factor_bps`` / 10,000 from coordinates.
    A product listed in ``products`` travels on its own terms (rate, road factor, reach,
    trucks); the others on the round's (:meth:`of`).
    """

    cost_satang_per_unit_km: int
    road_factor_bps: int = 13_000
    max_distance_m: int = 300_000
    """Reach: lanes longer than this are not considered."""
    km_per_day: int = 400
    """Transit days on a lane = floor(km / km_per_day)."""
    truck_cost_satang: int = 0
    """Per truck per lane; with ``truck_capacity_units`` the number of trucks is an integer."""
    truck_capacity_units: int = 0
    lanes: tuple[Lane, ...] = ()
    products: tuple[ProductTransport, ...] = ()

    def of(self, product: str) -> Transport:
        """The terms a lane of ``product`` travels on (its own, else the round's).

        >>> t = Transport(1, products=(ProductTransport("egg", 3, 12_000, 90_000),))
        >>> egg, rice = t.of("egg"), t.of("rice")
        >>> (egg.cost_satang_per_unit_km, egg.max_distance_m, rice.cost_satang_per_unit_km)
        (3, 90000, 1)
        """
        for x in self.products:
            if x.product == product:
                return Transport(
                    x.cost_satang_per_unit_km,
                    x.road_factor_bps,
                    x.max_distance_m,
                    self.km_per_day,
                    x.truck_cost_satang,
                    x.truck_capacity_units,
                    self.lanes,
                )
        return self if not self.products else replace(self, products=())

    @property
    def any_trucks(self) -> bool:
        """Whether some product travels in an integer number of trucks."""
        return self.truck_capacity_units > 0 or any(
            x.truck_capacity_units > 0 for x in self.products
        )


@dataclass(frozen=True)
class ProduceProblem:
    """One produce matching round."""

    round_date: date
    coops: tuple[Coop, ...]
    networks: tuple[Network, ...]
    products: tuple[Product, ...]
    lots: tuple[StockLot, ...]
    orders: tuple[PurchaseOrder, ...]
    transport: Transport
    processors: tuple[Processor, ...] = ()
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    price_rule: PriceRule = PriceRule.SPLIT
    time_limit_ms: int = 10_000
    fairness_steps: int = 10
    max_lanes_per_order: int = 64
    """Each buyer node keeps at most this many best lanes per tier (then: feasible)."""
    shadow_max_lanes: int = 20_000
    """Shadow values come from the transport LP of each tier; a tier with more direct lanes
    than this gets none (a note says so), to keep large rounds fast. 0 turns them off
    without a note (a caller that never reads them, such as a season simulation)."""

    @property
    def trucks(self) -> bool:
        """Whether the number of trucks per lane is an integer decision (for some product)."""
        return self.transport.any_trucks


@dataclass(frozen=True, slots=True)
class ProduceMatch:
    """One shipment: from a lot or a processor to an order or a processor."""

    source_id: str
    target_id: str
    seller: str
    buyer: str
    product: str
    grade: str
    quantity: int
    distance_m: int
    price_satang_per_unit: int
    """Agreed delivered price; 0 for legs into a processor (internal transfer)."""
    value_satang: int
    transport_satang: int
    spoilage_satang: int
    trucks: int
    tier: str
    network_id: str
    delivery_date: date


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a lot or an order ended as it did; ``reasons`` are stable codes."""

    order_id: str
    side: str
    """"lot" or "order"."""
    coop_id: str
    state: FillState
    quantity: int
    matched: int
    reasons: tuple[str, ...]
    shadow_satang_per_unit: int | None = None
    """Lots only: what one more unit of this lot would add to the gains from trade, from
    the transport LP of the last tier where it had a buyer in reach (None: not computed)."""


@dataclass(frozen=True, slots=True)
class ShadowValue:
    """Where supply is scarce: the value of one more unit of a product and grade.

    From the duals u_s of the tier's transport LP (max Σ gain·x over lot → order lanes, no
    truck integrality): ``satang_per_unit`` is the largest u_s over the group's lots that
    had a buyer in reach, and ``lot_id`` is where that unit would be worth it (ties: the
    smallest id). Only groups with a positive value (scarce supply) are reported.
    """

    tier: str
    network_id: str
    product: str
    grade: str
    satang_per_unit: int
    lot_id: str


@dataclass(frozen=True, slots=True)
class ProduceObjective:
    """Objective terms recomputable by the validator (all satang unless named)."""

    gains_satang: int
    """Buyer value − seller reserve − transport − spoilage − processing − trucks."""
    buyer_value_satang: int
    reserve_satang: int
    transport_satang: int
    spoilage_satang: int
    processing_satang: int
    truck_satang: int
    units_sold: int
    units_offered: int
    min_seller_share_bps: int


@dataclass(frozen=True, slots=True)
class ProduceTierStages:
    """What each stage of one tier reached, in priority order (issue 15): the fairness score
    of the lots' sales straight to orders at the tier (Σ over the steps j = 1 … K of each
    lot's sold share, (K + 1 − j) × the units sold inside step j, step j spanning
    (⌈q·(j−1)/K⌉, ⌈q·j/K⌉] of its quantity q, counted from what earlier tiers sold; 0 under
    ``coverage``), then the gains from trade of the tier's matches."""

    tier: str
    fairness_score: int
    gains_satang: int


@dataclass(frozen=True)
class ProduceResult:
    """What the produce matcher returns."""

    status: SolveStatus
    policy: FairnessPolicy
    price_rule: PriceRule
    matches: tuple[ProduceMatch, ...]
    explanations: tuple[Explanation, ...]
    objective: ProduceObjective
    solver: str
    timings: Timings
    notes: tuple[str, ...] = field(default=())
    shadow_values: tuple[ShadowValue, ...] = field(default=())
    """Per tier, network, product and grade where supply is scarce (see ShadowValue)."""
    lanes: int = 0
    """Candidate lanes over all tiers (for reports and benchmarks)."""
    tiers: tuple[ProduceTierStages, ...] = field(default=())
    """Stage values of every tier that made matches, most local first."""
    truck_gap_bps: int | None = None
    """With integer trucks: the proven gap over all tiers, (Σ bound − Σ best) / |Σ best|, in
    basis points rounded up; None without trucks."""


Clock = Callable[[], int]
"""A monotonic clock in nanoseconds, passed in by the caller (the matcher reads none)."""
