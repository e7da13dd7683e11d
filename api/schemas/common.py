"""Field types shared by every schema: money as decimal strings, ids, rates, strict models.

Money crosses the edge as a decimal string with at most two places ("1500000.00") and is
turned into integer satang here; floats, exponents, NaN, negative and over-long amounts are
rejected with a message that names the field.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from matcher.money import INT64_MAX, MAX_RATE_BPS, satang_to_decimal_string

_MONEY = re.compile(r"^(0|[1-9][0-9]{0,15})(\.[0-9]{1,2})?$")


def parse_money(value: object) -> int:
    """Decimal baht string (at most 2 places) → satang. Rejects floats and exponent forms."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(
            'money must be a decimal string with at most 2 places, e.g. "1500000.00" '
            "(ต้องเป็นข้อความตัวเลขทศนิยมไม่เกิน 2 ตำแหน่ง)"
        )
    text = str(value).strip()
    if not _MONEY.match(text):
        raise ValueError(
            f"{text!r} is not a non-negative amount with at most 2 decimal places (จำนวนเงินไม่ถูกต้อง)"
        )
    baht, _, frac = text.partition(".")
    satang = int(baht) * 100 + int((frac + "00")[:2])
    if satang > INT64_MAX:
        raise ValueError("amount is too large")
    return satang


Money = Annotated[
    int,
    BeforeValidator(parse_money),
    PlainSerializer(satang_to_decimal_string, return_type=str),
]
"""Non-negative money in satang, written as a decimal baht string."""

PositiveMoney = Annotated[Money, Field(gt=0)]
RateBps = Annotated[int, Field(strict=True, ge=0, le=MAX_RATE_BPS)]
Days = Annotated[int, Field(strict=True, ge=1, le=36_500)]
Identifier = Annotated[
    str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
]
Count = Annotated[int, Field(strict=True, ge=0, le=INT64_MAX)]


class StrictModel(BaseModel):
    """Base for every input schema: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
