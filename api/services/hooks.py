"""A hook a service runs inside its own write transaction, just before the commit.

The HTTP edge uses it to store an idempotent response in the same transaction as the
change (DESIGN.md reliability rules): both commit together or neither does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session

T = TypeVar("T")
OnCommit = Callable[[Session, T], None]
"""``on_commit(session, outcome)``: called in the write transaction with the outcome."""


def with_hook(session: Session, outcome: T, on_commit: OnCommit[T] | None) -> T:
    """Run ``on_commit`` (if any) on ``outcome`` in ``session``; return ``outcome``."""
    if on_commit is not None:
        on_commit(session, outcome)
        session.flush()
    return outcome
