"""Table model of a round's stored report: what the round decided about every order.

One row per round, written in the round's persist transaction and never changed: the
explanations of every order of every kind (reasons, amounts, shadow values), the rules
the round used (fairness, rate and price rule) and its totals per tier, as the canonical
JSON of :mod:`api.services.round.report`. Kept apart from ``round`` so that lists of
rounds never load it.
"""

from __future__ import annotations

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class RoundReportRow(SQLModel, table=True):
    """The stored report of one round (canonical JSON, see ``api.services.round.report``)."""

    __tablename__ = "round_report"

    round_id: int = Field(primary_key=True, foreign_key="round.id")
    report_json: str = Field(sa_column=Column(Text, nullable=False))
    size_bytes: int
    """Length of ``report_json`` in UTF-8 bytes (for operations and benchmarks)."""
