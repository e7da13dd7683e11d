"""JSON schemas of surplus produce matching (ระบายสินค้า) and their mapping to matcher types.

Input: the round date, coops and networks (shared file schemas), products with grades,
stock lots, purchase orders, optional processors (midstream stages) and the transport
terms. Prices are decimal baht strings per base unit ("18.00" baht/kg), transport a decimal
baht string per unit per km ("0.02"), quantities integers in the product's base unit.
Output: the matches with agreed prices, one explanation per lot and order, the objective
terms and the greedy baseline; timings are left out so the same input gives the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from api.schemas.common import Identifier, IsoDate, Money, PositiveMoney, StrictModel
from api.schemas.domain import CoopIn, NetworkIn, coop_to_domain, network_to_domain
from matcher.money import satang_to_decimal_string
from matcher.produce import reasons
from matcher.produce.checks import MAX_UNITS, YIELD_MESSAGE
from matcher.produce.greedy import GreedyOutcome
from matcher.produce.model import (
    MAX_YIELD_BPS,
    YIELD_ONE_BPS,
    GradeBid,
    Lane,
    PriceRule,
    Processor,
    ProduceProblem,
    ProduceResult,
    Product,
    PurchaseOrder,
    ShadowValue,
    StockLot,
    Transport,
)
from matcher.results import FairnessPolicy

MoneyOut = Annotated[int, PlainSerializer(satang_to_decimal_string, return_type=str)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Units = Annotated[int, Field(strict=True, ge=1, le=MAX_UNITS)]
Units0 = Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]
Grade = Annotated[str, Field(min_length=1, max_length=16)]


class ProductIn(StrictModel):
    """A product and its grades, best first."""

    id: Identifier
    name_th: Name
    name_en: Name
    base_unit: Annotated[str, Field(pattern=r"^(kg|egg|litre)$")]
    shelf_life_days: Annotated[int, Field(strict=True, ge=1, le=3650)]
    grades: Annotated[list[Grade], Field(min_length=1, max_length=16)]


class LotIn(StrictModel):
    """A stock lot that must be sold."""

    id: Identifier
    seller: Identifier
    product: Identifier
    grade: Grade
    quantity: Units
    reserve_price: Money
    """Lowest price per base unit at the seller's gate (baht)."""
    ready_date: IsoDate
    expiry_date: IsoDate
    spoilage_per_day: Money = 0
    """Value lost per unit for each day until delivery (baht)."""
    arrival: Units0 = 0


class BidIn(StrictModel):
    """An acceptable grade and the highest delivered price per unit for it (baht)."""

    grade: Grade
    max_price: PositiveMoney


class OrderIn(StrictModel):
    """A purchase order."""

    id: Identifier
    buyer: Identifier
    product: Identifier
    bids: Annotated[list[BidIn], Field(min_length=1)]
    quantity: Units
    deliver_by: IsoDate
    min_lot: Units0 = 0
    arrival: Units0 = 0


