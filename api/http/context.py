"""What one app instance holds: engine, clock, limits, the key cache, limiter and metrics."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from api.db.pg_async import AsyncPg
from api.http.keys import StoredKey
from api.http.reminder_loop import ReminderLoop
from api.http.secret_guard import GuardLimits, SecretGuard
from api.services.clock import UtcClock, system_clock
from api.services.jobs.runner import JobLimits, JobRunner
from api.settings import Settings


@dataclass(frozen=True)
class HttpConfig:
    """Limits of the HTTP edge."""

    max_body_bytes: int = 1_048_576
    rate_per_minute: int = 600
    """Requests per principal per minute (token bucket, burst = one minute's worth)."""
    idempotency_retention_hours: int = 48
    """Stored idempotency keys are kept at least this long (≥ 24 h)."""
    idempotency_purge_every_s: float = 300.0
    """How often (app clock, per process) keys past the retention are deleted."""
    in_flight_lease_s: int = 120
    """A key whose claim went this long without a heartbeat (its worker died) may be taken
    over; a live request renews its claim every :attr:`in_flight_heartbeat_s`."""
    in_flight_heartbeat_s: float = 30.0
    """How often a request that holds a claim renews it (well under the lease)."""
    key_cache_s: float = 60.0
    """How long a verified secret skips argon2 (revocation is still checked every call)."""
    verify_concurrency: int = 1
    """argon2 checks running at once (worker threads); a wrong secret costs about 0.1 s of
    CPU, so this bounds what a flood of wrong secrets can take (:mod:`api.http.secret_guard`)."""
    verify_queue: int = 32
    """Checks that may wait for a slot; past this a check is refused (429) without hashing."""
    verify_per_client_minute: int = 30
    """Secret checks per client address per minute (a verified key is cached and not checked)."""
    verify_per_key_minute: int = 60
    """Wrong secrets per key id per minute from all clients; past it only the clients that
    verified the key before may still try."""
    verify_free_failures: int = 5
    """Wrong secrets in a row for one key id from one client before the back-off starts."""


class RateLimiter:
    """A per-principal token bucket, in memory (one process)."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(per_minute)
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> float:
        """Take one token; returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(who, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._state[who] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._state[who] = (tokens - 1.0, now)
            return 0.0


class Metrics:
    """Request counters and latency sums in Prometheus text format (no extra dependency)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count: dict[tuple[str, str, int], int] = defaultdict(int)
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.count[(method, route, status)] += 1
            self.seconds[(method, route)] += seconds

    def render(self) -> str:
        lines = [
            "# HELP coopmatch_http_requests_total HTTP requests by method, route and status.",
            "# TYPE coopmatch_http_requests_total counter",
        ]
        with self._lock:
            for (m, r, s), n in sorted(self.count.items()):
                lines.append(
                    f'coopmatch_http_requests_total{{method="{m}",route="{r}",status="{s}"}} {n}'
                )
            lines += [
                "# HELP coopmatch_http_request_seconds_sum Time spent serving requests.",
                "# TYPE coopmatch_http_request_seconds_sum counter",
            ]
            for (m, r), v in sorted(self.seconds.items()):
                lines.append(
                    f'coopmatch_http_request_seconds_sum{{method="{m}",route="{r}"}} {v:.6f}'
                )
        return "\n".join(lines) + "\n"


@dataclass
class AppContext:
    """Everything the routes need, built once in :func:`api.http.app.create_app`."""

    settings: Settings
    engine: Engine
    clock: UtcClock = system_clock
    config: HttpConfig = field(default_factory=HttpConfig)
    limiter: RateLimiter = field(init=False)
    guard: SecretGuard = field(init=False)
    """Admits, runs and records every check of a secret (:mod:`api.http.secret_guard`)."""
    metrics: Metrics = field(default_factory=Metrics)
    verified: dict[str, tuple[str, float, StoredKey]] = field(default_factory=dict)
    """sha256(token) → (key id, monotonic time verified, the key as then stored)."""
    purged_at: datetime | None = None
    """When expired idempotency keys were last deleted (app clock)."""
    purge_lock: threading.Lock = field(default_factory=threading.Lock)
    pg: AsyncPg | None = None
    """The async pool for the hot paths (PostgreSQL only; see :mod:`api.db.pg_async`)."""
    jobs: JobRunner = field(init=False)
    """Runs this process's funding plans and stress runs (:mod:`api.services.jobs`)."""
    reminders: ReminderLoop | None = None
    """Sends the reminders due on a schedule while the server runs
    (:mod:`api.http.reminder_loop`; None when off)."""

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.config.rate_per_minute)
        s = self.settings
        self.jobs = JobRunner(
            self.engine,
            self.clock,
            JobLimits(s.jobs_threads, s.jobs_sample_workers, s.jobs_beat_s, s.jobs_lease_s),
        )
        c = self.config
        self.guard = SecretGuard(
            GuardLimits(
                c.verify_concurrency,
                c.verify_queue,
                c.verify_per_client_minute,
                c.verify_per_key_minute,
                c.verify_free_failures,
            )
        )

    @staticmethod
    def token_digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
