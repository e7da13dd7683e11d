"""The job runner of one process: a few daemon threads take queued jobs and run them; one
more renews the heartbeat of every job the process holds and stores their progress.

Daemon threads, so a process that exits (or dies) never waits for a long plan: the jobs
it held stop beating and are marked ``interrupted`` by the next sweep (see
:mod:`api.services.jobs`). :meth:`JobRunner.close` asks running jobs to stop at their next
progress step and marks them interrupted at once.
"""

from __future__ import annotations

import json
import queue
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Engine

from api.db.tables_jobs import AnalysisJobRow
from api.services.clock import UtcClock
from api.services.errors import ServiceError
from api.services.jobs import store
from api.services.jobs.funding import run_funding
from api.services.jobs.store import Progress
from api.services.jobs.stress import run_stress_job
from scenarios.funding.sampling import SampleCache

log = structlog.get_logger("coopmatch.jobs")
Work = Callable[[Callable[[Progress], None]], tuple[dict[str, Any], bytes | None]]
STOPPED = (
    "interrupted",
    "งานถูกหยุดเพราะโปรแกรมปิดตัว สั่งทำใหม่ได้",
    "the job was stopped because its process shut down; it may be retried",
)
FAILED = ("failed", "งานล้มเหลว สั่งทำใหม่ได้", "the job failed; it may be retried")


class Stopping(Exception):
    """Raised at a job's progress step once its runner is closing."""


@dataclass(frozen=True)
class JobLimits:
    """How the runner runs: threads, sampling processes, heartbeat and lease."""

    threads: int = 1
    sample_workers: int = 1
    beat_s: float = 5.0
    lease_s: float = 60.0
    """A job with no heartbeat for this long is taken as interrupted (≥ 3 beats)."""


class JobRunner:
    """Runs the jobs this process stored or retried (``runner_id`` marks them)."""

    def __init__(self, engine: Engine, clock: UtcClock, limits: JobLimits) -> None:
        self.engine, self.clock, self.limits = engine, clock, limits
        self.runner_id = uuid.uuid4().hex
        self._queue: queue.Queue[int] = queue.Queue()
        self._progress: dict[int, Progress] = {}
        self._held: set[int] = set()
        """Jobs submitted here and not yet ended: the only ones whose heartbeat is renewed
        (a job this process lost track of stops beating and is swept as interrupted)."""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self.samples = SampleCache()
        """The recent plans' sampled seasons: a second plan on them samples nothing."""

    def sweep(self, job_id: int | None = None) -> list[int]:
        """Mark interrupted the live jobs (or ``job_id``) whose heartbeat stopped."""
        return store.sweep_stale(self.engine, self.clock(), self.limits.lease_s, job_id)

    def fresh(self, row: AnalysisJobRow) -> bool:
        """Whether ``row`` as read needs no sweep (it ended, or its heartbeat is recent)."""
        return not store.is_stale(row, self.clock(), self.limits.lease_s)

    def submit(self, job_id: int) -> None:
        """Queue a job this runner holds (stored with :attr:`runner_id`)."""
        with self._lock:
            self._pending += 1
            self._held.add(job_id)
            self._start_threads()
        self._queue.put(job_id)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has ended (tests and shutdown)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Stop: running jobs end at their next progress step, marked interrupted."""
        self._stop.set()

    def _start_threads(self) -> None:
        if self._threads:
            return
        for i in range(max(1, self.limits.threads)):
            t = threading.Thread(target=self._work_loop, name=f"job-runner-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        beat = threading.Thread(target=self._beat_loop, name="job-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.limits.beat_s):
            with self._lock:
                held, progress = sorted(self._held), dict(self._progress)
            if not held:
                continue  # nothing to keep alive (start-up and reads sweep the others)
            try:
                store.beat(self.engine, self.runner_id, held, self.clock(), progress)
                store.sweep_stale(self.engine, self.clock(), self.limits.lease_s)
            except Exception as exc:  # the database away for a moment: next beat
                log.warning("job_heartbeat_failed", error=repr(exc))

    def _work_loop(self) -> None:
        while True:
            job_id = self._queue.get()
            try:
                self._run(job_id)
            except Exception as exc:  # never lose the thread
                log.exception("job_runner_error", job_id=job_id, error=repr(exc))
            finally:
                with self._idle:
                    self._progress.pop(job_id, None)
                    self._held.discard(job_id)
                    self._pending -= 1
                    self._idle.notify_all()

    def _tell(self, job_id: int) -> Callable[[Progress], None]:
        def tell(p: Progress) -> None:
            if self._stop.is_set():
                raise Stopping
            with self._lock:
                self._progress[job_id] = p

        return tell

    def _run(self, job_id: int) -> None:
        if self._stop.is_set():
            store.fail(self.engine, job_id, STOPPED, self.clock(), self.runner_id)
            return
        row = store.start(self.engine, job_id, self.runner_id, self.clock())
        if row is None:
            return
        params = json.loads(row.params_json)
        try:
            result, chart = self._work(row.kind, row.network_id, params)(self._tell(job_id))
        except Stopping:
            store.fail(self.engine, job_id, STOPPED, self.clock(), self.runner_id)
            return
        except ServiceError as exc:
            lines = "".join(f"; {line}" for line in exc.lines)
            th, en = exc.message_th or exc.message_en, exc.message_en
            error = (exc.code, th + lines, en + lines)
            store.fail(self.engine, job_id, error, self.clock(), self.runner_id)
            return
        except Exception as exc:
            log.exception("job_failed", job_id=job_id, error=repr(exc))
            store.fail(self.engine, job_id, FAILED, self.clock(), self.runner_id)
            return
        with self._lock:
            last = self._progress.get(job_id)
        store.finish(self.engine, job_id, self.runner_id, result, chart, self.clock(), last)

    def _work(self, kind: str, network_id: str, params: dict[str, Any]) -> Work:
        if kind == "funding":
            return lambda tell: run_funding(params, self.limits.sample_workers, tell, self.samples)
        return lambda tell: run_stress_job(self.engine, network_id, params, tell)
