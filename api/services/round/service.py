"""The one round service: :func:`preview` and :func:`run_round`, for every entrance.

The CLI, ``/v1`` and ``/web`` all call these two; none assembles a round itself. Both
solve the same way (:func:`solve_snapshot`: the combined round, declined pairs dropped,
loans quoting their repayment schedule's interest), so a preview shows what a run saves,
and :func:`run_round` hands back the result it saved, so nothing solves twice.

The daily round: lock → snapshot open orders → solve outside any write → persist at once.

The round is the combined round (:func:`matcher.round.combined.solve_round`): set-off on
the open obligations between the subtree's coops, needs shrunk by the payables set-off
cleared, lending, produce matching; sales to credit buyers become obligations when the sale
commits. Set-off notices are committed by the round itself; loans and sales are two-phase
proposals.

1. Check the caller coordinates the network (or an ancestor); hold the per-network lock.
2. Idempotency: a round with this key (network, kind, business date) is returned as it is,
   unless a new version is asked for.
3. Expire due proposals and orders and turn due loan instalments into obligations, within
   the network's subtree only (own transaction, :mod:`api.services.round.sweep`), then take
   a consistent snapshot of the subtree's open orders and every order's ``version``.
4. Solve with no transaction open, check the result with the engine's independent
   validators (:func:`check_round`; a round they refuse is not saved), and word the round's
   report (every order explained).
5. Persist in ONE transaction: re-check the key and the versions of every order touched,
   void the previous version's un-accepted proposals, write the round, its report, its
   proposals and the reservations, and one audit event. If anything moved meanwhile,
   re-snapshot and re-solve.

A crash anywhere before step 5 commits leaves nothing of the round behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from api.db import repo
from api.db.orders import OrdersChangedError
from api.db.tables import RoundRow
from api.db.tx import in_write_transaction, network_lock, read_session
from api.services.clock import MonotonicNs, UtcClock, monotonic_ns, system_clock
from api.services.errors import ConflictError, ForbiddenError, InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook
from api.services.loans import with_quoted_interest
from api.services.persist import persist_round
from api.services.round.declines import (
    Declined,
    Pair,
    remembered,
    round_order_ids,
    without_declined,
)
from api.services.round.escalation import escalation_notes
from api.services.round.policy import round_params
from api.services.round.report import build_report, report_text
from api.services.round.sweep import sweep
from api.services.snapshot import KIND, RoundParams, Snapshot, load_snapshot
from matcher.errors import InputError
from matcher.round.model import RoundProblem, RoundResult

CRASH_HOOK_ENV = "COOPMATCH_TEST_CRASH_BEFORE_PERSIST"
"""Test-only: when set to "1", the process exits between solve and persist."""
Progress = Callable[[str], None]
__all__ = [
    "CRASH_HOOK_ENV",
    "RoundOutcome",
    "RoundParams",
    "Snapshot",
    "authorize",
    "load_snapshot",
    "persist_round",
    "preview",
    "run_round",
]


@dataclass(frozen=True)
class RoundOutcome:
    """What ``run_round`` did."""

    round_id: int
    network_id: str
    business_date: date
    version: int
    reused: bool
    order_count: int
    proposal_count: int
    input_hash: str
    solve_status: str
    timings_ms: dict[str, int] = field(default_factory=dict)
    summary: dict[str, int] = field(default_factory=dict)
    """The combined round's headline figures (``RoundSummary`` scalars: debt cleared,
    loans, sales, new obligations …)."""
    notes: tuple[str, ...] = ()
    """The round's explanations (Thai and English): what was held back, not proposed again,
    left unmatched and why."""
    solved: RoundResult | None = None
    """The result this call solved and saved (None when an existing round was returned)."""


def authorize(engine: Engine, actor: str, network_id: str) -> None:
    """The actor must coordinate the network or one of its ancestors."""
    with read_session(engine) as s:
        if not repo.ancestors(s, network_id):
            raise NotFoundError(
                f"network {network_id!r} does not exist", f"ไม่พบเครือข่าย {network_id}"
            )
        if not repo.coordinates(s, actor, network_id):
            raise ForbiddenError(
                f"{actor!r} does not coordinate network {network_id!r}",
                f"{actor} ไม่ได้เป็นผู้ประสานงานของเครือข่าย {network_id}",
            )


def run_round(
    engine: Engine,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    params: RoundParams | None = None,
    new_version: bool = False,
    clock: UtcClock = system_clock,
    monotonic: MonotonicNs = monotonic_ns,
    progress: Progress | None = None,
    retries: int = 5,
    on_commit: OnCommit[RoundOutcome] | None = None,
    retry_declined: bool = False,
) -> RoundOutcome:
    """Run (or return) the daily combined round of ``network_id`` on ``business_date``.

    ``retry_declined`` proposes declined pairs again (normally they are left out while
    neither order changed). ``on_commit(session, outcome)`` runs inside the transaction
    that persists the round (or, when the round already exists, in a transaction of its
    own), just before commit.

    Raises:
        NotFoundError / ForbiddenError: unknown network, or ``actor`` does not coordinate it.
        InvalidStateError: the stored orders break a matcher rule.
        ConflictError: the orders kept changing under the round ``retries`` times.
    """
    base = params or RoundParams()
    step = progress or (lambda _s: None)
    authorize(engine, actor, network_id)
    with network_lock(engine, network_id):
        for _attempt in range(retries):
            step("snapshot")
            started_at, t0 = clock(), monotonic()
            if not new_version:
                with read_session(engine) as s:
                    existing = repo.latest_round(s, network_id, KIND, business_date)
                if existing is not None:
                    return _reused(engine, existing, on_commit)
            swept = in_write_transaction(
                engine, lambda s: sweep(s, network_id, business_date, clock(), actor)
            )
            with read_session(engine) as s:
                params = round_params(s, network_id, base)
                snap = load_snapshot(s, network_id, business_date, params, new_version)
                taken_up = escalation_notes(s, network_id)
                snap = replace(snap, notes=(*swept.notes(), *taken_up, *snap.notes))
                declined = {} if retry_declined else _declined(s, snap)
            t1 = monotonic()
            step("solve")
            result = solve_snapshot(snap, declined, monotonic)
            report = report_text(build_report(snap.round_problem, result, params))
            t2 = monotonic()
            if os.environ.get(CRASH_HOOK_ENV) == "1":
                os._exit(75)
            step("persist")
            timings = {"load": (t1 - t0) // 1_000_000, "solve": (t2 - t1) // 1_000_000}
            persist = partial(
                persist_round,
                snap=snap,
                result=result,
                network_id=network_id,
                business_date=business_date,
                actor=actor,
                params=params,
                started_at=started_at,
                now=clock(),
                timings_ms=timings,
                monotonic=monotonic,
                report=report,
            )
            work = partial(_persist, persist=persist, timings=timings, on_commit=on_commit)
            try:
                rnd = in_write_transaction(engine, work)
            except OrdersChangedError:
                continue  # an order or the round key moved on: snapshot and solve again
            timings["persist"] = (monotonic() - t2) // 1_000_000
            step("done")
            return replace(_outcome(rnd, reused=False, timings=timings), solved=result)
    raise ConflictError(
        "orders kept changing while the round ran; try again",
        "คำสั่งเปลี่ยนแปลงระหว่างรันรอบซ้ำหลายครั้ง กรุณาลองใหม่",
    )


def _declined(session: Session, snap: Snapshot) -> dict[Pair, Declined]:
    assert snap.round_problem is not None
    return remembered(session, round_order_ids(snap.round_problem))


def solve_snapshot(
    snap: Snapshot, declined: dict[Pair, Declined], monotonic: MonotonicNs | None = None
) -> RoundResult:
    """The combined round of a snapshot, without declined pairs, loans quoting the interest
    of their repayment schedule (what the round saves).

    Raises:
        InvalidStateError: the stored orders break a matcher rule.
    """
    from matcher.round.combined import solve_round  # lazy: the solvers load OR-Tools

    problem = snap.round_problem
    assert problem is not None
    try:
        result = solve_round(problem, monotonic)
    except InputError as exc:
        raise InvalidStateError(
            "the stored orders break a matcher rule",
            "ข้อมูลคำสั่งในระบบผิดกฎ",
            [str(i) for i in exc.issues],
        ) from exc
    check_round(problem, result)
    result = without_declined(problem, result, declined)
    quoted = with_quoted_interest(result.liquidity, problem.business_date, snap.repayments)
    return replace(result, liquidity=quoted)


def check_round(problem: RoundProblem, result: RoundResult) -> None:
    """The engine's independent validators (set-off, liquidity, produce and the combined
    figures, :func:`matcher.round.validator.validate_round`) on the solved round, as every
    file round is checked; nothing is saved or shown from a round they refuse.

    Raises:
        InvalidStateError: the lines the validators report.
    """
    from matcher.round.validator import validate_round  # lazy: as the solvers

    errors = validate_round(problem, result)
    if errors:
        raise InvalidStateError(
            "the solved round failed the independent validation; nothing was saved",
            "รอบที่คำนวณได้ไม่ผ่านการตรวจสอบอิสระ จึงไม่บันทึก",
            errors[:50],
        )


@dataclass(frozen=True)
class Preview:
    """A round solved on the current open orders and not saved."""

    snapshot: Snapshot
    result: RoundResult
    report: dict[str, Any] = field(default_factory=dict)
    """What the stored round would say about every order (:mod:`.report`)."""


def preview(
    engine: Engine,
    *,
    network_id: str,
    business_date: date,
    params: RoundParams | None = None,
    retry_declined: bool = False,
) -> Preview:
    """Solve the round as :func:`run_round` would (a new version), saving nothing."""
    with read_session(engine) as s:
        taken = round_params(s, network_id, params or RoundParams())
        snap = load_snapshot(s, network_id, business_date, taken, True)
        snap = replace(snap, notes=(*escalation_notes(s, network_id), *snap.notes))
        declined = {} if retry_declined else _declined(s, snap)
    result = solve_snapshot(snap, declined)
    return Preview(snap, result, build_report(snap.round_problem, result, taken))


def _persist(
    session: Session,
    *,
    persist: Callable[[Session], RoundRow],
    timings: dict[str, int],
    on_commit: OnCommit[RoundOutcome] | None,
) -> RoundRow:
    """Persist the round, then run the hook in the same transaction."""
    rnd = persist(session)
    with_hook(session, _outcome(rnd, reused=False, timings=dict(timings)), on_commit)
    return rnd


def _reused(
    engine: Engine, rnd: RoundRow, on_commit: OnCommit[RoundOutcome] | None
) -> RoundOutcome:
    """The existing round's outcome; the hook gets it in a transaction of its own."""
    out = _outcome(rnd, reused=True)
    if on_commit is not None:
        in_write_transaction(engine, lambda s: with_hook(s, out, on_commit))
    return out


def _outcome(rnd: RoundRow, *, reused: bool, timings: dict[str, int] | None = None) -> RoundOutcome:
    t = timings or {"load": rnd.load_ms, "solve": rnd.solve_ms, "persist": rnd.persist_ms}
    return RoundOutcome(
        round_id=int(rnd.id or 0),
        network_id=rnd.network_id,
        business_date=rnd.business_date,
        version=rnd.version,
        reused=reused,
        order_count=rnd.order_count,
        proposal_count=rnd.proposal_count,
        input_hash=rnd.input_hash,
        solve_status=rnd.solve_status,
        timings_ms=dict(t),
        summary=_summary(rnd),
        notes=tuple(json.loads(rnd.notes_json)),
    )


def _summary(rnd: RoundRow) -> dict[str, int]:
    """The scalar figures of the combined round's summary stored with the round."""
    data = json.loads(rnd.objective_json).get("round") or {}
    return {k: int(v) for k, v in sorted(data.items()) if isinstance(v, int)}
