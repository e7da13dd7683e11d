"""The job rows and their state changes (see :mod:`api.services.jobs` for the machine).

Every change runs in a write transaction and appends an audit event (``job.created``,
``job.started``, ``job.done`` with the SHA-256 of the stored result, ``job.failed``,
``job.retried``), so the state a coordinator reads is the audited one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event
from api.db.tables_jobs import AnalysisJobRow
from api.db.tx import in_write_transaction, read_session
from api.services.clock import as_utc
from api.services.errors import InvalidStateError, NotFoundError

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
LIVE = (QUEUED, RUNNING)
KINDS = ("funding", "stress")
RUNNER_ACTOR = "system:jobs"
INTERRUPTED = (
    "interrupted",
    "งานถูกขัดจังหวะ (โปรแกรมหยุดระหว่างทำงาน) สั่งทำใหม่ได้",
    "the job was interrupted (its process stopped in the middle); it may be retried",
)


def canonical(data: Any) -> str:
    """Sorted, compact JSON: what is stored (the same request, the same text)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Progress:
    """Where a running job is: its phase and ``done`` of ``total`` steps."""

    phase: str
    done: int
    total: int


def create_job(
    session: Session,
    network_id: str,
    kind: str,
    params: dict[str, Any],
    actor: str,
    now: datetime,
    runner: str,
) -> AnalysisJobRow:
    """Insert a queued job held by ``runner`` and audit it (in the caller's transaction)."""
    assert kind in KINDS, kind
    row = AnalysisJobRow(
        network_id=network_id,
        kind=kind,
        status=QUEUED,
        params_json=canonical(params),
        created_by=actor,
        created_at=now,
        beat_at=now,
        runner=runner,
    )
    session.add(row)
    session.flush()
    append_event(
        session, now, actor, "job.created", "analysis_job", str(row.id), {"kind": kind, **params}
    )
    return row


def job_of_network(engine: Engine, network_id: str, job_id: int) -> AnalysisJobRow | None:
    """The job when it belongs to the network or a network below it, else None."""
    with read_session(engine) as s:
        row = s.get(AnalysisJobRow, job_id)
        if row is None:
            return None
        ids = {n.id for n in repo.subtree(s, network_id)}
        return row if row.network_id in ids else None


def jobs_of_network(
    engine: Engine, network_id: str, before: int | None, limit: int
) -> list[AnalysisJobRow]:
    """Jobs of the network and the networks below it, newest first (``limit + 1`` read),
    without their results and charts (left unloaded: a list reads each job's state only)."""
    with read_session(engine) as s:
        ids = [n.id for n in repo.subtree(s, network_id)]
        stmt = (
            select(AnalysisJobRow)
            .options(
                defer(AnalysisJobRow.result_json, raiseload=True),  # type: ignore[arg-type]
                defer(AnalysisJobRow.chart_png, raiseload=True),  # type: ignore[arg-type]
            )
            .where(col(AnalysisJobRow.network_id).in_(ids))
        )
        if before is not None:
            stmt = stmt.where(col(AnalysisJobRow.id) < before)
        stmt = stmt.order_by(col(AnalysisJobRow.id).desc()).limit(limit + 1)
        return list(s.execute(stmt).scalars().all())


def start(engine: Engine, job_id: int, runner: str, now: datetime) -> AnalysisJobRow | None:
    """Mark the job running when it is still queued for ``runner``; None otherwise (it was
    swept as interrupted, or another runner took it over)."""

    def tx(s: Session) -> AnalysisJobRow | None:
        row = s.get(AnalysisJobRow, job_id)
        if row is None or row.status != QUEUED or row.runner != runner:
            return None
        row.status, row.started_at, row.beat_at = RUNNING, now, now
        s.add(row)
        append_event(s, now, RUNNER_ACTOR, "job.started", "analysis_job", str(job_id), {})
        return row

    return in_write_transaction(engine, tx)


def beat(
    engine: Engine, runner: str, held: list[int], now: datetime, progress: dict[int, Progress]
) -> None:
    """Renew the heartbeat of the live jobs ``held`` by ``runner`` and store their progress."""

    def tx(s: Session) -> None:
        mine = (
            col(AnalysisJobRow.id).in_(held),
            col(AnalysisJobRow.runner) == runner,
            col(AnalysisJobRow.status).in_(LIVE),
        )
        s.execute(update(AnalysisJobRow).where(*mine).values(beat_at=now))
        for job_id, p in sorted(progress.items()):
            s.execute(
                update(AnalysisJobRow)
                .where(col(AnalysisJobRow.id) == job_id, *mine)
                .values(phase=p.phase, done_count=p.done, total_count=p.total)
            )

    in_write_transaction(engine, tx)


