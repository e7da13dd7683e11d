"""Dates people type: ISO or Thai day/month/year, with the Buddhist Era recognised.

Inside, every date is Gregorian. A Thai user often writes the Buddhist-Era year
(พ.ศ. = ค.ศ. + 543), so a year of :data:`BE_FROM` or later is never taken as Gregorian:

* where the value says so — the text carries the era (``พ.ศ.``, ``BE`` or ``B.E.``) or the
  caller says the field is in the Buddhist Era — it is converted (year − 543);
* anywhere else it is refused, with a Thai and English message that shows the Gregorian
  date the writer most likely meant.

Accepted forms: ``YYYY-MM-DD`` and ``D/M/YYYY`` (day first, as Thai spreadsheets write it).

>>> parse_date_text("2026-12-06")
datetime.date(2026, 12, 6)
>>> parse_date_text("6/12/2569 พ.ศ.")
datetime.date(2026, 12, 6)
>>> try:
...     parse_date_text("2569-12-06")
... except DateTextError as exc:
...     print(str(exc)[:77])
'2569-12-06' has a Buddhist-Era year (พ.ศ. 2569): the Gregorian date meant is
"""

from __future__ import annotations

import re
from datetime import date

BE_OFFSET = 543
"""Buddhist Era year − Gregorian year."""
BE_FROM = 2400
"""A year at or above this is a Buddhist-Era year (Gregorian 1857 and later)."""
_ERA = re.compile(r"\s*(พ\.ศ\.|B\.?E\.?)\s*", re.IGNORECASE)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class DateTextError(ValueError):
    """A date that cannot be read, or a Buddhist-Era year where a Gregorian one is due."""


def _fields(text: str) -> tuple[int, int, int] | None:
    iso = _ISO.match(text)
    if iso:
        return int(iso[1]), int(iso[2]), int(iso[3])
    dmy = _DMY.match(text)
    if dmy:
        return int(dmy[3]), int(dmy[2]), int(dmy[1])
    return None


def parse_date_text(text: str, *, buddhist_era: bool = False) -> date:
    """``text`` as a Gregorian date.

    Args:
        text: ``YYYY-MM-DD`` or ``D/M/YYYY``, optionally marked ``พ.ศ.`` / ``BE``.
        buddhist_era: the field is in the Buddhist Era (convert a year ≥ 2400).

    Raises:
        DateTextError: not a date in either form, or an unmarked Buddhist-Era year (the
            message shows the Gregorian date meant).
    """
    raw = text.strip()
    marked = bool(_ERA.search(raw))
    plain = _ERA.sub("", raw).strip()
    parts = _fields(plain)
    if parts is None:
        raise DateTextError(
            f"{text!r} is not a date YYYY-MM-DD or D/M/YYYY "
            "(วันที่ไม่ถูกต้อง ต้องเป็น ปปปป-ดด-วว หรือ ว/ด/ปปปป)"
        )
    year, month, day = parts
    if year >= BE_FROM:
        year -= BE_OFFSET
        meant = _valid(text, year, month, day)
        if marked or buddhist_era:
            return meant
        raise DateTextError(be_refusal(text, parts[0], meant))
    if marked:
        raise DateTextError(
            f"{text!r} is marked Buddhist Era but its year {year} is below {BE_FROM} "
            f"(ระบุ พ.ศ. แต่ปี {year} ไม่ใช่ปีพุทธศักราช)"
        )
    return _valid(text, year, month, day)


def _valid(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateTextError(f"{text!r} is not a calendar date (ไม่มีวันที่นี้ในปฏิทิน)") from exc


def be_refusal(text: str, be_year: int, meant: date) -> str:
    """The Thai and English refusal of an unmarked Buddhist-Era year."""
    iso = meant.isoformat()
    return (
        f"{text!r} has a Buddhist-Era year (พ.ศ. {be_year}): the Gregorian date meant is "
        f"{iso}; write that (ปี {be_year} เป็นปีพุทธศักราช วันที่แบบ ค.ศ. คือ {iso})"
    )


def check_gregorian(value: date) -> date:
    """Refuse a date object whose year is Buddhist Era (e.g. an Excel cell, a parsed body).

    Raises:
        DateTextError: the year is 2400 or later; the message shows the date meant.
    """
    if value.year < BE_FROM:
        return value
    meant = _valid(value.isoformat(), value.year - BE_OFFSET, value.month, value.day)
    raise DateTextError(be_refusal(value.isoformat(), value.year, meant))
