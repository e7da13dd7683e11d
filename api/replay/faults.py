"""Deterministic faults: which ones strike is drawn from the seed, how they strike is real.

A plan gives each kind a rate in basis points per opportunity; every kind also strikes at
its first opportunity, so even a short season sees each kind once. Kinds:

``lost-reply``           the reply to a POST is lost; the client sends it again with the
                         same Idempotency-Key (opportunity: each POST of the morning)
``duplicate-post``       a member's POST is delivered twice (same key)
``reordered-posts``      the day's posts arrive in a shuffled order (opportunity: each day)
``crash-before-persist`` an exception between a round's solve and its persist
``crash-in-persist``     an exception inside the persist transaction, after its rows
``connection-drop``      the database connection is dropped inside the persist transaction
``kill-before-persist``  the round runs in a child process (the real ``coopmatch round
                         run``) that is killed with SIGKILL between solve and persist
``kill-in-persist``      … killed with SIGKILL inside the persist transaction, its rows
                         written but not committed
``concurrent-round``     two coordinators (the network's and the root's) run the same round
                         at once, from two threads
``accept-decline-race``  a member accepts and declines the same proposal at once

After each fault the replay recovers as an operator would: it retries the same request
with the same key (after a killed round: the coordinator runs the round again). A fault
*survived* when the retry got the answer and (for rounds) the database holds exactly one
round for the network and date (and none after the kill). Which fault strikes where is
a pure function of the seed; so is, for the accept/decline race, which of the two requests
reaches the proposal service first (both are in flight at once; both outcomes keep every
invariant).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import structlog
from sqlalchemy import Engine, text

from api.db.tx import read_session
from api.http.routers import members as members_route
from api.replay.child import KILL_KINDS
from api.replay.client import Caller, ReplayError
from api.replay.members import Books, Posting, send
from api.services.round import service as round_service

KINDS = (
    "lost-reply",
    "duplicate-post",
    "reordered-posts",
    "crash-before-persist",
    "crash-in-persist",
    "connection-drop",
    "kill-before-persist",
    "kill-in-persist",
    "concurrent-round",
    "accept-decline-race",
)
DEFAULT_PLAN = {
    "lost-reply": 100,
    "duplicate-post": 100,
    "reordered-posts": 2_000,
    "crash-before-persist": 300,
    "crash-in-persist": 300,
    "connection-drop": 300,
    "kill-before-persist": 20,
    "kill-in-persist": 20,
    "concurrent-round": 300,
    "accept-decline-race": 100,
}
"""Rates in basis points per opportunity (``--faults default``)."""


class InjectedCrash(RuntimeError):
    """The exception a crash fault raises inside the server."""


def parse_plan(text_: str) -> dict[str, int]:
    """``default``, ``none`` or ``kind=bps,kind=bps`` → rates per kind.

    Raises:
        ValueError: an unknown kind or a rate outside 0..10000, named.
    """
    text_ = text_.strip()
    if text_ in ("", "none"):
        return {}
    if text_ == "default":
        return dict(DEFAULT_PLAN)
    out: dict[str, int] = {}
    for part in text_.split(","):
        kind, _, rate = part.strip().partition("=")
        if kind not in KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
        if not rate.isdigit() or not 0 <= int(rate) <= 10_000:
            raise ValueError(f"{kind}: the rate must be basis points 0..10000, got {rate!r}")
        out[kind] = int(rate)
    return out


@dataclass
class Tally:
    """Faults injected and survived, by kind."""

    injected: dict[str, int] = field(default_factory=dict)
    survived: dict[str, int] = field(default_factory=dict)

    def hit(self, kind: str) -> None:
        self.injected[kind] = self.injected.get(kind, 0) + 1

    def ok(self, kind: str) -> None:
        self.survived[kind] = self.survived.get(kind, 0) + 1


@dataclass
class Injector:
    """Decides and injects the faults of a plan; with an empty plan it only forwards."""

    engine: Engine
    plan: dict[str, int]
    seed: int
    root_coordinator: str = ""
    clock: Callable[[], datetime] | None = None
    """The app's clock (the child process of a killed round runs at the same time)."""
    tally: Tally = field(default_factory=Tally)
    rng: np.random.Generator = field(init=False)
    _seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.seed, 17_017])

    def strikes(self, kind: str) -> bool:
        """Whether ``kind`` strikes at this opportunity (always at its first)."""
        rate = self.plan.get(kind, 0)
        if rate <= 0:
            return False
        draw = int(self.rng.integers(10_000))
        if kind not in self._seen:
            self._seen.add(kind)
            return True
        return draw < rate

    # -- members' posts -------------------------------------------------------------------

    def post_all(self, caller: Caller, posts: list[Posting], books: Books, t: int) -> None:
        """POST the day's orders, with lost replies, duplicates and reordering."""
        order = list(range(len(posts)))
        if posts and self.strikes("reordered-posts"):
            self.tally.hit("reordered-posts")
            order = [int(i) for i in self.rng.permutation(len(posts))]
        for i in order:
            p = posts[i]
            key = caller.key()
            if self.strikes("lost-reply"):
                self.tally.hit("lost-reply")
                lost = [True]

                def once(_path: str, lost: list[bool] = lost) -> bool:
                    hit, lost[0] = lost[0], False
                    return hit

                caller.lose_reply = once
                try:
                    first = send(caller, p, books, key)
                finally:
                    caller.lose_reply = lambda _path: False
                self.tally.ok("lost-reply")
                continue
            first = send(caller, p, books, key)
            if self.strikes("duplicate-post"):
                self.tally.hit("duplicate-post")
                again = send(caller, p, books, key)
                if again != first:
                    raise ReplayError(f"day {t}: a duplicated post made a second order {again}")
                self.tally.ok("duplicate-post")
        if order != list(range(len(posts))):
            self.tally.ok("reordered-posts")

    # -- rounds ---------------------------------------------------------------------------

    def run_round(self, caller: Caller, who: str, net: str, body: dict[str, Any], t: int) -> None:
        """Run one network's round, perhaps crashing it or racing a second coordinator."""
        path = f"/v1/networks/{net}/rounds"
        for kind in ("crash-before-persist", "crash-in-persist", "connection-drop"):
            if self.strikes(kind):
                self.tally.hit(kind)
                with _armed(kind):
                    caller.post(who, path, body)
                self._one_round(net, body["business_date"], t, kind)
                return
        for kind in KILL_KINDS:
            if self.strikes(kind):
                self.tally.hit(kind)
                self._killed_round(who, net, body["business_date"], t, kind)
                self._no_round(net, body["business_date"], t, kind)
                caller.post(who, path, body)  # the operator runs the round again
                self._one_round(net, body["business_date"], t, kind)
                return
        if self.root_coordinator and self.strikes("concurrent-round"):
            self.tally.hit("concurrent-round")
            answers = _together(
                [
                    lambda: caller.post(who, path, body),
                    lambda: caller.post(self.root_coordinator, path, body),
                ]
            )
            ids = {r.json()["round_id"] for r in answers}
            if len(ids) != 1:
                raise ReplayError(f"day {t}: two rounds of {net} at once: {sorted(ids)}")
            self._one_round(net, body["business_date"], t, "concurrent-round")
            return
        caller.post(who, path, body)

    def _killed_round(self, who: str, net: str, day: str, t: int, kind: str) -> None:
        """``coopmatch round run`` in a child process that SIGKILLs itself at ``kind``."""
        env = {
            **os.environ,
            "COOPMATCH_DATABASE_URL": _child_url(self.engine),
            "COOPMATCH_ROUND_DATE_WINDOW_DAYS": "36500",
        }
        now = self.clock().isoformat() if self.clock is not None else f"{day}T02:00:00+00:00"
        cmd = [sys.executable, "-m", "api.replay.child", kind, now, "--"]
        cmd += ["round", "run", "--network", net, "--date", day, "--as", who]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != -signal.SIGKILL:
            raise ReplayError(
                f"day {t}: the round of {net} in a child process was to be killed at {kind} "
                f"but exited {done.returncode}: {(done.stderr or done.stdout)[-500:]}"
            )

    def _no_round(self, net: str, day: str, t: int, kind: str) -> None:
        """A killed round left nothing: no round row, no proposal of a round of the day."""
        with read_session(self.engine) as s:
            n = s.execute(
                text("SELECT count(*) FROM round WHERE network_id = :n AND business_date = :d"),
                {"n": net, "d": day},
            ).scalar_one()
        if n != 0:
            raise ReplayError(f"day {t}: {kind} left {n} rounds of {net} on {day} behind")

    def _one_round(self, net: str, day: str, t: int, kind: str) -> None:
        with read_session(self.engine) as s:
            n = s.execute(
                text("SELECT count(*) FROM round WHERE network_id = :n AND business_date = :d"),
                {"n": net, "d": day},
            ).scalar_one()
        if n != 1:
            raise ReplayError(f"day {t}: after {kind}, {n} rounds of {net} on {day}")
        self.tally.ok(kind)

    # -- answers --------------------------------------------------------------------------

    def answer(self, caller: Caller, pid: int, demand: str, decliner: str | None, t: int) -> str:
        """The demand side answers, or ``decliner`` (either side) declines (the supply side
        accepted already unless a side declines); returns the proposal's final status."""
        base = f"/v1/proposals/{pid}"
        if decliner is not None:
            r = caller.post(decliner, f"{base}/decline", {"reason": "member behaviour"})
            return str(r.json()["status"])
        if self.strikes("accept-decline-race"):
            self.tally.hit("accept-decline-race")
            first = "accept" if int(self.rng.integers(2)) == 0 else "decline"
            with _first_to_decide(first):
                _together(
                    [
                        lambda: caller.post(demand, f"{base}/accept", ok=(200, 409)),
                        lambda: caller.post(demand, f"{base}/decline", ok=(200, 409)),
                    ]
                )
            status = str(caller.get(demand, base)["status"])
            if status not in ("committed", "declined"):
                raise ReplayError(f"day {t}: proposal {pid} is {status} after accept+decline")
            self.tally.ok("accept-decline-race")
            return status
        r = caller.post(demand, f"{base}/accept")
        return str(r.json()["status"])


