"""Money and rate arithmetic: integer satang, integer basis points, exact rounding.

Money is always an ``int`` number of satang (1 baht = 100 satang); a rate is an ``int``
number of basis points per year (1 % = 100 bps). Nothing here touches floats.

Interest rule (documented in the README): simple interest, Actual/365, computed exactly as a
rational number and rounded once per event to the nearest satang, ties to even::

    interest = round_half_even(amount_satang * rate_bps * days / (10_000 * 365))
"""

from __future__ import annotations

SATANG_PER_BAHT = 100
BPS_PER_UNIT = 10_000
DAYS_PER_YEAR = 365
INT64_MAX = 2**63 - 1
MAX_RATE_BPS = 10_000
"""Rates above 100 % a year are rejected as input errors."""


def div_round_half_even(numerator: int, denominator: int) -> int:
    """Divide two integers and round the quotient to the nearest integer, ties to even.

    >>> div_round_half_even(5, 2), div_round_half_even(7, 2), div_round_half_even(-5, 2)
    (2, 4, -2)
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2 == 1):
        quotient += 1
    return quotient


def simple_interest_satang(amount_satang: int, rate_bps: int, days: int) -> int:
    """Simple interest for ``days`` days at ``rate_bps`` a year, Actual/365, half-even.

    >>> simple_interest_satang(100_000_00, 500, 365)  # 100,000 baht at 5 % for a year
    500000
    >>> simple_interest_satang(1_000_00, 650, 45)  # 1,000 baht at 6.5 % for 45 days
    801
    """
    return div_round_half_even(amount_satang * rate_bps * days, BPS_PER_UNIT * DAYS_PER_YEAR)


def midpoint_rate_bps(low_bps: int, high_bps: int) -> int:
    """The midpoint of two rates in whole basis points, ties to even.

    >>> midpoint_rate_bps(400, 700), midpoint_rate_bps(400, 701), midpoint_rate_bps(401, 702)
    (550, 550, 552)
    """
    return div_round_half_even(low_bps + high_bps, 2)


def format_baht(amount_satang: int) -> str:
    """Format satang as a baht decimal string with two places and thousands separators.

    >>> format_baht(123456789), format_baht(-5), format_baht(0)
    ('1,234,567.89', '-0.05', '0.00')
    """
    sign = "-" if amount_satang < 0 else ""
    baht, satang = divmod(abs(amount_satang), SATANG_PER_BAHT)
    return f"{sign}{baht:,}.{satang:02d}"


def satang_to_decimal_string(amount_satang: int) -> str:
    """Plain decimal string with two places, as used at the JSON edge.

    >>> satang_to_decimal_string(150000), satang_to_decimal_string(-7)
    ('1500.00', '-0.07')
    """
    sign = "-" if amount_satang < 0 else ""
    baht, satang = divmod(abs(amount_satang), SATANG_PER_BAHT)
    return f"{sign}{baht}.{satang:02d}"


def ratio_bps(part: int, whole: int) -> int:
    """``part / whole`` in basis points, rounded half-even; 10,000 when ``whole`` is zero.

    >>> ratio_bps(1, 3), ratio_bps(2, 3), ratio_bps(0, 0)
    (3333, 6667, 10000)
    """
    if whole == 0:
        return BPS_PER_UNIT
    return div_round_half_even(part * BPS_PER_UNIT, whole)


def format_bps_percent(bps: int) -> str:
    """Basis points as a percentage with two places, without floats.

    >>> format_bps_percent(5200), format_bps_percent(433), format_bps_percent(7)
    ('52.00 %', '4.33 %', '0.07 %')
    """
    return f"{bps // 100}.{bps % 100:02d} %"
