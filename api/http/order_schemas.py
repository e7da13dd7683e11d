"""Request bodies of ``POST /v1/orders``: one schema per order kind, told apart by ``kind``.

Money (amounts, prices per unit) is a decimal baht string with at most two places;
quantities are whole base units of the product (kg, egg, litre); rates are basis points per
year. The caller's coop is never in the body: it comes from the API key.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from api.db.mapping import Location
from api.schemas.common import Days, Identifier, RateBps, StrictModel, parse_iso_date
from api.schemas.common import Money as MoneyIn
from api.schemas.common import PositiveMoney as PositiveMoneyIn
from api.services.member_orders import MemberOrder
from api.services.orders import NeedSpec, ObligationSpec, OfferSpec
from api.services.produce_orders import LotSpec, PurchaseSpec
from matcher.money import satang_to_decimal_string
from matcher.produce.checks import MAX_PRICE, MAX_UNITS
from matcher.produce.model import GradeBid, PurchaseOrder, StockLot

MONEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$",
    "description": "baht as a decimal string, at most 2 places; never a float",
    "examples": ["1500000.00"],
}
POSITIVE_MONEY_SCHEMA: dict[str, Any] = {
    **MONEY_SCHEMA,
    "pattern": r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,15}(\.[0-9]{1,2})?)$",
    "description": "baht as a decimal string above zero, at most 2 places; never a float",
}


def _money_string(value: object) -> object:
    """Over HTTP money is always a string: a JSON number (even a whole one) is refused, and
    so is a string with spaces around it (the published pattern has none)."""
    if isinstance(value, str) and value == value.strip():
        return value
    if isinstance(value, str):
        raise ValueError("money must not have spaces around it (ต้องไม่มีช่องว่าง)")
    raise ValueError('money must be a decimal string, e.g. "1500000.00" (ต้องเป็นข้อความ)')


MAX_ORDER_SATANG = 10**13
"""The largest amount of one money order or debt: 100,000,000,000.00 baht, above any single
loan or debt between coops, while 900 orders at this size still fit in one liquidity round
(:data:`matcher.liquidity.checks.MAX_TOTAL_SATANG`)."""


def _at_most(limit: int) -> AfterValidator:
    """Refuse an amount (already in satang) above ``limit``, naming the limit in baht."""
    baht = satang_to_decimal_string(limit)

    def check(satang: int) -> int:
        if satang > limit:
            raise ValueError(f"at most {baht} baht (ไม่เกิน {baht} บาท)")
        return satang

    return AfterValidator(check)


def _schema(base: dict[str, Any], limit: int, what: str) -> WithJsonSchema:
    most = satang_to_decimal_string(limit)
    return WithJsonSchema({**base, "description": f"{base['description']}; {what} {most}"})


Money = Annotated[MoneyIn, BeforeValidator(_money_string), WithJsonSchema(MONEY_SCHEMA)]
"""Input money: a decimal baht string → satang."""


def no_money() -> Any:
    """The default of an optional :data:`Money` field: 0 satang, shown in the OpenAPI
    document as the string ``"0.00"`` a client would send (not the number 0)."""
    return Field(0, json_schema_extra={"default": "0.00"})


PositiveMoney = Annotated[
    PositiveMoneyIn, BeforeValidator(_money_string), WithJsonSchema(POSITIVE_MONEY_SCHEMA)
]
OrderAmount = Annotated[
    PositiveMoney,
    _at_most(MAX_ORDER_SATANG),
    _schema(POSITIVE_MONEY_SCHEMA, MAX_ORDER_SATANG, "at most"),
]
"""The amount of a money order or a debt: above zero, at most :data:`MAX_ORDER_SATANG`."""
OrderAmount0 = Annotated[
    Money, _at_most(MAX_ORDER_SATANG), _schema(MONEY_SCHEMA, MAX_ORDER_SATANG, "at most")
]
Price = Annotated[Money, _at_most(MAX_PRICE), _schema(MONEY_SCHEMA, MAX_PRICE, "per unit, at most")]
"""A price or a value per unit, at most what the produce matcher takes (``MAX_PRICE``)."""
PositivePrice = Annotated[
    PositiveMoney,
    _at_most(MAX_PRICE),
    _schema(POSITIVE_MONEY_SCHEMA, MAX_PRICE, "per unit, at most"),
]


Date = Annotated[date, BeforeValidator(parse_iso_date)]
"""A calendar date, sent as ``YYYY-MM-DD`` and nothing else (:func:`parse_iso_date`; a
Buddhist-Era year is refused with the Gregorian date meant)."""
BusinessDate = Annotated[
    date,
    BeforeValidator(parse_iso_date),
    Field(ge=date(2000, 1, 1), le=date(2199, 12, 31)),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^2[01][0-9]{2}-[0-9]{2}-[0-9]{2}$",
            "description": "a business date from 2000-01-01 to 2199-12-31",
            "examples": ["2026-11-21"],
        }
    ),
]
"""The business date of a round: years 2000–2199."""
Units = Annotated[int, Field(strict=True, ge=1, le=MAX_UNITS)]
Units0 = Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]
GRADE_PATTERN = r"^[A-Za-z0-9+_.-]{1,16}$"
"""A grade: letters, digits and ``+ _ . -`` (longan ``AA``, egg size ``No.2``)."""
Grade = Annotated[str, Field(min_length=1, max_length=16, pattern=GRADE_PATTERN)]
District = Annotated[str, Field(max_length=8, pattern=r"^[0-9]*$")]
LatE5 = Annotated[int, Field(strict=True, ge=-9_000_000, le=9_000_000)]
LonE5 = Annotated[int, Field(strict=True, ge=-18_000_000, le=18_000_000)]


def _config(example: dict[str, Any]) -> ConfigDict:
    return ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        json_schema_extra={"examples": [example]},
    )


class LiquidityOfferCreate(StrictModel):
    """Idle funds the caller's coop offers to lend (เงินทุนที่เสนอให้กู้)."""

    model_config = _config(
        {
            "kind": "liquidity_offer",
            "amount": "1000000.00",
            "min_rate_bps": 300,
            "max_term_days": 365,
        }
    )
    kind: Literal["liquidity_offer"]
    amount: OrderAmount
    min_rate_bps: RateBps
    max_term_days: Days
    cap_per_borrower: OrderAmount | None = None
    valid_until: Date | None = None


