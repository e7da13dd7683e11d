"""How letters write dates, money and rates in Thai.

Dates are Buddhist Era (พ.ศ. = ค.ศ. + 543) with Thai month names; money is baht with
thousands separators and, where a letter binds someone, in Thai words as well, built from
PyThaiNLP's ``bahttext`` on whole baht (an integer, never a float) with the satang read out
by the same library.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from pythainlp.util import bahttext, num_to_thaiword

from matcher.money import format_baht, format_bps_percent

BE_OFFSET = 543
BANGKOK = ZoneInfo("Asia/Bangkok")


def thai_date(day: date | datetime) -> str:
    """A date in full, Buddhist Era.

    >>> thai_date(date(2026, 11, 21))
    '21 พฤศจิกายน พ.ศ. 2569'
    """
    if isinstance(day, datetime):
        day = day.date()
    months = get_month_names("wide", locale="th")
    return f"{day.day} {months[day.month]} พ.ศ. {day.year + BE_OFFSET}"


def thai_time(instant: datetime) -> str:
    """A UTC instant as Bangkok date and time.

    >>> from datetime import UTC
    >>> thai_time(datetime(2026, 11, 21, 17, 30, tzinfo=UTC))
    '22 พฤศจิกายน พ.ศ. 2569 เวลา 00:30 น.'
    """
    local = instant.astimezone(BANGKOK)
    return f"{thai_date(local.date())} เวลา {local:%H:%M} น."


def baht(satang: int) -> str:
    """Satang in figures: ``1,050,000.50 บาท``."""
    return f"{format_baht(satang)} บาท"


def baht_words(satang: int) -> str:
    """Satang in Thai words, as on a cheque.

    >>> baht_words(105_000_050), baht_words(2_100), baht_words(50)
    ('หนึ่งล้านห้าหมื่นบาทห้าสิบสตางค์', 'ยี่สิบเอ็ดบาทถ้วน', 'ห้าสิบสตางค์')
    """
    whole, part = divmod(satang, 100)
    if part == 0:
        return bahttext(whole)
    spoken = f"{num_to_thaiword(part)}สตางค์"
    return spoken if whole == 0 else bahttext(whole).removesuffix("ถ้วน") + spoken


def baht_in_full(satang: int) -> str:
    """Figures and words together: ``1,050,000.50 บาท (หนึ่งล้าน…สตางค์)``."""
    return f"{baht(satang)} ({baht_words(satang)})"


def rate(rate_bps: int) -> str:
    """A yearly rate: ``5.00 % ต่อปี``."""
    return f"{format_bps_percent(rate_bps)} ต่อปี"
