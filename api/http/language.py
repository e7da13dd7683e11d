"""``Accept-Language`` (RFC 9110 §12.5.4): does the caller prefer Thai to English?

A language range names Thai only as ``th`` or ``th-…`` (``thai`` and ``the`` are other
languages), ``*`` stands for every language the header does not name, and a weight of 0
means "not acceptable", so such a range is never chosen. A malformed range or weight is
ignored. Between equal weights the range listed first wins; with nothing acceptable the
answer is English.
"""

from __future__ import annotations

import re

_TAG = re.compile(r"^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$")
_QVALUE = re.compile(r"^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$")


def _ranges(header: str) -> list[tuple[str, float]]:
    """The well-formed ``(range, weight)`` pairs of the header, in order."""
    out = []
    for part in header.split(","):
        tag, *params = (p.strip() for p in part.split(";"))
        tag, weight = tag.lower(), "1"
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                weight = value.strip()
        if _TAG.match(tag) and _QVALUE.match(weight):
            out.append((tag, float(weight)))
    return out


def _rank(ranges: list[tuple[str, float]], lang: str) -> tuple[float, int]:
    """The weight of ``lang`` and how early its range comes (higher is better)."""
    named = [
        (q, -i) for i, (tag, q) in enumerate(ranges) if tag == lang or tag.startswith(lang + "-")
    ]
    if not named:
        named = [(q, -i) for i, (tag, q) in enumerate(ranges) if tag == "*"]
    return max(named, default=(0.0, 0))


def prefers_thai(header: str) -> bool:
    """Whether ``header`` asks for Thai before English.

    >>> [prefers_thai(h) for h in ("th-TH,en;q=0.8", "th;q=0", "thai", "*", "en, th")]
    [True, False, False, False, False]
    """
    ranges = _ranges(header)
    thai = _rank(ranges, "th")
    return thai[0] > 0 and thai > _rank(ranges, "en")
