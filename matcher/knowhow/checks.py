"""Input rules of a know-how round; every problem names its field in Thai and English.

>>> from matcher.knowhow.model import LearnRequest
>>> r = LearnRequest("r1", "c1", "astrology", 1_855_230, 9_905_934)
>>> check_problem(KnowhowProblem((r,), ()))  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
matcher.errors.InputError: requests[0].topic: ไม่มีหัวข้อนี้ในรายการ / unknown topic 'astrology' ...
"""

from __future__ import annotations

from matcher.errors import IssueCollector
from matcher.knowhow.model import KnowhowProblem
from matcher.knowhow.topics import TOPICS

MAX_CAPACITY = 100_000
MAX_DISTANCE_M = 5_000_000


def check_problem(p: KnowhowProblem) -> None:
    """Raise :class:`InputError` naming every field that breaks a rule."""
    col = IssueCollector()
    col.unique_ids("requests", [r.id for r in p.requests])
    col.unique_ids("offers", [o.id for o in p.offers])
    for i, r in enumerate(p.requests):
        w = f"requests[{i}]"
        col.require(bool(r.learner), f"{w}.learner", "ต้องระบุผู้เรียน / learner must not be empty")
        _topic(col, f"{w}.topic", r.topic)
        col.place(w, r.lat_e5, r.lon_e5)
        col.int_in(f"{w}.max_distance_m", r.max_distance_m, 0, MAX_DISTANCE_M)
    for i, o in enumerate(p.offers):
        w = f"offers[{i}]"
        col.require(bool(o.mentor), f"{w}.mentor", "ต้องระบุผู้สอน / mentor must not be empty")
        _topic(col, f"{w}.topic", o.topic)
        col.place(w, o.lat_e5, o.lon_e5)
        col.int_in(f"{w}.capacity", o.capacity, 1, MAX_CAPACITY)
    col.int_in("road_factor_bps", p.road_factor_bps, 10_000, 30_000)
    col.raise_if_any()


def _topic(col: IssueCollector, field: str, topic: str) -> None:
    col.require(
        topic in TOPICS,
        field,
        f"ไม่มีหัวข้อนี้ในรายการ / unknown topic {topic!r} (one of {', '.join(sorted(TOPICS))})",
    )
