"""What coops posted for know-how matching and start-up capital, as the web pages list it.

A member reads its own coop's postings only (:func:`knowhow_postings_of_coop`,
:func:`startup_needs_of_coop`); a coordinator reads those of the coops of a network's
subtree (:func:`knowhow_postings_of_network`, :func:`startup_needs_of_network`; the caller
has checked that the coordinator sees the network). :func:`startup_businesses` is what the
start-up capital form offers a coop: the businesses its fund's policy starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.tables import CoopRow, LiquidityNeedRow, MembershipRow, OrderRow
from api.db.tables_knowhow import KnowhowPostingRow
from api.db.tables_startup import StartupNeedRow
from api.db.tx import read_session
from api.services.clock import as_utc
from api.services.startup_capital import fund_terms


@dataclass(frozen=True)
class PostingView:
    """A teach offer or a learn request."""

    id: str
    coop_id: str
    coop_name: str
    side: str
    topic: str
    capacity: int
    max_distance_m: int
    status: str
    created_at: datetime


@dataclass(frozen=True)
class StartupNeedView:
    """A start-up capital need: the business, the amount asked and still open, the terms."""

    id: str
    coop_id: str
    coop_name: str
    business: str
    amount_satang: int
    open_satang: int
    max_rate_bps: int
    term_days: int
    status: str
    created_at: datetime


def _subtree_coops(s: Session, network_id: str) -> list[str]:
    nets = [n.id for n in repo.subtree(s, network_id)]
    rows = s.execute(
        select(col(MembershipRow.coop_id)).where(col(MembershipRow.network_id).in_(nets))
    ).scalars()
    return sorted(set(rows))


def _postings(s: Session, coops: list[str], posting_id: str | None = None) -> list[PostingView]:
    query = (
        select(KnowhowPostingRow, col(CoopRow.name_th))
        .join(CoopRow, col(CoopRow.id) == col(KnowhowPostingRow.coop_id))
        .where(col(KnowhowPostingRow.coop_id).in_(coops))
    )
    if posting_id is not None:
        query = query.where(col(KnowhowPostingRow.id) == posting_id)
    rows = s.execute(
        query.order_by(col(KnowhowPostingRow.created_at).desc(), col(KnowhowPostingRow.id))
    ).all()
    return [
        PostingView(p.id, p.coop_id, str(name), p.side, p.topic, p.capacity, p.max_distance_m,
                    p.status, as_utc(p.created_at))
        for p, name in rows
    ]  # fmt: skip


def _startup(s: Session, coops: list[str]) -> list[StartupNeedView]:
    rows = s.execute(
        select(OrderRow, LiquidityNeedRow, col(StartupNeedRow.business), col(CoopRow.name_th))
        .join(LiquidityNeedRow, col(LiquidityNeedRow.order_id) == col(OrderRow.id))
        .join(StartupNeedRow, col(StartupNeedRow.order_id) == col(OrderRow.id))
        .join(CoopRow, col(CoopRow.id) == col(OrderRow.coop_id))
        .where(col(OrderRow.coop_id).in_(coops))
        .order_by(col(OrderRow.created_at).desc(), col(OrderRow.id))
    ).all()
    return [
        StartupNeedView(o.id, o.coop_id, str(name), str(business), o.amount,
                        o.amount - o.reserved - o.committed, d.max_rate_bps, d.term_days,
                        o.status, as_utc(o.created_at))
        for o, d, business, name in rows
    ]  # fmt: skip


def knowhow_postings_of_coop(engine: Engine, coop_id: str) -> list[PostingView]:
    """The coop's own teach offers and learn requests, newest first."""
    with read_session(engine) as s:
        return _postings(s, [coop_id])


def knowhow_posting_of_coop(engine: Engine, posting_id: str, coop_id: str) -> PostingView | None:
    """One of the coop's own postings; ``None`` when it has no such posting."""
    with read_session(engine) as s:
        found = _postings(s, [coop_id], posting_id)
        return found[0] if found else None


def knowhow_postings_of_network(engine: Engine, network_id: str) -> list[PostingView]:
    """The postings of the coops of ``network_id``'s subtree, newest first."""
    with read_session(engine) as s:
        return _postings(s, _subtree_coops(s, network_id))


def startup_needs_of_coop(engine: Engine, coop_id: str) -> list[StartupNeedView]:
    """The coop's own start-up capital needs, newest first."""
    with read_session(engine) as s:
        return _startup(s, [coop_id])


def startup_needs_of_network(engine: Engine, network_id: str) -> list[StartupNeedView]:
    """The start-up capital needs of the coops of ``network_id``'s subtree, newest first."""
    with read_session(engine) as s:
        return _startup(s, _subtree_coops(s, network_id))


def startup_businesses(engine: Engine, coop_id: str) -> tuple[str, ...]:
    """The businesses the fund above ``coop_id`` starts under its policy (empty: none)."""
    with read_session(engine) as s:
        home = s.execute(
            select(col(MembershipRow.network_id)).where(col(MembershipRow.coop_id) == coop_id)
        ).scalar_one_or_none()
        found = fund_terms(s, home) if home is not None else None
        terms = found.terms if found is not None else None
        return tuple(terms.businesses) if terms is not None and terms.enabled else ()


__all__ = [
    "PostingView",
    "StartupNeedView",
    "knowhow_posting_of_coop",
    "knowhow_postings_of_coop",
    "knowhow_postings_of_network",
    "startup_businesses",
    "startup_needs_of_coop",
    "startup_needs_of_network",
]
