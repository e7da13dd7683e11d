"""Every order, proposal and ledger row checked against the audit event that created it.

The hash chains prove that the events were not changed; this module proves that the
tables still say what the events say, so a row edited behind the application's back (a
commitment's amount multiplied by 100, a proposal moved to other orders, an instalment
rewritten, an order that no event ever posted) is caught by ``coopmatch audit verify``:

* an order (``orders``) must be named by the event that created it: ``order.posted``
  (its id; ``amount`` in the payload), ``orders.posted`` (``offers``/``needs``),
  ``orders.imported`` (``orders``: id → amount), ``obligation.created`` (its id and
  ``amount_satang``) or ``obligations.promoted`` (``ids``); the amount must match where
  the event carries it, or where the order was amended since (``order.amended``), the
  amount of its last amendment. Imports recorded before their events named the orders only
  counted them: at most that many orders may be unnamed;
* a round's proposals must hash to its ``round.persisted`` event's ``proposals_digest``
  (``[supply, demand, amount]`` in id order, as written), and its set-offs to
  ``setoffs_digest``; every round needs that event;
* a commitment must have its ``proposal.committed`` event (same proposal; the loan's
  amount, rate, term, instalments and interest, or the sale's quantity and value), its
  instalments must add up to its amount and its interest, and every such event must
  still have its commitment.

The checks read whole tables once each; they return the first faults found (at most
``limit``), an empty list when everything matches.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from api.db.audit import canonical_json
from api.db.tables import (
    AuditEventRow,
    CommitmentLoanRow,
    CommitmentRow,
    CommitmentSaleRow,
    CommitmentSetoffRow,
    LoanInstalmentRow,
    OrderRow,
    ProposalRow,
    RoundRow,
)

ORDER_ACTIONS = (
    "order.posted",
    "orders.posted",
    "orders.imported",
    "obligation.created",
    "obligations.promoted",
    "order.amended",
)


def _digest(rows: list[list[Any]]) -> str:
    return hashlib.sha256(canonical_json(rows).encode()).hexdigest()


def _events(session: Session, actions: tuple[str, ...]) -> list[tuple[str, str, dict[str, Any]]]:
    rows = session.execute(
        select(col(AuditEventRow.action), col(AuditEventRow.entity_id), col(AuditEventRow.payload))
        .where(col(AuditEventRow.action).in_(actions))
        .order_by(col(AuditEventRow.id))
    ).all()
    return [(str(a), str(e), json.loads(p)) for a, e, p in rows]


LEGACY_IMPORT_COUNTS = ("offers", "needs", "lots", "purchase_orders", "obligations")


def _posted_orders(session: Session) -> tuple[dict[str, int | None], int]:
    """Order id → the amount its event states (None: named without an amount), and how
    many orders imports made before imports named their orders (their events only count
    them): that many unnamed orders are tolerated, no more."""
    named: dict[str, int | None] = {}
    legacy = 0
    for action, entity_id, payload in _events(session, ORDER_ACTIONS):
        if action in ("order.posted", "order.amended"):
            named[entity_id] = payload.get("amount")
        elif action == "obligation.created":
            named[entity_id] = payload.get("amount_satang")
        elif action == "orders.imported" and "orders" not in payload:
            legacy += sum(int(payload.get(k, 0)) for k in LEGACY_IMPORT_COUNTS)
        elif action == "orders.imported":
            named.update(payload["orders"])
        else:
            amounts = payload.get("amounts", {})
            ids = [*payload.get("offers", []), *payload.get("needs", []), *payload.get("ids", [])]
            for oid in ids:
                named[oid] = amounts.get(oid)
    return named, legacy


def check_orders(session: Session) -> list[str]:
    """Every order named by its event, with the amount the event states."""
    named, legacy = _posted_orders(session)
    faults, unnamed = [], []
    rows = session.execute(
        select(col(OrderRow.id), col(OrderRow.amount)).order_by(col(OrderRow.id))
    )
    for oid, amount in rows:
        if oid not in named:
            unnamed.append(f"order {oid}: no audit event created it")
        elif named[oid] is not None and named[oid] != amount:
            faults.append(f"order {oid}: amount {amount} but its event says {named[oid]}")
    return faults + (unnamed if len(unnamed) > legacy else [])


def check_rounds(session: Session) -> list[str]:
    """Every round's proposals and set-offs hash to its ``round.persisted`` event."""
    events = {int(e): p for _a, e, p in _events(session, ("round.persisted",))}
    proposals: dict[int, list[list[Any]]] = defaultdict(list)
    for rid, s, d, a in session.execute(
        select(
            col(ProposalRow.round_id),
            col(ProposalRow.supply_order_id),
            col(ProposalRow.demand_order_id),
            col(ProposalRow.amount),
        ).order_by(col(ProposalRow.id))
    ):
        proposals[int(rid)].append([s, d, int(a)])
    setoffs: dict[int, list[list[Any]]] = defaultdict(list)
    for rid, oid, amount in session.execute(
        select(
            col(CommitmentSetoffRow.round_id),
            col(CommitmentSetoffRow.obligation_order_id),
            col(CommitmentSetoffRow.amount_satang),
        ).order_by(col(CommitmentSetoffRow.id))
    ):
        setoffs[int(rid)].append([oid, int(amount)])
    faults = []
    for (rid,) in session.execute(select(col(RoundRow.id)).order_by(col(RoundRow.id))):
        payload = events.get(int(rid))
        if payload is None:
            faults.append(f"round {rid}: no round.persisted event")
            continue
        if _digest(proposals[int(rid)]) != payload.get("proposals_digest"):
            faults.append(f"round {rid}: its proposals differ from its audit event")
        if "setoffs_digest" in payload and _digest(setoffs[int(rid)]) != payload["setoffs_digest"]:
            faults.append(f"round {rid}: its set-offs differ from its audit event")
    for rid in sorted(
        set(proposals) - {int(r) for (r,) in session.execute(select(col(RoundRow.id)))}
    ):
        faults.append(f"proposals of round {rid}: the round is gone")
    return faults


