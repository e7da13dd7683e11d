"""/v1 schemas of joint purchasing: posting input needs and supplier offers, group orders.

Money is a decimal baht string (prices per base unit, costs); quantities are whole base
units; dates ISO (a Buddhist Era year, 2400 or more, is read as พ.ศ.). The caller's coop
comes from the API key, never from the body.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field, WithJsonSchema

from api.http.order_schemas import BusinessDate, Money, PositiveMoney, no_money
from api.http.sale_views import MoneyOut
from api.http.schemas import Public
from api.schemas.common import Count, Identifier, StrictModel
from api.schemas.purchase import Lat, Lon, ThaiDate
from matcher.purchase.model import PriceTier, PurchaseNeed, ScheduleKind, SupplierOffer


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(frozen=True, json_schema_extra={"examples": list(examples)})


Unit = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[a-z][a-z_]*$")]
Quantity = Annotated[int, Field(strict=True, ge=1, le=100_000_000)]
_DEGREES = r"^-?[0-9]{1,3}(\.[0-9]{1,5})?$"
Latitude = Annotated[
    Lat, WithJsonSchema({"type": "string", "pattern": _DEGREES, "examples": ["18.58000"]})
]
"""Degrees as a decimal string with at most 5 places ("18.58000"), stored in 1e-5 degree."""
Longitude = Annotated[
    Lon, WithJsonSchema({"type": "string", "pattern": _DEGREES, "examples": ["99.02000"]})
]


class TierCreate(StrictModel):
    """Units ``min_units`` … ``max_units`` (null: no upper end) at ``price`` baht per unit."""

    min_units: Count
    max_units: Count | None = None
    price: PositiveMoney


class InputNeedCreate(StrictModel):
    """A need for an input, served whole by one supplier (ต้องการซื้อปัจจัยการผลิตร่วม)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "product": "diesel",
                    "unit": "litre",
                    "quantity": 1200,
                    "deliver_by": "2026-12-11",
                    "max_price": "30.00",
                    "latitude": "18.58000",
                    "longitude": "99.02000",
                }
            ]
        },
    )
    product: Identifier
    unit: Unit
    quantity: Quantity
    deliver_by: ThaiDate
    max_price: PositiveMoney
    """Highest delivered price per base unit in baht."""
    latitude: Latitude
    longitude: Longitude


class SupplierOfferCreate(StrictModel):
    """A supplier's offer from one depot with its volume price schedule (ข้อเสนอขายตามขั้นปริมาณ)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "product": "diesel",
                    "unit": "litre",
                    "kind": "all_units",
                    "tiers": [
                        {"min_units": 0, "max_units": 1999, "price": "30.00"},
                        {"min_units": 2000, "price": "29.00"},
                    ],
                    "capacity_units": 50000,
                    "latitude": "18.58000",
                    "longitude": "99.02000",
                    "truck_capacity_units": 10000,
                    "truck_cost": "500.00",
                }
            ]
        },
    )

    product: Identifier
    unit: Unit
    kind: ScheduleKind
    tiers: Annotated[list[TierCreate], Field(min_length=1, max_length=20)]
    min_order_units: Count = 0
    capacity_units: Quantity
    latitude: Latitude
    longitude: Longitude
    truck_capacity_units: Quantity
    truck_cost: Money = no_money()
    truck_cost_per_km: Money = no_money()
    lead_days: Annotated[int, Field(strict=True, ge=0, le=365)] = 0
    max_distance_m: Annotated[int, Field(strict=True, ge=0, le=50_000_000)] = 300_000


def need_of(body: InputNeedCreate, order_id: str, coop_id: str) -> PurchaseNeed:
    """The matcher's need of a posted body (``/v1`` and the web post through this one mapping)."""
    return PurchaseNeed(
        order_id,
        coop_id,
        body.product,
        body.quantity,
        body.deliver_by,
        body.max_price,
        body.latitude,
        body.longitude,
    )


def offer_of(body: SupplierOfferCreate, order_id: str, coop_id: str) -> SupplierOffer:
    """The matcher's offer of a posted body (one mapping for ``/v1`` and the web)."""
    return SupplierOffer(
        order_id,
        coop_id,
        body.product,
        body.kind,
        tuple(PriceTier(t.min_units, t.max_units, t.price) for t in body.tiers),
        body.min_order_units,
        body.capacity_units,
        body.latitude,
        body.longitude,
        body.truck_capacity_units,
        body.truck_cost,
        body.truck_cost_per_km,
        body.lead_days,
        body.max_distance_m,
    )


class PostedPurchaseOrder(Public):
    """The id of the stored order."""

    model_config = _examples({"id": "inp_3b1f0a4e8c1d4c559a571f2e", "kind": "input_need"})

    id: str
    kind: str


class PurchaseRoundRun(StrictModel):
    """Run the network's joint-purchase round for a business date."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"business_date": "2026-11-21", "new_version": False}]},
    )

    business_date: BusinessDate
    new_version: Annotated[bool, Field(strict=True)] = False


class PurchaseRoundPublic(Public):
    """A purchase round and the group orders it proposed."""

    model_config = _examples(
        {
            "round_id": 12,
            "version": 1,
            "reused": False,
            "solve_status": "optimal",
            "saving": "1400.00",
            "alone_saving": "0.00",
            "joint_order_ids": [3],
            "expired": 0,
            "voided": 0,
        }
    )

    round_id: int
    version: int
    reused: bool
    solve_status: str
    saving: MoneyOut
    alone_saving: MoneyOut
    joint_order_ids: list[int]
    expired: int
    voided: int


class GroupLinePublic(Public):
    """One need's line of a group order."""

    model_config = _examples(
        {
            "need_order_id": "inp_3b1f0a4e8c1d4c559a571f2e",
            "coop_id": "C1",
            "quantity": 1200,
            "delivery": "500.00",
            "pays": "35300.00",
            "saving": "700.00",
            "alone_saving": "0.00",
            "accepted": True,
            "obligation_order_id": None,
        }
    )

    need_order_id: str
    coop_id: str
    quantity: int
    delivery: MoneyOut
    pays: MoneyOut
    saving: MoneyOut
    alone_saving: MoneyOut
    accepted: bool
    obligation_order_id: str | None


class GroupOrderPublic(Public):
    """A group order seen by a buyer (its own lines), the supplier or the coordinator."""

    id: int
    round_id: int
    status: str
    role: str
    offer_order_id: str
    supplier_coop_id: str
    product: str
    volume: int
    tier: int
    unit_price: MoneyOut
    goods: MoneyOut
    delivery: MoneyOut
    saving: MoneyOut
    alone_saving: MoneyOut
    delivery_date: date
    commit_by: datetime
    members: int
    members_accepted: int
    supplier_accepted: bool
    lines: list[GroupLinePublic]


class GroupOrderDecision(Public):
    """The state of a group order after accept or decline."""

    model_config = _examples(
        {
            "id": 3,
            "status": "placed",
            "accepted_by_me": True,
            "obligation_ids": ["JPO-3-1"],
            "changed": True,
        }
    )

    id: int
    status: str
    accepted_by_me: bool
    obligation_ids: list[str]
    """The caller's own debts to the supplier, once the order is placed."""
    changed: bool
