"""The one clock dependency: UTC wall time and a monotonic nanosecond counter.

Services take a ``UtcClock`` argument; only :func:`system_clock` reads the real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

UtcClock = Callable[[], datetime]
MonotonicNs = Callable[[], int]


def system_clock() -> datetime:
    """The current UTC time (timezone-aware)."""
    return datetime.now(UTC)


def monotonic_ns() -> int:
    """A monotonic nanosecond counter for durations."""
    return time.perf_counter_ns()


def as_utc(value: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite hands back naive values, stored as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
