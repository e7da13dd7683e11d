"""Read queries the services share: the network subtree, its coops and the open orders."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session

from api.db.mapping import OpenOrder
from api.db.tables import (
    CoopRow,
    CoordinatorRow,
    LiquidityNeedRow,
    LiquidityOfferRow,
    MembershipRow,
    NetworkRow,
    OrderRow,
    RoundRow,
)

OPEN_STATUSES = ("open", "reserved")


def subtree(session: Session, network_id: str) -> list[NetworkRow]:
    """The network and every network below it (empty if it does not exist)."""
    rows = session.execute(select(NetworkRow)).scalars().all()
    children: dict[str | None, list[NetworkRow]] = defaultdict(list)
    by_id = {}
    for r in rows:
        children[r.parent_id].append(r)
        by_id[r.id] = r
    if network_id not in by_id:
        return []
    out, stack = [], [by_id[network_id]]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(children.get(node.id, ()))
    return out


def ancestors(session: Session, network_id: str) -> list[str]:
    """The network and its ancestors, nearest first."""
    parents = dict(session.execute(select(NetworkRow.id, NetworkRow.parent_id)).all())
    chain: list[str] = []
    cur: str | None = network_id
    while cur is not None and cur in parents and cur not in chain:
        chain.append(cur)
        cur = parents[cur]
    return chain


def coordinates(session: Session, principal: str, network_id: str) -> bool:
    """Whether ``principal`` coordinates the network or one of its ancestors."""
    chain = ancestors(session, network_id)
    if not chain:
        return False
    hit = session.execute(
        select(CoordinatorRow.network_id).where(
            CoordinatorRow.principal == principal,
            CoordinatorRow.network_id.in_(chain),  # type: ignore[attr-defined]
        )
    ).first()
    return hit is not None


def members_of(session: Session, network_ids: list[str]) -> dict[str, list[str]]:
    """Network id → ids of its direct member coops."""
    out: dict[str, list[str]] = defaultdict(list)
    rows = session.execute(
        select(MembershipRow.network_id, MembershipRow.coop_id).where(
            MembershipRow.network_id.in_(network_ids)  # type: ignore[attr-defined]
        )
    )
    for net, coop in rows:
        out[net].append(coop)
    return out


def coops_of(session: Session, network_ids: list[str]) -> list[CoopRow]:
    """Every coop that is a direct member of one of ``network_ids``."""
    return list(
        session.execute(
            select(CoopRow)
            .join(MembershipRow, MembershipRow.coop_id == CoopRow.id)  # type: ignore[arg-type]
            .where(MembershipRow.network_id.in_(network_ids))  # type: ignore[attr-defined]
            .order_by(CoopRow.id)
        ).scalars()
    )


def _member_filter(network_ids: list[str]):  # type: ignore[no-untyped-def]
    return OrderRow.coop_id.in_(  # type: ignore[attr-defined]
        select(MembershipRow.coop_id).where(
            MembershipRow.network_id.in_(network_ids)  # type: ignore[attr-defined]
        )
    )


def open_liquidity_orders(
    session: Session, network_ids: list[str], business_date: date
) -> list[OpenOrder]:
    """Open liquidity offers and needs of the subtree's coops, valid on ``business_date``."""
    o, lo, ln = OrderRow, LiquidityOfferRow, LiquidityNeedRow
    stmt = (
        select(
            o.id,
            o.kind,
            o.coop_id,
            o.amount - o.reserved - o.committed,
            o.version,
            o.arrival,
            lo.min_rate_bps,
            lo.max_term_days,
            lo.cap_per_borrower_satang,
            ln.max_rate_bps,
            ln.term_days,
            ln.min_amount_satang,
            ln.urgency,
        )
        .outerjoin(lo, lo.order_id == o.id)  # type: ignore[arg-type]
        .outerjoin(ln, ln.order_id == o.id)  # type: ignore[arg-type]
        .where(
            o.kind.in_(("liquidity_offer", "liquidity_need")),  # type: ignore[attr-defined]
            o.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
            or_(o.valid_until.is_(None), o.valid_until >= business_date),  # type: ignore[union-attr, operator]
            _member_filter(network_ids),
        )
        .order_by(o.id)
    )
    out = []
    for r in session.execute(stmt):
        if r[1] == "liquidity_offer":
            detail = {"min_rate_bps": r[6], "max_term_days": r[7], "cap_per_borrower_satang": r[8]}
        else:
            detail = {
                "max_rate_bps": r[9],
                "term_days": r[10],
                "min_amount_satang": r[11],
                "urgency": r[12],
            }
        out.append(OpenOrder(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5]), detail))
    return out


def engaged_by_coop(session: Session, network_ids: list[str]) -> dict[tuple[str, str], int]:
    """(coop id, order kind) → reserved + committed amount over its liquidity orders."""
    o = OrderRow
    rows = session.execute(
        select(o.coop_id, o.kind, func.sum(o.reserved + o.committed))
        .where(
            o.kind.in_(("liquidity_offer", "liquidity_need")),  # type: ignore[attr-defined]
            _member_filter(network_ids),
        )
        .group_by(o.coop_id, o.kind)
    )
    return {(c, k): int(v or 0) for c, k, v in rows}


def latest_round(
    session: Session, network_id: str, kind: str, business_date: date
) -> RoundRow | None:
    """The highest version of the round with this key, if any."""
    return session.execute(
        select(RoundRow)
        .where(
            RoundRow.network_id == network_id,
            RoundRow.kind == kind,
            RoundRow.business_date == business_date,
        )
        .order_by(RoundRow.version.desc())  # type: ignore[attr-defined]
        .limit(1)
    ).scalar_one_or_none()