def _child_url(engine: Engine) -> str:
    """The URL another process connects with to the same database (on PostgreSQL with the
    engine's search path: tests and benchmarks replay into a schema of their own)."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        with engine.connect() as conn:
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        if schema and schema != "public":
            url = url.update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results in order."""
    gate = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            gate.wait()
            out[i] = calls[i]()
        except BaseException as exc:  # re-raised below, in the caller's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return out


@contextmanager
def _first_to_decide(first: str) -> Iterator[None]:
    """Both answers of an accept/decline race are in flight at once (authenticated, their
    idempotency keys claimed), but the one drawn as ``first`` reaches the proposal service
    before the other: the other waits at the service's door until the first has answered
    (or 30 s). The race's outcome is then a function of the seed, so a replay with this
    fault is reproducible."""
    accept = getattr(members_route, "accept_proposal")  # noqa: B009 - the route's names
    decline = getattr(members_route, "decline_proposal")  # noqa: B009
    done = threading.Event()

    def gate(kind: str, service: Callable[..., Any]) -> Callable[..., Any]:
        def call(*a: Any, **kw: Any) -> Any:
            if kind != first:
                done.wait(30)
                return service(*a, **kw)
            try:
                return service(*a, **kw)
            finally:
                done.set()

        return call

    setattr(members_route, "accept_proposal", gate("accept", accept))  # noqa: B010
    setattr(members_route, "decline_proposal", gate("decline", decline))  # noqa: B010
    try:
        yield
    finally:
        setattr(members_route, "accept_proposal", accept)  # noqa: B010
        setattr(members_route, "decline_proposal", decline)  # noqa: B010


@contextmanager
def _armed(kind: str) -> Iterator[None]:
    """Make the next round crash once as ``kind`` says (the service's functions wrapped);
    the app's error log is silenced meanwhile (the crash is expected, and counted)."""
    solve, persist = round_service.solve_snapshot, round_service.persist_round
    fired = [False]

    def once() -> bool:
        hit, fired[0] = not fired[0], True
        return hit

    def crashing_solve(*a: Any, **kw: Any) -> Any:
        out = solve(*a, **kw)
        if once():
            raise InjectedCrash("injected: crash between solve and persist")
        return out

    def crashing_persist(session: Any, *a: Any, **kw: Any) -> Any:
        if kind == "connection-drop" and once():
            session.connection().invalidate()  # the connection is gone mid-transaction
        out = persist(session, *a, **kw)
        if kind == "crash-in-persist" and once():
            raise InjectedCrash("injected: crash inside persist")
        return out

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    if kind == "crash-before-persist":
        round_service.solve_snapshot = crashing_solve
    else:
        round_service.persist_round = crashing_persist
    try:
        yield
    finally:
        round_service.solve_snapshot = solve
        round_service.persist_round = persist
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
