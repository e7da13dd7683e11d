"""Table models of know-how matching (การจับคู่ความรู้): teach and learn postings, and the
proposals of the know-how round.

* ``knowhow_posting`` — what a coop or learning centre can teach (``side = teach``: a topic
  from :data:`matcher.knowhow.topics.TOPICS`, ``capacity`` learners per season) or wants to
  learn (``side = learn``, travelling at most ``max_distance_m``); ``open`` until a learner
  is placed (``closed``) or the coop withdraws it (``withdrawn``).
* ``knowhow_proposal`` — one learner placed with one mentor by a round. Two-phase, like a
  loan proposal: *pending* until the learner and the mentor both accept (*accepted*), or
  *declined*, *expired* (its answer-by passed) or *voided* (a new round version of the same
  day replaced it). A pending or accepted proposal holds one seat of the mentor's capacity.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class KnowhowPostingRow(SQLModel, table=True):
    """A teach offer or a learn request of a coop."""

    __tablename__ = "knowhow_posting"
    __table_args__ = (Index("ix_knowhow_posting_coop", "coop_id", "status"),)

    id: str = Field(primary_key=True, max_length=64)
    side: str = Field(max_length=8)
    """``teach`` or ``learn``."""
    coop_id: str = Field(foreign_key="coop.id", max_length=64)
    topic: str = Field(max_length=64)
    capacity: int = 1
    """Learners per season (a learn request: 1)."""
    lat_e5: int
    lon_e5: int
    max_distance_m: int = 100_000
    status: str = Field(default="open", max_length=16)
    created_at: datetime = Field(sa_column=_ts())


class KnowhowProposalRow(SQLModel, table=True):
    """A learner placed with a mentor, waiting for both to accept."""

    __tablename__ = "knowhow_proposal"
    __table_args__ = (
        Index("ix_knowhow_proposal_round", "round_id"),
        Index("ix_knowhow_proposal_status", "status", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id")
    network_id: str = Field(max_length=64)
    request_id: str = Field(foreign_key="knowhow_posting.id", max_length=64)
    offer_id: str = Field(foreign_key="knowhow_posting.id", max_length=64)
    learner_coop_id: str = Field(max_length=64, index=True)
    mentor_coop_id: str = Field(max_length=64, index=True)
    topic: str = Field(max_length=64)
    distance_m: int
    status: str = Field(max_length=16)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    learner_accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    mentor_accepted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    closed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
