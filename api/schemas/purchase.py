"""JSON schemas of joint purchasing (การจัดซื้อร่วม) and their mapping to matcher types.

Input: the round date, the sharing rule, buyers' needs (highest price as a decimal baht
string per base unit) and suppliers' offers with their volume price tiers, minimum order,
capacity and delivery terms (baht per truck and per truck-km). Dates are ISO; a year of
2400 or more is read as Buddhist Era (พ.ศ.) and turned into the Gregorian date. Output:
the groups, each need's allocation and explanation, the objective and the buy-alone
baseline; timings are left out so the same input gives the same bytes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from api.schemas.common import Identifier, Money, StrictModel
from api.schemas.domain import Coordinate
from matcher.money import satang_to_decimal_string
from matcher.purchase import reasons
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    PurchaseResult,
    ScheduleKind,
    SharingRule,
    SupplierOffer,
)

MoneyOut = Annotated[int, PlainSerializer(satang_to_decimal_string, return_type=str)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**9)]
BE_OFFSET = 543


def _parse_date(value: object) -> object:
    """ISO date; a year ≥ 2400 is Buddhist Era and becomes Gregorian (2569-12-07 → 2026-12-07)."""
    if (
        isinstance(value, str)
        and len(value) == 10
        and value[:4].isdigit()
        and int(value[:4]) >= 2400
    ):
        return f"{int(value[:4]) - BE_OFFSET:04d}{value[4:]}"
    return value


ThaiDate = Annotated[date, BeforeValidator(_parse_date)]
Lat = Annotated[Coordinate, Field(ge=-9_000_000, le=9_000_000)]
Lon = Annotated[Coordinate, Field(ge=-18_000_000, le=18_000_000)]


class NeedIn(StrictModel):
    """What a buyer coop wants delivered."""

    id: Identifier
    buyer: Identifier
    product: Identifier
    quantity: Count
    deliver_by: ThaiDate
    max_price: Money | None = None
    """Highest delivered price per base unit in baht ("30.50"); required by the matcher."""
    latitude: Lat
    longitude: Lon


class TierIn(StrictModel):
    """Units ``min_units`` … ``max_units`` (null: no upper end) at ``price`` baht per unit."""

    min_units: Count
    max_units: Count | None = None
    price: Money


class OfferIn(StrictModel):
    """A supplier's offer of one product from one depot."""

    id: Identifier
    supplier: Identifier
    product: Identifier
    kind: ScheduleKind
    tiers: list[TierIn]
    min_order_units: Count = 0
    capacity_units: Count
    latitude: Lat
    longitude: Lon
    truck_capacity_units: Count
    truck_cost: Money = 0
    truck_cost_per_km: Money = 0
    lead_days: Count = 0
    max_distance_m: Count = 300_000


class PurchaseIn(StrictModel):
    """The joint-purchase input file."""

    note: Annotated[str, Field(max_length=2000)] = ""
    """Free text for people (where the figures come from); not used by the matcher."""
    round_date: ThaiDate
    sharing: SharingRule = SharingRule.PRO_RATA
    needs: list[NeedIn]
    offers: list[OfferIn]
    road_factor_bps: Annotated[int, Field(strict=True)] = 13_000
    time_limit_ms: Annotated[int, Field(strict=True)] = 10_000
    gap_bps: Annotated[int, Field(strict=True)] = 10


def to_problem(data: PurchaseIn) -> PurchaseProblem:
    """Schema → matcher problem; list order (and so error field paths) is kept."""
    return PurchaseProblem(
        round_date=data.round_date,
        needs=tuple(
            PurchaseNeed(
                n.id,
                n.buyer,
                n.product,
                n.quantity,
                n.deliver_by,
                n.max_price,
                n.latitude,
                n.longitude,
            )
            for n in data.needs
        ),
        offers=tuple(
            SupplierOffer(
                o.id,
                o.supplier,
                o.product,
                o.kind,
                tuple(PriceTier(t.min_units, t.max_units, t.price) for t in o.tiers),
                o.min_order_units,
                o.capacity_units,
                o.latitude,
                o.longitude,
                o.truck_capacity_units,
                o.truck_cost,
                o.truck_cost_per_km,
                o.lead_days,
                o.max_distance_m,
            )
            for o in data.offers
        ),
        sharing=data.sharing,
        road_factor_bps=data.road_factor_bps,
        time_limit_ms=data.time_limit_ms,
        gap_bps=data.gap_bps,
    )


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class AllocationOut(_Out):
    need_id: str
    offer_id: str
    buyer: str
    supplier: str
    quantity: int
    distance_m: int
    trucks: int
    delivery: MoneyOut
    goods: MoneyOut
    pays: MoneyOut
    saving: MoneyOut
    alone_saving: MoneyOut
    delivery_date: date