def finish(
    engine: Engine,
    job_id: int,
    runner: str,
    result: dict[str, Any],
    chart: bytes | None,
    now: datetime,
    last: Progress | None = None,
) -> bool:
    """Store the result of a running job ``runner`` holds, with its ``last`` progress;
    False when it no longer holds it."""
    text = canonical(result)

    def tx(s: Session) -> bool:
        row = s.get(AnalysisJobRow, job_id)
        if row is None or row.status != RUNNING or row.runner != runner:
            return False
        row.status, row.result_json, row.chart_png = DONE, text, chart
        row.finished_at, row.beat_at, row.error_json = now, now, None
        if last is not None:
            row.phase, row.total_count = last.phase, last.total
        row.done_count = row.total_count
        s.add(row)
        digest = hashlib.sha256(text.encode()).hexdigest()
        payload = {"result_sha256": digest, "chart": chart is not None}
        append_event(s, now, RUNNER_ACTOR, "job.done", "analysis_job", str(job_id), payload)
        return True

    return in_write_transaction(engine, tx)


def fail(
    engine: Engine,
    job_id: int,
    error: tuple[str, str, str],
    now: datetime,
    runner: str | None = None,
) -> bool:
    """Mark a live job failed with ``(code, Thai, English)``; with ``runner``, only while
    that runner holds it. False when it was not live."""

    def tx(s: Session) -> bool:
        row = s.get(AnalysisJobRow, job_id)
        if row is None or row.status not in LIVE or (runner is not None and row.runner != runner):
            return False
        _fail_row(s, row, error, now)
        return True

    return in_write_transaction(engine, tx)


def _fail_row(s: Session, row: AnalysisJobRow, error: tuple[str, str, str], now: datetime) -> None:
    code, th, en = error
    row.status, row.finished_at = FAILED, now
    row.error_json = canonical({"code": code, "message_th": th, "message_en": en})
    s.add(row)
    append_event(s, now, RUNNER_ACTOR, "job.failed", "analysis_job", str(row.id), {"code": code})


def is_stale(row: AnalysisJobRow, now: datetime, lease_s: float) -> bool:
    """Whether a live job's heartbeat is older than ``lease_s`` (read only; the sweep
    decides again in its own transaction)."""
    return row.status in LIVE and as_utc(row.beat_at) < now - timedelta(seconds=lease_s)


def sweep_stale(
    engine: Engine, now: datetime, lease_s: float, job_id: int | None = None
) -> list[int]:
    """Mark failed (``interrupted``) every live job, or only ``job_id``, whose heartbeat is
    older than ``lease_s``: the process that held it died. Returns their ids."""
    cutoff = now - timedelta(seconds=lease_s)

    def tx(s: Session) -> list[int]:
        stmt = select(AnalysisJobRow).where(
            col(AnalysisJobRow.status).in_(LIVE), col(AnalysisJobRow.beat_at) < cutoff
        )
        if job_id is not None:
            stmt = stmt.where(col(AnalysisJobRow.id) == job_id)
        rows = list(s.execute(stmt.order_by(col(AnalysisJobRow.id))).scalars().all())
        for row in rows:
            _fail_row(s, row, INTERRUPTED, now)
        return [int(r.id or 0) for r in rows]

    return in_write_transaction(engine, tx)


def retry(
    session: Session, row: AnalysisJobRow, actor: str, now: datetime, runner: str
) -> AnalysisJobRow:
    """Queue a failed job again for ``runner`` (in the caller's transaction).

    Raises:
        InvalidStateError: the job is not failed.
    """
    fresh = session.get(AnalysisJobRow, row.id)
    if fresh is None:
        raise NotFoundError("no such job", "ไม่พบงาน")
    if fresh.status != FAILED:
        raise InvalidStateError(
            f"only a failed job may be retried; this one is {fresh.status}",
            f"สั่งทำใหม่ได้เฉพาะงานที่ล้มเหลว งานนี้มีสถานะ {fresh.status}",
        )
    fresh.status, fresh.runner, fresh.beat_at = QUEUED, runner, now
    fresh.attempts += 1
    fresh.error_json, fresh.started_at, fresh.finished_at = None, None, None
    fresh.phase, fresh.done_count, fresh.total_count = "", 0, 0
    session.add(fresh)
    append_event(
        session,
        now,
        actor,
        "job.retried",
        "analysis_job",
        str(fresh.id),
        {"attempt": fresh.attempts},
    )
    return fresh
