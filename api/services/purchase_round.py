"""The joint-purchase round on the database (``round.kind = purchase``).

run_purchase_round, in one transaction under the network's round lock: expire the
subtree's group orders whose commit-by passed, void the pending ones of an earlier version
of the same day, read the subtree's whole open input needs and open supplier offers, solve
(:func:`matcher.purchase.solver.solve_purchase`), store the round and one pending
``joint_order`` per group (:mod:`api.services.group_orders` draws their state machine),
reserving each need whole and the group's volume on the offer. Without ``new_version`` a
second call on the same date returns the stored round.

The one round entrance (:func:`api.services.round.kinds.run_round_of_kind`, kind
``purchase``) dispatches here, and the daily round's sweep expires group orders past their
commit-by on days without a purchase round; see ``docs/joint-purchase.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.orders import apply_deltas
from api.db.tables import RoundRow
from api.db.tables_purchase import JointOrderMemberRow, JointOrderRow
from api.services.clock import UtcClock, system_clock
from api.services.errors import InvalidStateError
from api.services.group_orders import expire_due, void_day
from api.services.hooks import OnCommit
from api.services.persist import code_version
from api.services.purchase_orders import open_purchase_orders
from api.services.round.calendar import add_business_days, business_day_end
from api.services.round.policy import answer_by
from api.services.round.service import authorize
from api.services.round.stored import run_kind_round
from matcher.errors import InputError
from matcher.purchase.model import PurchaseProblem, PurchaseResult

KIND = "purchase"
COMMIT_DAYS = 2
"""Business days the members and the supplier have to accept a group order when the network
policy sets no ``proposal_ttl_business_days`` (and the caller names no ``commit_days``)."""
TIME_LIMIT_MS = 2_000
GAP_BPS = 50


@dataclass(frozen=True)
class PurchaseRoundOutcome:
    """What a purchase round stored (or found stored, ``reused``)."""

    round_id: int
    version: int
    reused: bool
    solve_status: str
    saving_satang: int
    alone_saving_satang: int
    joint_order_ids: tuple[int, ...]
    expired: int = 0
    voided: int = 0


def run_purchase_round(
    engine: Engine,
    *,
    network_id: str,
    business_date: date,
    actor: str,
    new_version: bool = False,
    clock: UtcClock = system_clock,
    commit_days: int | None = None,
    time_limit_ms: int = TIME_LIMIT_MS,
    gap_bps: int = GAP_BPS,
    on_commit: OnCommit[PurchaseRoundOutcome] | None = None,
) -> PurchaseRoundOutcome:
    """Run (or return the stored) joint-purchase round of ``network_id`` on the date.

    Raises:
        NotFoundError / ForbiddenError: unknown network, or ``actor`` does not coordinate it.
        InvalidStateError: the stored orders break a matcher rule.
    """
    authorize(engine, actor, network_id)

    def work(s: Session) -> PurchaseRoundOutcome:
        now = clock()
        ids = [n.id for n in repo.subtree(s, network_id)]
        expired = expire_due(s, ids, now, actor)
        prev = repo.latest_round(s, network_id, KIND, business_date)
        voided = void_day(s, network_id, KIND, business_date, now, actor)
        needs, offers = open_purchase_orders(s, ids, business_date)
        problem = PurchaseProblem(
            business_date,
            tuple(needs),
            tuple(offers),
            time_limit_ms=time_limit_ms,
            gap_bps=gap_bps,
        )
        result = _solve(problem)
        version = 1 if prev is None else prev.version + 1
        rnd = _store_round(s, network_id, business_date, version, problem, result, actor, now)
        commit_by = (
            answer_by(s, network_id, business_date, COMMIT_DAYS)
            if commit_days is None
            else business_day_end(add_business_days(business_date, commit_days))
        )
        jids = _store_groups(s, network_id, int(rnd.id or 0), result, commit_by, now)
        append_event(
            s,
            now,
            actor,
            "purchase_round.run",
            "round",
            str(rnd.id),
            {"network": network_id, "date": business_date.isoformat(), "groups": jids},
        )
        return _outcome(s, rnd, reused=False, expired=expired, voided=voided)

    return run_kind_round(
        engine,
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        new_version=new_version,
        stored=lambda s, existing: _outcome(s, existing, reused=True),
        work=work,
        on_commit=on_commit,
    )


def _solve(problem: PurchaseProblem) -> PurchaseResult:
    from matcher.purchase.solver import solve_purchase  # lazy: the solver loads OR-Tools

    try:
        return solve_purchase(problem)
    except InputError as exc:
        raise InvalidStateError(
            "the stored joint-purchase orders break a matcher rule",
            "ข้อมูลคำสั่งจัดซื้อร่วมในระบบผิดกฎ",
            [str(i) for i in exc.issues],
        ) from exc


def _store_round(
    s: Session,
    network_id: str,
    business_date: date,
    version: int,
    problem: PurchaseProblem,
    result: PurchaseResult,
    actor: str,
    now: datetime,
) -> RoundRow:
    o = result.objective
    rnd = RoundRow(
        network_id=network_id,
        kind=KIND,
        business_date=business_date,
        version=version,
        status="completed",
        tier_cascade=network_id,
        input_hash="",
        params_json=canonical_json(
            {"time_limit_ms": problem.time_limit_ms, "gap_bps": problem.gap_bps}
        ),
        solve_status=result.status.value,
        solver=result.solver,
        objective_json=canonical_json(
            {
                "saving_satang": o.saving_satang,
                "alone_saving_satang": o.alone_saving_satang,
                "units_served": o.units_served,
                "units_needed": o.units_needed,
                "gap_bps": result.gap_bps,
            }
        ),
        notes_json=canonical_json(list(result.notes)),
        order_count=len(problem.needs) + len(problem.offers),
        proposal_count=len(result.groups),
        load_ms=0,
        solve_ms=0,
        persist_ms=0,
        code_version=code_version(),
        created_by=actor,
        started_at=now,
        finished_at=now,
    )
    s.add(rnd)
    s.flush()
    return rnd


def _store_groups(
    s: Session,
    network_id: str,
    round_id: int,
    result: PurchaseResult,
    commit_by: datetime,
    now: datetime,
) -> list[int]:
    """One pending group order per group; needs reserved whole, the volume on the offer."""
    deltas: dict[str, tuple[int, int]] = {}
    ids: list[int] = []
    for g in result.groups:
        allocs = [a for a in result.allocations if a.offer_id == g.offer_id]
        row = JointOrderRow(
            round_id=round_id,
            network_id=network_id,
            offer_order_id=g.offer_id,
            supplier_coop_id=g.supplier,
            product=g.product,
            volume=g.volume,
            tier=g.tier,
            unit_price_satang=g.unit_price_satang,
            goods_satang=g.goods_satang,
            delivery_satang=g.delivery_satang,
            saving_satang=g.saving_satang,
            alone_saving_satang=g.alone_saving_satang,
            delivery_date=allocs[0].delivery_date,
            status="pending",
            commit_by=commit_by,
            created_at=now,
        )
        s.add(row)
        s.flush()
        jid = int(row.id or 0)
        ids.append(jid)
        s.execute(
            insert(JointOrderMemberRow),
            [
                {
                    "joint_order_id": jid,
                    "need_order_id": a.need_id,
                    "coop_id": a.buyer,
                    "quantity": a.quantity,
                    "delivery_satang": a.delivery_satang,
                    "pays_satang": a.pays_satang,
                    "saving_satang": a.saving_satang,
                    "alone_saving_satang": a.alone_saving_satang,
                }
                for a in allocs
            ],
        )
        deltas.update({a.need_id: (a.quantity, 0) for a in allocs})
        deltas[g.offer_id] = (g.volume, 0)
    apply_deltas(s, deltas, now)
    return ids


def _outcome(
    s: Session, rnd: RoundRow, *, reused: bool, expired: int = 0, voided: int = 0
) -> PurchaseRoundOutcome:
    objective = json.loads(rnd.objective_json)
    jids = s.execute(
        select(col(JointOrderRow.id))
        .where(col(JointOrderRow.round_id) == rnd.id)
        .order_by(col(JointOrderRow.id))
    ).all()
    return PurchaseRoundOutcome(
        round_id=int(rnd.id or 0),
        version=rnd.version,
        reused=reused,
        solve_status=rnd.solve_status,
        saving_satang=int(objective["saving_satang"]),
        alone_saving_satang=int(objective["alone_saving_satang"]),
        joint_order_ids=tuple(int(j) for (j,) in jids),
        expired=expired,
        voided=voided,
    )