class GroupOut(_Out):
    offer_id: str
    supplier: str
    product: str
    volume: int
    tier: int
    unit_price: MoneyOut
    goods: MoneyOut
    delivery: MoneyOut
    saving: MoneyOut
    alone_saving: MoneyOut
    members: list[str]


class ExplanationOut(_Out):
    need_id: str
    buyer: str
    served: bool
    offer_id: str | None
    tier: int | None
    saving: MoneyOut
    alone_saving: MoneyOut
    alone_offer_id: str | None
    reasons: list[str]
    reasons_th: list[str]
    reasons_en: list[str]


class ObjectiveOut(_Out):
    saving: MoneyOut
    alone_saving: MoneyOut
    alone_saving_served: MoneyOut
    reference: MoneyOut
    goods: MoneyOut
    delivery: MoneyOut
    units_served: int
    units_needed: int


class PurchaseResultOut(_Out):
    """The joint-purchase result file."""

    status: str
    solver: str
    sharing: str
    gap_bps: int | None
    objective: ObjectiveOut
    groups: list[GroupOut]
    allocations: list[AllocationOut]
    explanations: list[ExplanationOut]
    notes: list[str]


def to_public(r: PurchaseResult) -> PurchaseResultOut:
    """Matcher result → output schema (no timings, so output is deterministic)."""
    o = r.objective
    return PurchaseResultOut(
        status=r.status.value,
        solver=r.solver,
        sharing=r.sharing.value,
        gap_bps=r.gap_bps,
        objective=ObjectiveOut(
            saving=o.saving_satang,
            alone_saving=o.alone_saving_satang,
            alone_saving_served=o.alone_saving_served_satang,
            reference=o.reference_satang,
            goods=o.goods_satang,
            delivery=o.delivery_satang,
            units_served=o.units_served,
            units_needed=o.units_needed,
        ),
        groups=[
            GroupOut(
                offer_id=g.offer_id,
                supplier=g.supplier,
                product=g.product,
                volume=g.volume,
                tier=g.tier,
                unit_price=g.unit_price_satang,
                goods=g.goods_satang,
                delivery=g.delivery_satang,
                saving=g.saving_satang,
                alone_saving=g.alone_saving_satang,
                members=list(g.members),
            )
            for g in r.groups
        ],
        allocations=[
            AllocationOut(
                need_id=a.need_id,
                offer_id=a.offer_id,
                buyer=a.buyer,
                supplier=a.supplier,
                quantity=a.quantity,
                distance_m=a.distance_m,
                trucks=a.trucks,
                delivery=a.delivery_satang,
                goods=a.goods_satang,
                pays=a.pays_satang,
                saving=a.saving_satang,
                alone_saving=a.alone_saving_satang,
                delivery_date=a.delivery_date,
            )
            for a in r.allocations
        ],
        explanations=[
            ExplanationOut(
                need_id=e.need_id,
                buyer=e.buyer,
                served=e.served,
                offer_id=e.offer_id,
                tier=e.tier,
                saving=e.saving_satang,
                alone_saving=e.alone_saving_satang,
                alone_offer_id=e.alone_offer_id,
                reasons=list(e.reasons),
                reasons_th=[reasons.TEXT[c][0] for c in e.reasons],
                reasons_en=[reasons.TEXT[c][1] for c in e.reasons],
            )
            for e in r.explanations
        ],
        notes=list(r.notes),
    )
