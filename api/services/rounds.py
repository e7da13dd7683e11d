"""The daily round: lock → snapshot open orders → solve outside any write → persist at once.

1. Check the caller coordinates the network (or an ancestor); hold the per-network lock.
2. Idempotency: a round with this key (network, kind, business date) is returned as it is,
   unless a new version is asked for.
3. Expire due proposals (own transaction), then take a consistent snapshot of the subtree's
   open orders and every order's ``version``.
4. Solve with no transaction open.
5. Persist in ONE transaction: re-check the key and the versions of every order touched,
   void the previous version's un-accepted proposals, write the round, its proposals and the
   reservations, and one audit event. If anything moved meanwhile, re-snapshot and re-solve.

A crash anywhere before step 5 commits leaves nothing of the round behind.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime, timedelta
from enum import Enum
from functools import partial
from importlib import metadata as importlib_metadata
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, select, update
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.bulk import allocate_ids, bulk_deltas, copy_rows, versions_of
from api.db.mapping import (
    OpenOrder,
    coop_rules_to_domain,
    coop_to_domain,
    loan_proposal_rows,
    need_to_domain,
    networks_to_domain,
    offer_to_domain,
)
from api.db.orders import OrdersChangedError
from api.db.tables import OrderRow, ProposalRow, RoundRow
from api.db.tx import in_write_transaction, network_lock, read_session
from api.services.clock import MonotonicNs, UtcClock, monotonic_ns, system_clock
from api.services.errors import ConflictError, ForbiddenError, InvalidStateError, NotFoundError
from api.services.proposals import expire_due
from matcher.domain import NetworkLevel
from matcher.errors import InputError
from matcher.liquidity.model import LiquidityProblem, LiquidityResult
from matcher.results import FairnessPolicy, RateRule

CRASH_HOOK_ENV = "COOPMATCH_TEST_CRASH_BEFORE_PERSIST"
"""Test-only: when set to "1", the process exits between solve and persist."""
KIND = "liquidity"
PROPOSAL_COLUMNS = (
    "round_id",
    "kind",
    "supply_order_id",
    "demand_order_id",
    "supply_coop_id",
    "demand_coop_id",
    "unit",
    "amount",
    "tier",
    "network_id",
    "status",
    "created_at",
    "expires_at",
)
LOAN_COLUMNS = ("rate_bps", "term_days", "interest_satang")
Solve = Callable[[LiquidityProblem, Callable[[], int] | None], LiquidityResult]
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RoundParams:
    """Solver parameters recorded with the round."""

    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    time_limit_ms: int = 10_000
    fairness_steps: int = 20
    proposal_ttl_hours: int = 24

    def as_json(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Snapshot:
    """What a round solves: the problem plus what the persist step must re-check."""

    problem: LiquidityProblem
    versions: dict[str, int]
    tier_cascade: list[str]
    prev_round_id: int | None
    prev_version: int
    void_ids: list[int]
    freed: dict[str, int]
    input_hash: str
    notes: tuple[str, ...] = ()


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


def _default_solve(problem: LiquidityProblem, clock: Callable[[], int] | None) -> LiquidityResult:
    from matcher.liquidity.solver import solve_liquidity  # lazy: the solver is optional here

    return solve_liquidity(problem, clock)


def code_version() -> str:
    """The installed coopmatch version (recorded with every round)."""
    try:
        return importlib_metadata.version("coopmatch")
    except importlib_metadata.PackageNotFoundError:  # pragma: no cover
        return "0+unknown"


def _rows(items: tuple[Any, ...]) -> list[list[Any]]:
    """Dataclass instances → lists of their field values (enums are str/int subclasses)."""
    if not items:
        return []
    names = [f.name for f in fields(items[0])]
    return [[getattr(x, n) for n in names] for x in items]


def problem_hash(problem: LiquidityProblem) -> str:
    """SHA-256 of the canonical JSON of the round's input (every field of every part)."""
    data = {
        "coops": _rows(problem.coops),
        "networks": _rows(problem.networks),
        "offers": _rows(problem.offers),
        "needs": _rows(problem.needs),
        "rules": _rows(problem.rules),
        "joint_fund": _rows((problem.joint_fund,)) if problem.joint_fund else None,
        "params": [
            problem.policy.value,
            problem.rate_rule.value,
            problem.time_limit_ms,
            problem.fairness_steps,
            problem.max_pairs_per_network,
        ],
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


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


def load_snapshot(
    session: Session,
    network_id: str,
    business_date: date,
    params: RoundParams,
    new_version: bool,
) -> Snapshot:
    """Read the subtree, its coops and open orders as the matcher problem."""
    nets = repo.subtree(session, network_id)
    net_ids = [n.id for n in nets]
    members = repo.members_of(session, net_ids)
    coops = repo.coops_of(session, net_ids)
    orders = repo.open_liquidity_orders(session, net_ids, business_date)
    engaged = repo.engaged_by_coop(session, net_ids)
    prev = repo.latest_round(session, network_id, KIND, business_date)
    void_ids: list[int] = []
    freed: dict[str, int] = defaultdict(int)
    if prev is not None and new_version:
        for pid, sup, dem, amount in session.execute(
            select(
                col(ProposalRow.id),
                col(ProposalRow.supply_order_id),
                col(ProposalRow.demand_order_id),
                col(ProposalRow.amount),
            )
            .where(
                col(ProposalRow.round_id) == prev.id,
                col(ProposalRow.status) == "pending",
                col(ProposalRow.supply_accepted_at).is_(None),
                col(ProposalRow.demand_accepted_at).is_(None),
            )
            .order_by(col(ProposalRow.id))
        ):
            void_ids.append(int(pid))
            freed[sup] += int(amount)
            freed[dem] += int(amount)
    offers: list[OpenOrder] = []
    needs: list[OpenOrder] = []
    versions: dict[str, int] = {}
    for o in orders:
        avail = o.available + freed.get(o.id, 0)
        versions[o.id] = o.version
        if avail <= 0:
            continue
        if avail != o.available:
            o = OpenOrder(o.id, o.kind, o.coop_id, avail, o.version, o.arrival, o.detail)
        (offers if o.kind == "liquidity_offer" else needs).append(o)
    borrowers = {o.coop_id for o in needs}
    held_back = sorted(o.id for o in offers if o.coop_id in borrowers)
    offers = [o for o in offers if o.coop_id not in borrowers]
    missing = sorted(oid for oid in freed if oid not in versions)
    if missing:
        versions.update(
            session.execute(
                select(col(OrderRow.id), col(OrderRow.version)).where(col(OrderRow.id).in_(missing))
            ).all()
        )
    freed_by_coop: dict[tuple[str, str], int] = defaultdict(int)
    owner = {o.id: (o.coop_id, o.kind) for o in orders}
    for oid, amount in freed.items():
        if oid in owner:
            freed_by_coop[owner[oid]] += amount
    problem = LiquidityProblem(
        coops=tuple(coop_to_domain(c) for c in coops),
        networks=networks_to_domain(nets, members, network_id),
        offers=tuple(offer_to_domain(o) for o in offers),
        needs=tuple(need_to_domain(o) for o in needs),
        rules=tuple(
            coop_rules_to_domain(
                c,
                borrowed_satang=engaged.get((c.id, "liquidity_need"), 0)
                - freed_by_coop.get((c.id, "liquidity_need"), 0),
                lent_satang=engaged.get((c.id, "liquidity_offer"), 0)
                - freed_by_coop.get((c.id, "liquidity_offer"), 0),
            )
            for c in coops
        ),
        policy=params.policy,
        rate_rule=params.rate_rule,
        time_limit_ms=params.time_limit_ms,
        fairness_steps=params.fairness_steps,
    )
    levels = sorted({NetworkLevel(n.level) for n in nets})
    return Snapshot(
        problem=problem,
        versions=versions,
        tier_cascade=[lv.name.lower() for lv in levels],
        prev_round_id=None if prev is None else prev.id,
        prev_version=0 if prev is None else prev.version,
        void_ids=void_ids,
        freed=dict(freed),
        input_hash=problem_hash(problem),
        notes=(
            (
                "offers held back because their coop also needs funds "
                f"(ข้อเสนอให้กู้ที่พักไว้เพราะสหกรณ์เดียวกันต้องการเงินกู้): {', '.join(held_back)}",
            )
            if held_back
            else ()
        ),
    )


def persist_round(
    session: Session,
    snap: Snapshot,
    result: LiquidityResult,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    params: RoundParams,
    started_at: datetime,
    now: datetime,
    timings_ms: dict[str, int],
    monotonic: MonotonicNs = monotonic_ns,
) -> RoundRow:
    """Write the round, its proposals and reservations in the caller's transaction.

    Raises:
        OrdersChangedError: the key or an order moved on since the snapshot (re-solve).
    """
    t0 = monotonic()
    latest = repo.latest_round(session, network_id, KIND, business_date)
    if (0 if latest is None else latest.version) != snap.prev_version:
        raise OrdersChangedError("round key")
    deltas: dict[str, int] = defaultdict(int)
    for p in result.proposals:
        deltas[p.offer_id] += p.amount_satang
        deltas[p.need_id] += p.amount_satang
    touched = set(deltas) | set(snap.freed)
    current = versions_of(session, sorted(touched))
    if any(current.get(oid) != snap.versions.get(oid) for oid in touched):
        raise OrdersChangedError("order version")
    if snap.prev_round_id is not None:
        _supersede(session, snap, now)
    version = snap.prev_version + 1
    rnd = RoundRow(
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        version=version,
        status="completed",
        tier_cascade=",".join(snap.tier_cascade),
        input_hash=snap.input_hash,
        params_json=canonical_json(params.as_json()),
        solve_status=result.status.value,
        solver=result.solver,
        objective_json=canonical_json(asdict(result.objective)),
        notes_json=canonical_json([*snap.notes, *result.notes]),
        order_count=len(snap.problem.offers) + len(snap.problem.needs),
        proposal_count=len(result.proposals),
        load_ms=timings_ms.get("load", 0),
        solve_ms=timings_ms.get("solve", 0),
        persist_ms=0,
        code_version=code_version(),
        created_by=actor,
        started_at=started_at,
        finished_at=now,
    )
    session.add(rnd)
    session.flush()
    round_id = int(rnd.id or 0)
    expires = now + timedelta(hours=params.proposal_ttl_hours)
    heads, loans = [], []
    for p in sorted(result.proposals, key=lambda x: (x.need_id, x.offer_id)):
        h, loan = loan_proposal_rows(p, round_id, now, expires)
        heads.append(h)
        loans.append(loan)
    ids = allocate_ids(session, "proposal", len(heads))
    copy_rows(
        session,
        "proposal",
        ["id", *PROPOSAL_COLUMNS],
        [(pid, *(h[c] for c in PROPOSAL_COLUMNS)) for pid, h in zip(ids, heads, strict=True)],
    )
    copy_rows(
        session,
        "proposal_loan",
        ["proposal_id", *LOAN_COLUMNS],
        [(pid, *(x[c] for c in LOAN_COLUMNS)) for pid, x in zip(ids, loans, strict=True)],
    )
    bulk_deltas(session, {oid: (d, 0) for oid, d in deltas.items()}, now)
    rnd.persist_ms = (monotonic() - t0) // 1_000_000
    session.add(rnd)
    append_event(
        session,
        now,
        actor,
        "round.persisted",
        "round",
        str(round_id),
        {
            "network_id": network_id,
            "business_date": business_date.isoformat(),
            "version": version,
            "input_hash": snap.input_hash,
            "proposals": len(heads),
            "proposals_digest": hashlib.sha256(
                canonical_json(
                    [[h["supply_order_id"], h["demand_order_id"], h["amount"]] for h in heads]
                ).encode()
            ).hexdigest(),
            "voided": snap.void_ids,
        },
    )
    return rnd


def _supersede(session: Session, snap: Snapshot, now: datetime) -> None:
    """Void the previous version's un-accepted pending proposals and free their orders."""
    if snap.void_ids:
        for start in range(0, len(snap.void_ids), 900):
            part = snap.void_ids[start : start + 900]
            res = session.execute(
                update(ProposalRow)
                .where(
                    col(ProposalRow.id).in_(part),
                    col(ProposalRow.status) == "pending",
                    col(ProposalRow.supply_accepted_at).is_(None),
                    col(ProposalRow.demand_accepted_at).is_(None),
                )
                .values(status="voided", closed_at=now)
            )
            if cast(CursorResult[Any], res).rowcount != len(part):
                raise OrdersChangedError("proposal")
        bulk_deltas(session, {oid: (-a, 0) for oid, a in snap.freed.items()}, now)
    session.execute(
        update(RoundRow).where(col(RoundRow.id) == snap.prev_round_id).values(status="superseded")
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
    solve: Solve | None = None,
    progress: Progress | None = None,
    retries: int = 5,
) -> RoundOutcome:
    """Run (or return) the liquidity round of ``network_id`` on ``business_date``.

    Raises:
        NotFoundError / ForbiddenError: unknown network, or ``actor`` does not coordinate it.
        InvalidStateError: the stored orders break a matcher rule.
        ConflictError: the orders kept changing under the round ``retries`` times.
    """
    params = params or RoundParams()
    solve_fn = solve or _default_solve
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
                    return _outcome(existing, reused=True)
            in_write_transaction(engine, lambda s: expire_due(s, clock(), actor))
            with read_session(engine) as s:
                snap = load_snapshot(s, network_id, business_date, params, new_version)
            t1 = monotonic()
            step("solve")
            try:
                result = solve_fn(snap.problem, monotonic)
            except InputError as exc:
                raise InvalidStateError(
                    "the stored orders break a matcher rule",
                    "ข้อมูลคำสั่งในระบบผิดกฎ",
                    [str(i) for i in exc.issues],
                ) from exc
            t2 = monotonic()
            if os.environ.get(CRASH_HOOK_ENV) == "1":
                os._exit(75)
            step("persist")
            timings = {"load": (t1 - t0) // 1_000_000, "solve": (t2 - t1) // 1_000_000}
            try:
                work = partial(
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
                )
                rnd = in_write_transaction(engine, work)
            except OrdersChangedError:
                continue
            timings["persist"] = (monotonic() - t2) // 1_000_000
            step("done")
            return _outcome(rnd, reused=False, timings=timings)
    raise ConflictError(
        "orders kept changing while the round ran; try again",
        "คำสั่งเปลี่ยนแปลงระหว่างรันรอบซ้ำหลายครั้ง กรุณาลองใหม่",
    )


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
    )