def _yield_bps(value: object) -> object:
    """A whole JSON number 1 … 100,000 (strict: no strings, no 9300.0); the error says the
    rule in Thai and English."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YIELD_BPS:
        raise ValueError(YIELD_MESSAGE)
    return value


YieldBps = Annotated[
    int,
    BeforeValidator(_yield_bps),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_YIELD_BPS, "default": 10_000}),
]
"""Output units per 10,000 input units of a processor."""


class ProcessorIn(StrictModel):
    """A midstream stage: buys ``in_product``/``in_grade``, sells ``out_product``/``out_grade``."""

    id: Identifier
    coop: Identifier
    in_product: Identifier
    in_grade: Grade
    out_product: Identifier
    out_grade: Grade
    capacity: Units
    """Input units it can take."""
    cost_per_unit: Money = 0
    """Processing cost per output unit (baht)."""
    yield_bps: YieldBps = YIELD_ONE_BPS
    """Output units per 10,000 input units (9,300: 100 raw eggs → 93 graded eggs; rounded
    down)."""


class LaneIn(StrictModel):
    """A road distance in metres from one coop to another."""

    origin: Identifier
    destination: Identifier
    distance_m: Annotated[int, Field(strict=True, ge=0, le=50_000_000)]


class TransportIn(StrictModel):
    """Transport terms of the round."""

    cost_per_unit_km: Money
    road_factor_bps: Annotated[int, Field(strict=True, ge=10_000, le=30_000)] = 13_000
    max_distance_m: Annotated[int, Field(strict=True, ge=1, le=50_000_000)] = 300_000
    km_per_day: Annotated[int, Field(strict=True, ge=1, le=10_000)] = 400
    truck_cost: Money = 0
    truck_capacity: Units0 = 0
    lanes: list[LaneIn] = Field(default_factory=list)


class ProduceIn(StrictModel):
    """The produce matching input file."""

    description: str = ""
    round_date: IsoDate
    coops: list[CoopIn]
    networks: list[NetworkIn] = Field(default_factory=list)
    products: Annotated[list[ProductIn], Field(min_length=1)]
    lots: list[LotIn]
    orders: list[OrderIn]
    processors: list[ProcessorIn] = Field(default_factory=list)
    transport: TransportIn
    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    price_rule: PriceRule = PriceRule.SPLIT
    time_limit_ms: Annotated[int, Field(strict=True, ge=1, le=3_600_000)] = 10_000
    fairness_steps: Annotated[int, Field(strict=True, ge=1, le=100)] = 10


def to_problem(data: ProduceIn) -> ProduceProblem:
    """Schema → matcher problem; list order (and so error field paths) is kept."""
    t = data.transport
    return ProduceProblem(
        round_date=data.round_date,
        coops=tuple(coop_to_domain(c) for c in data.coops),
        networks=tuple(network_to_domain(n) for n in data.networks),
        products=tuple(
            Product(p.id, p.name_th, p.name_en, p.base_unit, p.shelf_life_days, tuple(p.grades))
            for p in data.products
        ),
        lots=tuple(
            StockLot(
                x.id,
                x.seller,
                x.product,
                x.grade,
                x.quantity,
                x.reserve_price,
                x.ready_date,
                x.expiry_date,
                x.spoilage_per_day,
                x.arrival,
            )
            for x in data.lots
        ),
        orders=tuple(
            PurchaseOrder(
                o.id,
                o.buyer,
                o.product,
                tuple(GradeBid(b.grade, b.max_price) for b in o.bids),
                o.quantity,
                o.deliver_by,
                o.min_lot,
                o.arrival,
            )
            for o in data.orders
        ),
        transport=Transport(
            t.cost_per_unit_km,
            t.road_factor_bps,
            t.max_distance_m,
            t.km_per_day,
            t.truck_cost,
            t.truck_capacity,
            tuple(Lane(x.origin, x.destination, x.distance_m) for x in t.lanes),
        ),
        processors=tuple(
            Processor(
                x.id,
                x.coop,
                x.in_product,
                x.in_grade,
                x.out_product,
                x.out_grade,
                x.capacity,
                x.cost_per_unit,
                x.yield_bps,
            )
            for x in data.processors
        ),
        policy=data.policy,
        price_rule=data.price_rule,
        time_limit_ms=data.time_limit_ms,
        fairness_steps=data.fairness_steps,
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class MatchOut(_Out):
    """One shipment and its agreed delivered price per unit."""

    source_id: str
    target_id: str
    seller: str
    buyer: str
    product: str
    grade: str
    quantity: int
    distance_m: int
    price_per_unit: MoneyOut
    buyer_value: MoneyOut
    transport: MoneyOut
    spoilage: MoneyOut
    trucks: int
    tier: str
    network_id: str
    delivery_date: date


class ExplanationOut(_Out):
    """Why a lot or order ended as it did: stable codes and bilingual text."""

    id: str
    side: str
    coop_id: str
    state: str
    quantity: int
    matched: int
    reasons: list[str]
    text_th: list[str]
    text_en: list[str]
    shadow_value_per_unit: MoneyOut | None = None
    """Lots only: what one more unit of this lot would add to the gains from trade."""


class ShadowValueOut(_Out):
    """Where supply is scarce: the value of one more unit of a product and grade (baht)."""

    tier: str
    network_id: str
    product: str
    grade: str
    value_per_unit: MoneyOut
    lot_id: str
    text_th: str
    text_en: str


class ObjectiveOut(_Out):
    """Gains from trade and its terms, with the greedy baseline beside them."""

    gains_from_trade: MoneyOut
    buyer_value: MoneyOut
    seller_reserve: MoneyOut
    transport: MoneyOut
    spoilage: MoneyOut
    processing: MoneyOut
    trucks: MoneyOut
    units_sold: int
    units_offered: int
    min_seller_share_bps: int
    greedy_gains_from_trade: MoneyOut | None = None
    greedy_transport: MoneyOut | None = None
    greedy_units_sold: int | None = None


class ProduceResultOut(_Out):
    """The result file."""

    status: str
    policy: str
    price_rule: str
    solver: str
    matches: list[MatchOut]
    explanations: list[ExplanationOut]
    objective: ObjectiveOut
    notes: list[str]
    shadow_values: list[ShadowValueOut] = []


def to_public(result: ProduceResult, greedy: GreedyOutcome | None = None) -> ProduceResultOut:
    """Matcher result → output schema (no timings, so output is deterministic)."""
    o = result.objective
    return ProduceResultOut(
        status=result.status.value,
        policy=result.policy.value,
        price_rule=result.price_rule.value,
        solver=result.solver,
        matches=[
            MatchOut(
                source_id=m.source_id,
                target_id=m.target_id,
                seller=m.seller,
                buyer=m.buyer,
                product=m.product,
                grade=m.grade,
                quantity=m.quantity,
                distance_m=m.distance_m,
                price_per_unit=m.price_satang_per_unit,
                buyer_value=m.value_satang,
                transport=m.transport_satang,
                spoilage=m.spoilage_satang,
                trucks=m.trucks,
                tier=m.tier,
                network_id=m.network_id,
                delivery_date=m.delivery_date,
            )
            for m in result.matches
        ],
        explanations=[
            ExplanationOut(
                id=x.order_id,
                side=x.side,
                coop_id=x.coop_id,
                state=x.state.value,
                quantity=x.quantity,
                matched=x.matched,
                reasons=list(x.reasons),
                text_th=[reasons.TEXT[c][0] for c in x.reasons],
                text_en=[reasons.TEXT[c][1] for c in x.reasons],
                shadow_value_per_unit=x.shadow_satang_per_unit,
            )
            for x in result.explanations
        ],
        objective=ObjectiveOut(
            gains_from_trade=o.gains_satang,
            buyer_value=o.buyer_value_satang,
            seller_reserve=o.reserve_satang,
            transport=o.transport_satang,
            spoilage=o.spoilage_satang,
            processing=o.processing_satang,
            trucks=o.truck_satang,
            units_sold=o.units_sold,
            units_offered=o.units_offered,
            min_seller_share_bps=o.min_seller_share_bps,
            greedy_gains_from_trade=None if greedy is None else greedy.gains_satang,
            greedy_transport=None if greedy is None else greedy.transport_satang,
            greedy_units_sold=None if greedy is None else greedy.units_sold,
        ),
        notes=list(result.notes),
        shadow_values=[_shadow_out(v) for v in result.shadow_values],
    )


def _shadow_out(v: ShadowValue) -> ShadowValueOut:
    """One shadow value with a sentence in Thai and English."""
    baht = satang_to_decimal_string(v.satang_per_unit)
    return ShadowValueOut(
        tier=v.tier,
        network_id=v.network_id,
        product=v.product,
        grade=v.grade,
        value_per_unit=v.satang_per_unit,
        lot_id=v.lot_id,
        text_th=(
            f"{v.product} เกรด {v.grade} ขาดแคลนใน {v.network_id} ({v.tier}): "
            f"มีเพิ่มอีก 1 หน่วยที่ล็อต {v.lot_id} จะเพิ่มประโยชน์จากการค้า {baht} บาท"
        ),
        text_en=(
            f"{v.product} grade {v.grade} is scarce in {v.network_id} ({v.tier}): one more "
            f"unit at lot {v.lot_id} would add {baht} baht of gains from trade"
        ),
    )
