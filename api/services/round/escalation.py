"""Escalation that reaches someone: what a lower round left open, listed for the network
above, and taken up by that network's next round.

Locality first: an area's round matches inside the area. What its latest round left open on
the demand side — liquidity needs and purchase orders not (fully) matched, read from the
round's stored report (:mod:`api.services.round.report`) — is **escalated**: the
coordinator of every network above sees it (``GET /v1/networks/{id}/escalations``, the Today
page), with which orders, how much was left open, how much is still open now, and why.

The parent's next round takes it up because a round snapshots the open orders of its whole
subtree; :func:`escalation_notes` makes that explicit in the round's notes. A notice
disappears as soon as the order no longer has anything open (served: reserved by a
proposal or committed; or cancelled or expired); one order left open by rounds of several
networks below is listed once, from the most recent of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.tables import OrderRow, RoundRow
from api.db.tx import read_session
from api.services.round.report import load_report, open_demand, reason_text
from api.services.snapshot import KIND
from matcher.money import format_baht

DEMAND_KINDS = ("liquidity_need", "purchase_order")
SHOWN_IN_NOTE = 20
"""At most this many order ids are named in a round's note (a national round may take up
thousands)."""


@dataclass(frozen=True)
class Escalation:
    """One order a lower network's round left open, as its parent's coordinator sees it."""

    from_network_id: str
    round_id: int
    business_date: date
    order_id: str
    kind: str
    coop_id: str
    unit: str
    """"satang" for a need; the product's base unit for a purchase order."""
    left_open: int
    """What that round left unmatched."""
    open_now: int
    """What is still open now (amount − reserved − committed), at most ``left_open``."""
    reasons: tuple[str, ...]

    def text(self, lang: str) -> str:
        """Why it was left open, in ``lang``."""
        return reason_text(list(self.reasons), lang)


def _latest_rounds(session: Session, network_ids: list[str]) -> list[RoundRow]:
    """The latest completed round of each network (newest business date, then version)."""
    if not network_ids:
        return []
    rows = session.execute(
        select(RoundRow)
        .where(
            col(RoundRow.network_id).in_(network_ids),
            col(RoundRow.kind) == KIND,
            col(RoundRow.status) == "completed",
        )
        .order_by(
            col(RoundRow.network_id),
            col(RoundRow.business_date).desc(),
            col(RoundRow.version).desc(),
        )
    ).scalars()
    latest: dict[str, RoundRow] = {}
    for r in rows:
        latest.setdefault(r.network_id, r)
    return sorted(latest.values(), key=lambda r: (r.business_date, int(r.id or 0)), reverse=True)


def escalated_to(session: Session, network_id: str) -> list[Escalation]:
    """What the latest rounds of the networks below ``network_id`` left open and is still
    open now, by order id (caller's session)."""
    below = [n.id for n in repo.subtree(session, network_id) if n.id != network_id]
    found: dict[str, Escalation] = {}
    for rnd in _latest_rounds(session, below):
        report = load_report(session, int(rnd.id or 0))
        left = open_demand(report)
        if not left or report is None:
            continue
        cols = report["order_columns"]
        at = {c: i for i, c in enumerate(cols)}
        rows = {r[at["order_id"]]: r for r in report["orders"] if r[at["order_id"]] in left}
        ids = sorted(oid for oid in left if oid not in found)
        for order in _open_orders(session, ids):
            row = rows[order.id]
            now = min(order.amount - order.reserved - order.committed, left[order.id])
            found[order.id] = Escalation(
                rnd.network_id,
                int(rnd.id or 0),
                rnd.business_date,
                order.id,
                order.kind,
                order.coop_id,
                row[at["unit"]],
                left[order.id],
                now,
                tuple(row[at["reasons"]]),
            )
    return sorted(found.values(), key=lambda e: (e.from_network_id, e.kind, e.order_id))


def _open_orders(session: Session, ids: list[str]) -> list[OrderRow]:
    """The orders among ``ids`` that still have something open."""
    out: list[OrderRow] = []
    for start in range(0, len(ids), 900):
        out += session.execute(
            select(OrderRow).where(
                col(OrderRow.id).in_(ids[start : start + 900]),
                col(OrderRow.kind).in_(DEMAND_KINDS),
                col(OrderRow.status).in_(("open", "reserved")),
                col(OrderRow.amount) > col(OrderRow.reserved) + col(OrderRow.committed),
            )
        ).scalars()
    return out


def escalations(engine: Engine, network_id: str) -> list[Escalation]:
    """:func:`escalated_to` in a read session of its own (what the coordinator sees)."""
    with read_session(engine) as s:
        return escalated_to(s, network_id)


def escalation_notes(session: Session, network_id: str) -> tuple[str, ...]:
    """The round's note on what it takes up from the networks below (none: no note)."""
    found = escalated_to(session, network_id)
    if not found:
        return ()
    named = ", ".join(
        f"{e.order_id} ({e.from_network_id}, {_amount(e.open_now, e.unit)})"
        for e in found[:SHOWN_IN_NOTE]
    )
    more = f" … +{len(found) - SHOWN_IN_NOTE}" if len(found) > SHOWN_IN_NOTE else ""
    return (
        f"taken up from the networks below, left open by their last rounds "
        f"(รับต่อจากเครือข่ายระดับล่างที่รอบของตนยังจับคู่ไม่ได้) {len(found)}: {named}{more}",
    )


def _amount(value: int, unit: str) -> str:
    return f"{format_baht(value)} ฿" if unit == "satang" else f"{value:,} {unit}"