def check_commitments(session: Session) -> list[str]:
    """Every commitment, its terms and instalments against its ``proposal.committed``."""
    events = {
        int(p["commitment_id"]): (e, p) for _a, e, p in _events(session, ("proposal.committed",))
    }
    loans = {r.commitment_id: r for r in session.execute(select(CommitmentLoanRow)).scalars()}
    sales = {r.commitment_id: r for r in session.execute(select(CommitmentSaleRow)).scalars()}
    plan = {
        int(c): (int(n), int(p or 0), int(i or 0))
        for c, n, p, i in session.execute(
            select(
                col(LoanInstalmentRow.commitment_id),
                func.count(),
                func.sum(LoanInstalmentRow.principal_satang),
                func.sum(LoanInstalmentRow.interest_satang),
            ).group_by(col(LoanInstalmentRow.commitment_id))
        )
    }
    faults = []
    seen = set()
    for c in session.execute(select(CommitmentRow).order_by(col(CommitmentRow.id))).scalars():
        cid = int(c.id or 0)
        seen.add(cid)
        event = events.get(cid)
        if event is None:
            faults.append(f"commitment {cid}: no proposal.committed event")
            continue
        entity_id, payload = event
        if entity_id != str(c.proposal_id):
            faults.append(
                f"commitment {cid}: proposal {c.proposal_id}, its event names {entity_id}"
            )
        faults += _terms(c, payload, loans.get(cid), sales.get(cid), plan.get(cid))
    faults += [
        f"commitment {cid}: its event exists but the commitment is gone"
        for cid in sorted(set(events) - seen)
    ]
    return faults


def _terms(
    c: CommitmentRow,
    payload: dict[str, Any],
    loan: CommitmentLoanRow | None,
    sale: CommitmentSaleRow | None,
    plan: tuple[int, int, int] | None,
) -> list[str]:
    """A commitment's amounts and terms against its event's payload."""
    cid = c.id
    faults = []
    if payload.get("kind") == "sale":
        stated = {"quantity": c.amount, "value_satang": sale.value_satang if sale else None}
        stated["price_satang_per_unit"] = sale.price_satang_per_unit if sale else None
    else:
        stated = {
            "amount_satang": c.amount,
            "rate_bps": loan.rate_bps if loan else None,
            "term_days": loan.term_days if loan else None,
            "instalments": plan[0] if plan else 0,
            "interest_satang": loan.interest_satang if loan else None,
        }
        interest = loan.interest_satang if loan else 0
        if plan is not None and (plan[1], plan[2]) != (c.amount, interest):
            faults.append(
                f"commitment {cid}: its instalments add up to {plan[1]} + {plan[2]} interest, "
                f"not {c.amount} + {interest}"
            )
    return faults + [
        f"commitment {cid}: {name} is {value} but its event says {payload[name]}"
        for name, value in stated.items()
        if name in payload and payload[name] != value
    ]


def crosscheck(session: Session, limit: int = 20) -> list[str]:
    """The first ``limit`` faults between the tables and their audit events."""
    faults = check_orders(session) + check_rounds(session) + check_commitments(session)
    return faults[:limit]
