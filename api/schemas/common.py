"""Field types shared by every schema: money as decimal strings, whole numbers and dates
as text, ids, rates, strict models.

Money crosses the edge as a decimal string with at most two places ("1500000.00") and is
turned into integer satang here; floats, exponents, NaN, negative and over-long amounts are
rejected with a message that names the field. A whole number written as text (a form field,
a query parameter, a path segment, a spreadsheet cell) is read by :func:`parse_whole` only:
ASCII digits, at most :data:`MAX_WHOLE_DIGITS` of them (``²``, ``١٢``, ``1_000``, ``+5``,
``12.0`` and a 5,000-digit number are all refused with a message, never a crash). A date
written as text is read by :func:`parse_iso_date` only: ``YYYY-MM-DD``, nothing else.
"""

from __future__ import annotations

import re
from datetime import date
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


MAX_WHOLE_DIGITS = 18
"""Digits a whole number written as text may have (every such field fits in 64 bits)."""
_WHOLE = re.compile(rf"-?[0-9]{{1,{MAX_WHOLE_DIGITS}}}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_whole(text: str, lo: int, hi: int) -> int:
    """A whole number written as text, within ``[lo, hi]``: ASCII digits only, with an
    optional leading minus, at most :data:`MAX_WHOLE_DIGITS` digits.

    Raises:
        ValueError: anything else, with a message in English and Thai.

    >>> parse_whole("42", 0, 100)
    42
    >>> parse_whole("²", 0, 100)
    Traceback (most recent call last):
    ...
    ValueError: '²' is not a whole number written in digits 0-9 (ต้องเป็นจำนวนเต็มที่เขียนด้วยเลข 0-9)
    """
    if not _WHOLE.fullmatch(text):
        shown = text if len(text) <= 24 else text[:24] + "…"
        raise ValueError(
            f"{shown!r} is not a whole number written in digits 0-9 (ต้องเป็นจำนวนเต็มที่เขียนด้วยเลข 0-9)"
        )
    value = int(text)
    if not lo <= value <= hi:
        raise ValueError(f"{value} is outside {lo}..{hi} (อยู่นอกช่วง {lo}..{hi})")
    return value


def whole_text(value: object) -> object:
    """A ``BeforeValidator`` for an integer sent as text (a query or path parameter): the
    text must pass :func:`parse_whole`'s rule; the field's own bounds apply after."""
    if isinstance(value, str):
        return parse_whole(value, -(10**MAX_WHOLE_DIGITS), 10**MAX_WHOLE_DIGITS)
    return value


def parse_iso_date(value: object) -> date:
    """A calendar date written ``YYYY-MM-DD`` (ASCII digits), or a :class:`date` (not a
    datetime). Numbers, ``"0"``, ``"0.00"``, ``"-0"``, week dates, ``20261121`` and
    datetimes are refused, and so is a Buddhist-Era year (2400 or later), with the
    Gregorian date meant (:func:`api.schemas.dates.check_gregorian`).

    Raises:
        ValueError: anything else, with a message in English and Thai.
    """
    from api.schemas.dates import check_gregorian

    if isinstance(value, date) and not hasattr(value, "hour"):
        return check_gregorian(value)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return check_gregorian(parsed)
    raise ValueError("must be a date written YYYY-MM-DD (ต้องเป็นวันที่ในรูปแบบ YYYY-MM-DD)")


IsoDate = Annotated[date, BeforeValidator(parse_iso_date)]
"""A calendar date in an input file or body: ``YYYY-MM-DD`` and nothing else."""

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
