"""Checks of secrets (an API key on ``/v1``, the login form on ``/web``): argon2 off the
event loop, a bound on how many run at once, and limits that a guesser cannot turn into a
lockout of the key's owner.

* **Off the loop, bounded, behind the requests.** argon2 runs in a pool of its own of
  ``verify_concurrency`` threads, at a lower CPU priority (``nice`` +:data:`NICENESS` on
  Linux, where it is per thread): serving a request always goes first. At most
  ``verify_queue`` more checks wait for a thread, and any check past that is refused at once
  (429). A flood of wrong secrets therefore costs the server at most ``verify_concurrency``
  low-priority threads, and the event loop (health, every other request) never waits for a
  hash.
* **Per client** (its address, as the server sees it; behind a reverse proxy the address the
  proxy reports, see ``docs/security-web.md``): at most ``verify_per_client_minute`` checks a
  minute (a token bucket), whatever key they name, and one at a time (:meth:`turn`): a
  burst waits for the outcome of each check before the next is admitted, so it gets no more
  checks than requests sent in turn, and never fills the pool.
* **Per key id and client**: after ``free_failures`` wrong secrets in a row, each further try
  from that client waits ``2^(n - free_failures)`` seconds (at most :data:`MAX_BACKOFF_S`); a
  right secret clears it. Checks still running count as failures until they end, so a burst
  sent all at once gets no more checks than one sent in turn. Another client is never
  affected, so guessing at a key from one address cannot lock its owner out.
* **Per key id**: at most ``verify_per_key_minute`` wrong secrets a minute from all clients
  together; past that, only clients that verified this key before (within a day) may still
  try. The owner's usual machines pass; only a new address waits while a key is attacked
  from many addresses at once.

State is in memory, per process, and bounded (the least recently seen entries go first).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

MAX_BACKOFF_S = 900.0
"""The longest back-off of a key id at one client (15 minutes)."""
VERIFIED_S = 86_400.0
"""How long a client that verified a key counts as one of the key's clients."""
MAX_ENTRIES = 20_000
"""Entries kept per table (clients, key-and-client pairs, keys); the oldest go first."""
NICENESS = 10
"""How much lower the checking threads' CPU priority is than the server's."""


class Busy(Exception):
    """Too many checks are already waiting: refused without hashing."""


@dataclass(frozen=True)
class GuardLimits:
    """The numbers of :class:`SecretGuard` (from :class:`~api.http.context.HttpConfig`)."""

    concurrency: int = 1
    queue: int = 32
    per_client_minute: int = 30
    per_key_minute: int = 60
    free_failures: int = 5


K = TypeVar("K")
V = TypeVar("V")


class _Lru(OrderedDict[K, V]):
    """An ordered dict that forgets its oldest entries past :data:`MAX_ENTRIES`."""

    def touch(self, key: K, value: V) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > MAX_ENTRIES:
            self.popitem(last=False)


class _Buckets:
    """Token buckets (``per_minute`` a minute, burst of one minute's worth) by name."""

    def __init__(self, per_minute: int) -> None:
        self.rate, self.burst = per_minute / 60.0, float(per_minute)
        self._state: _Lru[str, tuple[float, float]] = _Lru()

    def level(self, name: str, now: float) -> float:
        tokens, last = self._state.get(name, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.rate)

    def wait(self, name: str, now: float) -> float:
        """Seconds until one token is there (0 when it is there now)."""
        tokens = self.level(name, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, name: str, now: float) -> None:
        self._state.touch(name, (self.level(name, now) - 1.0, now))


class SecretGuard:
    """Admits, runs and records the checks of secrets of one app (see the module text)."""

    def __init__(self, limits: GuardLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits, self._clock = limits, clock
        self._lock = threading.Lock()
        self._clients = _Buckets(limits.per_client_minute)
        self._keys = _Buckets(limits.per_key_minute)
        self._failures: _Lru[tuple[str, str], tuple[int, float]] = _Lru()
        """(key id, client) → (wrong secrets in a row, when the last one came)."""
        self._verified: _Lru[tuple[str, str], float] = _Lru()
        """(key id, client) → when the client last verified the key."""
        self._pending: dict[tuple[str, str], int] = {}
        """(key id, client) → admitted checks not yet recorded."""
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}
        """client → the lock its checks take turns on, and how many hold or wait for it."""
        self._waiting = 0
        self._pool: ThreadPoolExecutor | None = None

    def admit(self, key_id: str, client: str) -> float:
        """Seconds ``client`` must wait before it may try a secret of ``key_id`` (0: now).
        An admitted try takes one of the client's tokens and is pending until
        :meth:`record` (which the caller must call, whatever happens)."""
        now = self._clock()
        with self._lock:
            wait = max(self._backoff(key_id, client, now), self._clients.wait(client, now))
            known = now - self._verified.get((key_id, client), -VERIFIED_S) < VERIFIED_S
            if not known:
                wait = max(wait, self._keys.wait(key_id, now))
            if wait == 0.0:
                self._clients.take(client, now)
                pair = (key_id, client)
                self._pending[pair] = self._pending.get(pair, 0) + 1
            return wait

    def _backoff(self, key_id: str, client: str, now: float) -> float:
        failures, last = self._failures.get((key_id, client), (0, now))
        pending = self._pending.get((key_id, client), 0)
        if pending and failures + pending >= self.limits.free_failures:
            return 1.0  # as many checks as may fail are running: wait for their outcome
        extra = failures - self.limits.free_failures
        if extra < 0:
            return 0.0
        pause = min(MAX_BACKOFF_S, 2.0 ** min(extra, 20))
        return max(0.0, last + pause - now)

    def record(self, key_id: str, client: str, ok: bool | None) -> None:
        """Note the outcome of an admitted check (None: it did not run, e.g. the key is
        unknown or the queue was full)."""
        now = self._clock()
        pair = (key_id, client)
        with self._lock:
            left = self._pending.pop(pair, 1) - 1
            if left > 0:
                self._pending[pair] = left
            if ok is None:
                return
            if ok:
                self._failures.pop((key_id, client), None)
                self._verified.touch((key_id, client), now)
                return
            failures, _ = self._failures.get((key_id, client), (0, now))
            self._failures.touch((key_id, client), (failures + 1, now))
            self._keys.take(key_id, now)

    def close(self) -> None:
        """Let the checking threads go (the app is shutting down; a later check starts a
        new pool)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _checking_pool(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(
                    self.limits.concurrency,
                    thread_name_prefix="secret-check",
                    initializer=_lower_priority,
                )
            return self._pool

    @contextlib.asynccontextmanager
    async def turn(self, client: str) -> AsyncIterator[None]:
        """Hold ``client``'s turn: its checks run one after another. Every holder and waiter
        counts against ``concurrency + queue``; past that, :class:`Busy` at once."""
        with self._lock:
            if self._waiting >= self.limits.queue + self.limits.concurrency:
                raise Busy
            self._waiting += 1
            lock, users = self._turns.get(client) or (asyncio.Lock(), 0)
            self._turns[client] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            with self._lock:
                self._waiting -= 1
                _, users = self._turns[client]
                if users <= 1:
                    del self._turns[client]
                else:
                    self._turns[client] = (lock, users - 1)

    async def run(self, check: Callable[[], bool]) -> bool:
        """``check()`` in the checking pool (``concurrency`` low-priority threads)."""
        pool = self._checking_pool()
        return await asyncio.get_running_loop().run_in_executor(pool, check)


def _lower_priority() -> None:
    """Run this checking thread behind the server's own threads (Linux: per thread)."""
    with contextlib.suppress(AttributeError, OSError):  # elsewhere: run as is
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
