"""A produce sale as the API shows it: quantity in the product's base unit, price and value
in baht, delivery terms; plus the output money type every response model shares."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from api.db.tables import ProposalRow, ProposalSaleRow
from api.http.order_schemas import MONEY_SCHEMA
from matcher.money import satang_to_decimal_string

_MONEY_OUT_SCHEMA = {**MONEY_SCHEMA, "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
MoneyOut = Annotated[
    int,
    PlainSerializer(satang_to_decimal_string, return_type=str),
    WithJsonSchema(_MONEY_OUT_SCHEMA),
]
"""Output money: satang held inside, written as a decimal string with 2 places."""


class SaleTermsPublic(BaseModel):
    """What a sale proposal sells (ข้อตกลงการขาย): ``quantity`` ``unit`` of ``product_id``
    grade ``grade`` at ``unit_price`` baht per unit, ``value`` in all, delivered on
    ``delivery_date``; ``credit_due_date`` when the buyer pays later (then a debt)."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "product_id": "longan",
                    "grade": "AA",
                    "unit": "kg",
                    "quantity": 800,
                    "unit_price": "28.40",
                    "value": "22720.00",
                    "transport": "1250.00",
                    "spoilage": "45.00",
                    "distance_m": 42000,
                    "delivery_date": "2026-11-23",
                    "credit_due_date": None,
                }
            ]
        },
    )
    product_id: str
    grade: str
    unit: str
    quantity: int
    unit_price: MoneyOut
    value: MoneyOut
    transport: MoneyOut
    spoilage: MoneyOut
    distance_m: int
    delivery_date: date
    credit_due_date: date | None


def sale_terms_public(p: ProposalRow, sale: ProposalSaleRow, unit: str) -> SaleTermsPublic:
    """The sale terms of proposal ``p`` (``p.amount`` is the quantity in ``unit``)."""
    return SaleTermsPublic(
        product_id=sale.product_id,
        grade=sale.grade,
        unit=unit,
        quantity=p.amount,
        unit_price=sale.price_satang_per_unit,
        value=sale.value_satang,
        transport=sale.transport_satang,
        spoilage=sale.spoilage_satang,
        distance_m=sale.distance_m,
        delivery_date=sale.delivery_date,
        credit_due_date=sale.credit_due_date,
    )