class LiquidityNeedCreate(StrictModel):
    """Working capital the caller's coop needs to borrow (เงินทุนหมุนเวียนที่ต้องการ)."""

    model_config = _config(
        {
            "kind": "liquidity_need",
            "amount": "600000.00",
            "max_rate_bps": 700,
            "term_days": 90,
            "urgency": 5,
        }
    )
    kind: Literal["liquidity_need"]
    amount: OrderAmount
    max_rate_bps: RateBps
    term_days: Days
    min_amount: OrderAmount0 = no_money()
    urgency: Annotated[int, Field(strict=True, ge=1, le=5)] = 1
    repayment: Literal["bullet", "equal"] = "bullet"
    instalments: Annotated[int, Field(strict=True, ge=1, le=36_500)] = 1
    valid_until: Date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> LiquidityNeedCreate:
        if self.min_amount > self.amount:
            raise ValueError("min_amount must not exceed amount (ต้องไม่เกินจำนวนที่ต้องการ)")
        if self.instalments > self.term_days:
            raise ValueError("instalments must not exceed term_days")
        if self.repayment == "bullet" and self.instalments != 1:
            raise ValueError("a bullet loan has exactly 1 instalment")
        return self


class Placed(StrictModel):
    """Where produce lies or is delivered: both coordinates, a district code, or nothing
    (the coop's own location)."""

    lat_e5: LatE5 | None = None
    """Latitude in 1e-5 degrees."""
    lon_e5: LonE5 | None = None
    """Longitude in 1e-5 degrees."""
    district_code: District = ""

    @model_validator(mode="after")
    def _both_or_neither(self) -> Placed:
        if (self.lat_e5 is None) != (self.lon_e5 is None):
            raise ValueError("give both lat_e5 and lon_e5 or neither (ต้องระบุทั้งคู่)")
        return self


