"""The job runner on its own: a job that raises is failed (and may be retried), a runner
that closes stops its running job at the next progress step and marks it interrupted, and
a job its runner lost track of stops beating and is swept as interrupted after the lease."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from dbseed import seed_lamphun
from sqlalchemy import Engine

from api.db.tables_jobs import AnalysisJobRow
from api.db.tx import in_write_transaction, read_session
from api.services.jobs import runner as jobs_runner
from api.services.jobs import store
from api.services.jobs.store import Progress

PARAMS = {"scenario": "lamphun-2555.yaml", "runs": 2}


def _runner(db: Engine, clock: Any) -> jobs_runner.JobRunner:
    seed_lamphun(db)
    return jobs_runner.JobRunner(db, clock, jobs_runner.JobLimits(beat_s=0.02, lease_s=60))


def _job(db: Engine, clock: Any, runner: jobs_runner.JobRunner) -> int:
    row = in_write_transaction(
        db,
        lambda s: store.create_job(
            s, "LPN", "funding", PARAMS, "lamphun-office", clock(), runner.runner_id
        ),
    )
    return int(row.id or 0)


def _row(db: Engine, job_id: int) -> AnalysisJobRow:
    with read_session(db) as s:
        row = s.get(AnalysisJobRow, job_id)
        assert row is not None
        return row


def test_a_job_that_raises_fails_and_is_retried(
    db: Engine, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _runner(db, clock)
    calls: list[int] = []

    def flaky(params: Any, workers: int, tell: Any, *_: Any) -> tuple[dict[str, Any], None]:
        calls.append(1)
        tell(Progress("sample", 1, 2))
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return {"answer_satang": 42}, None

    monkeypatch.setattr(jobs_runner, "run_funding", flaky)
    job_id = _job(db, clock, runner)
    runner.submit(job_id)
    assert runner.wait_idle(30)
    row = _row(db, job_id)
    assert row.status == "failed" and "failed" in (row.error_json or "")
    in_write_transaction(
        db, lambda s: store.retry(s, row, "lamphun-office", clock(), runner.runner_id)
    )
    runner.submit(job_id)
    assert runner.wait_idle(30)
    row = _row(db, job_id)
    assert (row.status, row.attempts, row.result_json) == ("done", 2, '{"answer_satang":42}')
    assert (row.phase, row.done_count, row.total_count) == ("sample", 2, 2)


def test_closing_stops_a_running_job_as_interrupted(
    db: Engine, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = _runner(db, clock)
    started, go_on = threading.Event(), threading.Event()

    def slow(params: Any, workers: int, tell: Any, *_: Any) -> tuple[dict[str, Any], None]:
        tell(Progress("sample", 0, 10))
        started.set()
        go_on.wait(30)
        tell(Progress("sample", 1, 10))  # the runner is closing: this step stops the job
        raise AssertionError("not reached")

    monkeypatch.setattr(jobs_runner, "run_funding", slow)
    job_id = _job(db, clock, runner)
    runner.submit(job_id)
    assert started.wait(30)
    runner.close()
    go_on.set()
    assert runner.wait_idle(30)
    row = _row(db, job_id)
    assert row.status == "failed" and '"code":"interrupted"' in (row.error_json or "")


def test_a_lost_job_stops_beating_and_is_swept(db: Engine, clock: Any) -> None:
    runner = _runner(db, clock)
    job_id = _job(db, clock, runner)  # stored, never submitted: as if its process died
    assert runner.sweep() == []  # its heartbeat is fresh
    clock.advance(seconds=61)
    assert runner.sweep() == [job_id]
    assert _row(db, job_id).status == "failed"
    clock.advance(seconds=1)
    assert runner.sweep() == []  # once only
    assert not store.is_stale(_row(db, job_id), clock() + timedelta(days=1), 60)


def test_a_request_that_went_bad_fails_naming_the_field(db: Engine, clock: Any) -> None:
    runner = _runner(db, clock)
    params = {"ledger": "database", "default": ["GONE"], "group": [], "price_fall_bps": 0}
    row = in_write_transaction(
        db,
        lambda s: store.create_job(
            s, "LPN", "stress", params, "lamphun-office", clock(), runner.runner_id
        ),
    )
    runner.submit(int(row.id or 0))  # e.g. the coop left the network after the job was stored
    assert runner.wait_idle(30)
    failed = _row(db, int(row.id or 0))
    assert failed.status == "failed" and '"code":"invalid"' in (failed.error_json or "")
    assert "default[0]" in (failed.error_json or "") and "GONE" in (failed.error_json or "")
