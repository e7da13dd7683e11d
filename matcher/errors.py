"""Domain errors: bad input is reported field by field, never as a bare exception.

Errors carry no HTTP codes or exit codes; the edges (CLI, API) map them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One problem with one input field, e.g. ``needs[3].amount_satang``."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InputError(ValueError):
    """The problem given to the matcher breaks a rule; nothing was solved.

    Attributes:
        issues: every field-level problem found, in input order.
    """

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(str(i) for i in self.issues))


class IssueCollector:
    """Collects field issues during validation and raises them together."""

    def __init__(self) -> None:
        self.issues: list[FieldIssue] = []

    def add(self, field: str, message: str) -> None:
        """Record one problem with ``field``."""
        self.issues.append(FieldIssue(field, message))

    def require(self, ok: bool, field: str, message: str) -> bool:
        """Record ``message`` for ``field`` unless ``ok``; return ``ok``."""
        if not ok:
            self.add(field, message)
        return ok

    def unique_ids(self, prefix: str, ids: Sequence[str]) -> None:
        """Every id present and none twice (``prefix[i].id`` names the field)."""
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if not ident:
                self.add(f"{prefix}[{i}].id", "รหัสต้องไม่ว่าง / id must not be empty")
            elif ident in seen:
                self.add(f"{prefix}[{i}].id", f"รหัสซ้ำ / duplicate id {ident!r}")
            seen.add(ident)

    def int_in(self, field: str, value: object, low: int, high: int) -> bool:
        """Record an issue unless ``value`` is an integer in ``[low, high]``; return whether
        it is."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(field, "ต้องเป็นจำนวนเต็ม / must be an integer")
            return False
        if not low <= value <= high:
            self.add(
                field, f"ต้องอยู่ระหว่าง {low:,} ถึง {high:,} / must be between {low:,} and {high:,}"
            )
            return False
        return True

    def place(self, where: str, lat_e5: int, lon_e5: int) -> None:
        """Latitude and longitude in 1e-5 degrees, inside the globe."""
        self.int_in(f"{where}.lat_e5", lat_e5, -9_000_000, 9_000_000)
        self.int_in(f"{where}.lon_e5", lon_e5, -18_000_000, 18_000_000)

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` if anything was recorded."""
        if self.issues:
            raise InputError(self.issues)
