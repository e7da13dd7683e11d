"""Declines are remembered: a declined pair is not proposed again while neither order changed.

When a member declines a proposal, the pair of orders it joined (an offer and a need, or a
lot and a purchase order) is stored in ``declined_pair``. Every later round of any network
drops a loan or sale on a remembered pair from its result and notes every remembered pair
among its orders (the pair, the coop that declined, its reason); the headline figures are
recomputed without it. The amounts stay free for a later round. A pair is forgotten when
either order changes (``cleared_at``), when the coordinator forgets it
(:func:`forget_declined`, audited ``decline.forgotten``) or, for one round, when the
coordinator asks to retry declined pairs.

The solvers do not know declined pairs, so a round whose best match was a declined pair
leaves that amount unmatched today rather than sending it elsewhere; the note says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event
from api.db.tables import OrderRow
from api.db.tables_round import DeclinedPairRow
from api.db.tx import in_write_transaction, read_session
from api.services.clock import UtcClock, system_clock
from api.services.errors import InvalidStateError, NotFoundError
from api.services.hooks import OnCommit, with_hook
from api.services.round.calendar import bangkok_date
from matcher.round.combined import credit_obligations, summarise
from matcher.round.model import RoundProblem, RoundResult

Pair = tuple[str, str]
"""(supply order id, demand order id)."""


@dataclass(frozen=True)
class Declined:
    """A remembered decline of one pair."""

    proposal_id: int
    kind: str
    supply_order_id: str
    demand_order_id: str
    declined_by: str
    reason: str | None
    declined_at: datetime
    cleared_at: datetime | None = None
    """When the pair was forgotten (an order changed, or the coordinator asked)."""


def remembered(session: Session, order_ids: set[str]) -> dict[Pair, Declined]:
    """Pairs declined and not cleared among ``order_ids`` (the first decline of each)."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(DeclinedPairRow)
        .where(col(DeclinedPairRow.cleared_at).is_(None))
        .order_by(col(DeclinedPairRow.id))
    ).scalars()
    out: dict[Pair, Declined] = {}
    for r in rows:
        pair = (r.supply_order_id, r.demand_order_id)
        if pair[0] in order_ids and pair[1] in order_ids and pair not in out:
            out[pair] = Declined(
                r.proposal_id, r.kind, *pair, r.declined_by_coop_id, r.reason, r.declined_at
            )
    return out


def round_order_ids(problem: RoundProblem) -> set[str]:
    """The ids of the offers, needs, lots, purchase orders and processors a round sees."""
    ids = {o.id for o in problem.offers} | {n.id for n in problem.needs}
    if problem.produce is not None:
        ids |= {x.id for x in problem.produce.lots} | {x.id for x in problem.produce.orders}
        ids |= {x.id for x in problem.produce.processors}
    return ids


def _note(d: Declined) -> str:
    why = f": {d.reason}" if d.reason else ""
    return (
        f"pair {d.supply_order_id} → {d.demand_order_id} not proposed again: {d.declined_by} "
        f"declined proposal {d.proposal_id} on {bangkok_date(d.declined_at).isoformat()}{why} "
        f"(ไม่เสนอคู่นี้ซ้ำเพราะ {d.declined_by} ปฏิเสธข้อเสนอ {d.proposal_id} แล้ว)"
    )


def without_declined(
    problem: RoundProblem, result: RoundResult, pairs: dict[Pair, Declined]
) -> RoundResult:
    """``result`` without loans and sales on remembered pairs, figures recomputed."""
    if not pairs:
        return result
    notes = (*result.notes, *(_note(pairs[p]) for p in sorted(pairs)))
    liq = result.liquidity
    loans = tuple(p for p in liq.proposals if (p.offer_id, p.need_id) not in pairs)
    dropped = {(p.offer_id, p.need_id) for p in liq.proposals} - {
        (p.offer_id, p.need_id) for p in loans
    }
    produce = result.produce
    if produce is not None:
        kept = tuple(m for m in produce.matches if (m.source_id, m.target_id) not in pairs)
        procs = {x.id for x in problem.produce.processors} if problem.produce else set()
        cut = {x for m in produce.matches if m not in kept for x in (m.source_id, m.target_id)}
        if cut & procs:  # a processor keeps in = out: all its legs go with a declined one
            kept = tuple(m for m in kept if not {m.source_id, m.target_id} & cut & procs)
        dropped |= {(m.source_id, m.target_id) for m in produce.matches if m not in kept}
        produce = replace(produce, matches=kept)
    if not dropped:
        return replace(result, notes=notes)
    liquidity = replace(liq, proposals=loans)
    new_obligations = credit_obligations(problem, produce)
    summary = summarise(
        problem, result.setoff, liquidity, produce, result.need_changes, new_obligations
    )
    return replace(
        result,
        liquidity=liquidity,
        produce=produce,
        new_obligations=new_obligations,
        summary=summary,
        notes=notes,
    )


def _network_pairs(session: Session, network_id: str) -> Any:
    """A query of the declined pairs whose two orders belong to ``network_id``'s subtree."""
    coops = repo.member_coops([n.id for n in repo.subtree(session, network_id)])
    mine = select(col(OrderRow.id)).where(col(OrderRow.coop_id).in_(coops))
    return select(DeclinedPairRow).where(
        col(DeclinedPairRow.supply_order_id).in_(mine),
        col(DeclinedPairRow.demand_order_id).in_(mine),
    )


def _declined(r: DeclinedPairRow) -> Declined:
    return Declined(
        r.proposal_id, r.kind, r.supply_order_id, r.demand_order_id, r.declined_by_coop_id,
        r.reason, r.declined_at, r.cleared_at,
    )  # fmt: skip


def declines_of_network(engine: Engine, network_id: str) -> list[Declined]:
    """Declines between the orders of ``network_id``'s subtree, newest first, remembered
    ones and forgotten ones (``cleared_at`` set): what the coordinator sees."""
    with read_session(engine) as s:
        stmt = _network_pairs(s, network_id).order_by(col(DeclinedPairRow.id).desc())
        return [_declined(r) for r in s.execute(stmt).scalars()]


def forget_declined(
    engine: Engine,
    network_id: str,
    proposal_id: int,
    *,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[Declined] | None = None,
) -> Declined:
    """The coordinator asks for the pair declined in ``proposal_id`` to be proposed again:
    the decline is forgotten from now on (``cleared_at``), audited ``decline.forgotten``.

    Raises:
        NotFoundError: no decline of that proposal between orders of the network's subtree.
        InvalidStateError: the pair is already forgotten.
    """

    def work(session: Session) -> Declined:
        now = clock()
        stmt = _network_pairs(session, network_id).where(
            col(DeclinedPairRow.proposal_id) == proposal_id
        )
        row = session.execute(stmt).scalars().first()
        if row is None:
            raise NotFoundError(
                f"declined proposal {proposal_id} does not exist",
                f"ไม่พบข้อเสนอที่ถูกปฏิเสธ {proposal_id}",
            )
        if row.cleared_at is not None:
            raise InvalidStateError(
                f"the pair of proposal {proposal_id} may already be proposed again",
                f"คู่ของข้อเสนอ {proposal_id} เสนอใหม่ได้อยู่แล้ว",
            )
        row.cleared_at = now
        session.add(row)
        append_event(
            session, now, actor, "decline.forgotten", "proposal", str(proposal_id),
            {"network_id": network_id, "supply_order_id": row.supply_order_id,
             "demand_order_id": row.demand_order_id},
        )  # fmt: skip
        return with_hook(session, _declined(row), on_commit)

    return in_write_transaction(engine, work)
