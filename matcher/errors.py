"""Domain errors: bad input is reported field by field, never as a bare exception.

Errors carry no HTTP codes or exit codes; the edges (CLI, API) map them.
"""

from __future__ import annotations

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

    def raise_if_any(self) -> None:
        """Raise :class:`InputError` if anything was recorded."""
        if self.issues:
            raise InputError(self.issues)
