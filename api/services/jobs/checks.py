"""Checks shared by the job requests: whole numbers in a range, lists of ids, and the one
refusal (:class:`~api.services.errors.ServiceError` with a Thai and English line per field).
"""

from __future__ import annotations

from typing import Any

from api.services.errors import ServiceError
from matcher.errors import FieldIssue


def whole_in(issues: list[FieldIssue], raw: dict[str, Any], field: str, lo: int, hi: int) -> int:
    """``raw[field]`` when it is an integer in ``[lo, hi]``; else an issue (and ``lo``)."""
    value = raw.get(field)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        issues.append(
            FieldIssue(
                field,
                f"ต้องเป็นจำนวนเต็มตั้งแต่ {lo:,} ถึง {hi:,} / must be a whole number from "
                f"{lo:,} to {hi:,} (got {value!r})",
            )
        )
        return lo
    return value


def ids_in(issues: list[FieldIssue], raw: dict[str, Any], field: str, most: int = 50) -> list[str]:
    """``raw[field]``: a list of at most ``most`` distinct non-empty ids (else an issue)."""
    value = raw.get(field) or []
    ok = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
    if not ok or len(value) > most or len(set(value)) != len(value):
        issues.append(
            FieldIssue(
                field,
                f"ต้องเป็นรายการรหัสไม่ซ้ำ ไม่เกิน {most} รายการ / must be a list of at most "
                f"{most} distinct ids",
            )
        )
        return []
    return [v.strip() for v in value]


def refuse(issues: list[FieldIssue] | tuple[FieldIssue, ...]) -> ServiceError:
    """The refusal naming every field (nothing was stored)."""
    fields = ", ".join(dict.fromkeys(i.field for i in issues))
    return ServiceError(
        f"the request is not valid: {fields}",
        f"คำขอไม่ถูกต้อง: {fields}",
        [str(i) for i in issues],
    )
