"""Business dates: Asia/Bangkok calendar dates, business days, and the round-date window.

A business date is the calendar date in Asia/Bangkok (UTC+7, no daylight saving), never the
UTC date: a round run at 06:30 Bangkok time on 7 December is a round of 7 December although
UTC still reads 6 December. Business days are Monday to Friday, minus the holidays the
caller names; adding ``n`` business days to a date skips the others.

>>> from datetime import date
>>> add_business_days(date(2026, 12, 4), 1)  # a Friday → the Monday after
datetime.date(2026, 12, 7)
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta, timezone

from api.services.errors import ServiceError

try:  # the IANA zone when the system has it; Bangkok has kept UTC+7 since 1920
    from zoneinfo import ZoneInfo

    BANGKOK: timezone | ZoneInfo = ZoneInfo("Asia/Bangkok")
except Exception:  # pragma: no cover - no tz database on this machine
    BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")


class RoundDateError(ServiceError):
    """The round date lies too far from today (refused unless forced); code ``invalid``."""


def bangkok_date(now: datetime) -> date:
    """The Asia/Bangkok calendar date of an instant (naive values are UTC)."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(BANGKOK).date()


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    """Monday to Friday and not a named holiday."""
    return day.weekday() < 5 and day not in holidays


def add_business_days(day: date, n: int, holidays: Collection[date] = ()) -> date:
    """The ``n``-th business day after ``day`` (``n`` ≥ 0; 0 gives ``day`` itself)."""
    out = day
    left = n
    while left > 0:
        out += timedelta(days=1)
        if is_business_day(out, holidays):
            left -= 1
    return out


def business_day_end(day: date) -> datetime:
    """The last instant of ``day`` in Bangkok, as UTC (a proposal's expiry)."""
    end = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=BANGKOK)
    return end.astimezone(UTC)


def check_round_date(day: date, now: datetime, window_days: int, force: bool) -> None:
    """Refuse a round date more than ``window_days`` from today in Bangkok unless forced.

    Raises:
        RoundDateError: names the field ``business_date``, today and the window.
    """
    today = bangkok_date(now)
    gap = abs((day - today).days)
    if force or gap <= window_days:
        return
    raise RoundDateError(
        f"business_date {day.isoformat()} is {gap} days from today ({today.isoformat()}), more "
        f"than {window_days}; check the year, or force the round",
        f"วันทำการ {day.isoformat()} ห่างจากวันนี้ ({today.isoformat()}) {gap} วัน เกิน "
        f"{window_days} วัน ตรวจสอบปี หรือสั่งบังคับรัน",
    )