class StockLotCreate(Placed):
    """Surplus stock the caller's coop must sell (สินค้าที่ต้องการระบาย)."""

    model_config = _config(
        {
            "kind": "stock_lot",
            "product": "longan",
            "grade": "AA",
            "quantity": 1200,
            "reserve_price": "18.50",
            "spoilage_per_day": "0.25",
            "ready_date": "2026-11-21",
            "expiry_date": "2026-11-25",
        }
    )
    kind: Literal["stock_lot"]
    product: Identifier
    grade: Grade
    quantity: Units
    """Whole base units of the product."""
    reserve_price: Price
    """Lowest price per base unit at the seller's gate (baht)."""
    spoilage_per_day: Price = no_money()
    """Value lost per unit for each day until delivery (baht)."""
    ready_date: Date
    expiry_date: Date

    @model_validator(mode="after")
    def _dates(self) -> StockLotCreate:
        if self.expiry_date < self.ready_date:
            raise ValueError("expiry_date must not be before ready_date (หมดอายุก่อนวันพร้อมขาย)")
        return self


class BidCreate(StrictModel):
    """An acceptable grade and the highest delivered price per unit for it (baht)."""

    grade: Grade
    max_price: PositivePrice


class PurchaseOrderCreate(Placed):
    """Produce the caller's coop wants to buy, by grade (คำสั่งซื้อผลผลิต)."""

    model_config = _config(
        {
            "kind": "purchase_order",
            "product": "longan",
            "quantity": 800,
            "bids": [{"grade": "AA", "max_price": "32.00"}, {"grade": "A", "max_price": "25.50"}],
            "deliver_by": "2026-11-28",
            "min_lot": 200,
            "district_code": "5101",
        }
    )
    kind: Literal["purchase_order"]
    product: Identifier
    quantity: Units
    bids: Annotated[list[BidCreate], Field(min_length=1, max_length=16)]
    """Acceptable grades, in the buyer's order of preference."""
    deliver_by: Date
    min_lot: Units0 = 0
    """The smallest delivery worth taking (units)."""

    @model_validator(mode="after")
    def _consistent(self) -> PurchaseOrderCreate:
        grades = [b.grade for b in self.bids]
        if len(set(grades)) != len(grades):
            raise ValueError("each grade at most once in bids (เกรดซ้ำ)")
        if self.min_lot > self.quantity:
            raise ValueError("min_lot must not exceed quantity (ต้องไม่เกินจำนวนที่ต้องการ)")
        return self


class ObligationCreate(StrictModel):
    """A debt the caller's coop owes another coop, offered to multilateral set-off
    (หนี้ที่ค้างชำระ เพื่อหักกลบลบหนี้). Only the debtor declares it."""

    model_config = _config(
        {
            "kind": "obligation",
            "creditor_coop_id": "C3",
            "amount": "250000.00",
            "due_date": "2026-12-31",
        }
    )
    kind: Literal["obligation"]
    creditor_coop_id: Identifier
    amount: OrderAmount
    due_date: Date


OrderCreate = Annotated[
    LiquidityOfferCreate
    | LiquidityNeedCreate
    | StockLotCreate
    | PurchaseOrderCreate
    | ObligationCreate,
    Field(discriminator="kind"),
]
"""The body of ``POST /v1/orders``, one of the five order kinds."""


def _where(body: Placed) -> Location:
    return Location(body.lat_e5, body.lon_e5, body.district_code)


def order_spec(body: Any, oid: str, coop: str) -> MemberOrder:
    """Explicit mapping: a request body (one of :data:`OrderCreate`) → the service's spec."""
    if isinstance(body, LiquidityOfferCreate):
        return OfferSpec(
            oid,
            coop,
            body.amount,
            body.min_rate_bps,
            body.max_term_days,
            body.cap_per_borrower,
            body.valid_until,
        )
    if isinstance(body, LiquidityNeedCreate):
        return NeedSpec(
            oid,
            coop,
            body.amount,
            body.max_rate_bps,
            body.term_days,
            body.min_amount,
            body.urgency,
            body.repayment,
            body.instalments,
            body.valid_until,
        )
    if isinstance(body, StockLotCreate):
        lot = StockLot(
            oid,
            coop,
            body.product,
            body.grade,
            body.quantity,
            body.reserve_price,
            body.ready_date,
            body.expiry_date,
            body.spoilage_per_day,
        )
        return LotSpec(lot, _where(body))
    if isinstance(body, PurchaseOrderCreate):
        bids = tuple(GradeBid(b.grade, b.max_price) for b in body.bids)
        po = PurchaseOrder(
            oid, coop, body.product, bids, body.quantity, body.deliver_by, body.min_lot
        )
        return PurchaseSpec(po, _where(body))
    assert isinstance(body, ObligationCreate)
    return ObligationSpec(oid, coop, body.creditor_coop_id, body.amount, body.due_date)
