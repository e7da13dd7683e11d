"""Table model of the stored background jobs: funding plans and stress runs.

One row per job (``analysis_job``): its network (whose coordinators alone see it), kind,
the checked request, its state and progress, and once done its result (JSON, money in
satang) and chart (PNG). The state machine and the heartbeat rule live in
:mod:`api.services.jobs`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class AnalysisJobRow(SQLModel, table=True):
    """A funding plan or stress run, run in the background and kept with its result."""

    __tablename__ = "analysis_job"
    __table_args__ = (Index("ix_analysis_job_network", "network_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    network_id: str = Field(foreign_key="network.id", max_length=64)
    kind: str = Field(max_length=16)
    """``funding`` or ``stress``."""
    status: str = Field(max_length=16)
    """``queued``, ``running``, ``done`` or ``failed``."""
    params_json: str = Field(sa_column=Column(Text, nullable=False))
    result_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    chart_png: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    error_json: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """``{"code", "message_th", "message_en"}`` of a failed job."""
    phase: str = Field(default="", max_length=32)
    done_count: int = 0
    total_count: int = 0
    attempts: int = 1
    runner: str = Field(default="", max_length=64)
    """The process (runner id) that holds the job while it is queued or running."""
    created_by: str = Field(max_length=128)
    created_at: datetime = Field(sa_column=_ts())
    started_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    beat_at: datetime = Field(sa_column=_ts())
    """Last sign of life of the runner holding the job (its heartbeat)."""
