"""The ledger invariants, checked after every replayed day with plain SQL.

The checker reads the tables directly and shares no code with the services that write them
(only the audit chain check is the verifier of ``coopmatch audit verify``, which recomputes
every hash itself). Rules, checked in this order; the first one broken stops the replay
with the day, the rule and the rows involved:

``ledger-once``        a proposal is committed ⇔ exactly one commitment row points at it;
                       a loan commitment has its loan terms and instalments, a sale its terms
``within-amount``      0 ≤ reserved, 0 ≤ committed, reserved + committed ≤ amount, per order
``reservations``       an order's reserved = Σ amount of its *pending* proposals (so an
                       accepted one moved to committed and a declined, expired or voided
                       one freed what it held)
``repayments``         per debt: Σ cash payments + Σ set-off ≤ its amount; per loan:
                       Σ paid or set off on its instalments ≤ principal + interest
``ledger-balances``    per order: committed = Σ its commitments + set-off + cash payments
                       + need relief (reported per coop); in total, money lent = borrowed
                       and goods sold = bought
``network-isolation``  every proposal, set-off and relief of a round involves only coops of
                       the round network's subtree
``audit-chains``       every audit chain verifies and every row agrees with its event
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, text
from sqlmodel import col

from api.db.audit import event_hash, genesis_hash
from api.db.audit_crosscheck import crosscheck
from api.db.audit_verify import audit_check
from api.db.tables import AuditEventRow
from api.db.tx import read_session

RULES = (
    "ledger-once",
    "within-amount",
    "reservations",
    "repayments",
    "ledger-balances",
    "network-isolation",
    "audit-chains",
)
_MAX_ROWS = 10


class InvariantBroken(RuntimeError):
    """An invariant does not hold after a day: the day, the rule and the rows involved."""

    def __init__(self, day: int, rule: str, rows: list[tuple[Any, ...]]) -> None:
        self.day, self.rule, self.rows = day, rule, rows
        shown = "; ".join(str(tuple(r)) for r in rows[:_MAX_ROWS])
        super().__init__(
            f"day {day}: invariant {rule!r} broken (ผิดกฎบัญชี) — {len(rows)} rows: {shown}"
        )


_ONCE = """
SELECT p.id, p.status, count(c.id) AS commitments
FROM proposal p LEFT JOIN commitment c ON c.proposal_id = p.id
GROUP BY p.id, p.status
HAVING (p.status = 'committed' AND count(c.id) <> 1)
    OR (p.status <> 'committed' AND count(c.id) <> 0)
UNION ALL
SELECT c.proposal_id, 'loan terms missing', c.id FROM commitment c
WHERE c.kind = 'loan' AND (
    NOT EXISTS (SELECT 1 FROM commitment_loan l WHERE l.commitment_id = c.id)
    OR NOT EXISTS (SELECT 1 FROM loan_instalment i WHERE i.commitment_id = c.id))
UNION ALL
SELECT c.proposal_id, 'sale terms missing', c.id FROM commitment c
WHERE c.kind = 'sale' AND NOT EXISTS (SELECT 1 FROM commitment_sale s WHERE s.commitment_id = c.id)
"""
_WITHIN = """
SELECT id, kind, amount, reserved, committed FROM orders
WHERE reserved < 0 OR committed < 0 OR reserved + committed > amount
"""
_RESERVED = """
SELECT o.id, o.reserved, coalesce(p.held, 0) FROM orders o LEFT JOIN (
    SELECT order_id, sum(amount) AS held FROM (
        SELECT supply_order_id AS order_id, amount FROM proposal WHERE status = 'pending'
        UNION ALL
        SELECT demand_order_id, amount FROM proposal WHERE status = 'pending') x
    GROUP BY order_id) p ON p.order_id = o.id
WHERE o.reserved <> coalesce(p.held, 0)
"""
_REPAID = """
SELECT o.id, o.amount, coalesce(cp.paid, 0), coalesce(so.cleared, 0) FROM orders o
LEFT JOIN (SELECT obligation_order_id AS oid, sum(amount_satang) AS paid FROM cash_payment
           GROUP BY obligation_order_id) cp ON cp.oid = o.id
LEFT JOIN (SELECT obligation_order_id AS oid, sum(amount_satang) AS cleared
           FROM commitment_setoff GROUP BY obligation_order_id) so ON so.oid = o.id
WHERE o.kind = 'obligation' AND coalesce(cp.paid, 0) + coalesce(so.cleared, 0) > o.amount
UNION ALL
SELECT 'commitment ' || CAST(l.commitment_id AS VARCHAR(20)), c.amount + l.interest_satang,
       sum(coalesce(cp.paid, 0)), sum(coalesce(so.cleared, 0))
FROM commitment_loan l JOIN commitment c ON c.id = l.commitment_id
JOIN loan_instalment i ON i.commitment_id = l.commitment_id
JOIN obligation ob ON ob.source_instalment_id = i.id
LEFT JOIN (SELECT obligation_order_id AS oid, sum(amount_satang) AS paid FROM cash_payment
           GROUP BY obligation_order_id) cp ON cp.oid = ob.order_id
LEFT JOIN (SELECT obligation_order_id AS oid, sum(amount_satang) AS cleared
           FROM commitment_setoff GROUP BY obligation_order_id) so ON so.oid = ob.order_id
GROUP BY l.commitment_id, c.amount, l.interest_satang
HAVING sum(coalesce(cp.paid, 0)) + sum(coalesce(so.cleared, 0)) > c.amount + l.interest_satang
"""
_BOOKED = """
SELECT o.coop_id, o.id, o.kind, o.committed, coalesce(x.booked, 0) FROM orders o LEFT JOIN (
    SELECT order_id, sum(amount) AS booked FROM (
        SELECT p.supply_order_id AS order_id, c.amount FROM commitment c
            JOIN proposal p ON p.id = c.proposal_id
        UNION ALL
        SELECT p.demand_order_id, c.amount FROM commitment c JOIN proposal p ON p.id = c.proposal_id
        UNION ALL
        SELECT obligation_order_id, amount_satang FROM commitment_setoff
        UNION ALL
        SELECT obligation_order_id, amount_satang FROM cash_payment
        UNION ALL
        SELECT need_order_id, amount_satang FROM need_relief) y
    GROUP BY order_id) x ON x.order_id = o.id
WHERE o.committed <> coalesce(x.booked, 0)
ORDER BY o.coop_id, o.id
"""
_TOTALS = """
SELECT kind, sum(amount) FROM commitment GROUP BY kind
"""
_SIDES = """
SELECT 'supply', p.kind, coalesce(sum(c.amount), 0) FROM commitment c
    JOIN proposal p ON p.id = c.proposal_id
    JOIN orders o ON o.id = p.supply_order_id GROUP BY p.kind
UNION ALL
SELECT 'demand', p.kind, coalesce(sum(c.amount), 0) FROM commitment c
    JOIN proposal p ON p.id = c.proposal_id
    JOIN orders o ON o.id = p.demand_order_id GROUP BY p.kind
"""


@dataclass(frozen=True)
class Ledger:
    """The ledger's totals after a day (satang; goods in base units)."""

    loans_satang: int
    sales_units: int
    setoff_satang: int
    payments_satang: int
    relief_satang: int
    commitments: int


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with read_session(engine) as s:
        return [tuple(r) for r in s.execute(text(sql)).all()]


def _isolation(engine: Engine) -> list[tuple[Any, ...]]:
    """Rows of a round that involve a coop outside the round network's subtree."""
    with read_session(engine) as s:
        parent = dict(s.execute(text("SELECT id, parent_id FROM network")).all())
        home = dict(s.execute(text("SELECT coop_id, network_id FROM membership")).all())
        rounds = dict(s.execute(text("SELECT id, network_id FROM round")).all())
        parts = s.execute(
            text(
                "SELECT 'proposal', id, round_id, supply_coop_id, demand_coop_id FROM proposal "
                "UNION ALL SELECT 'setoff', id, round_id, debtor_coop_id, creditor_coop_id "
                "FROM commitment_setoff UNION ALL "
                "SELECT 'relief', id, round_id, coop_id, coop_id FROM need_relief"
            )
        ).all()

    def under(net: str | None, top: str) -> bool:
        while net is not None:
            if net == top:
                return True
            net = parent.get(net)
        return False

    bad = []
    for what, rid, round_id, a, b in parts:
        top = rounds.get(round_id)
        if top is None or not (under(home.get(a), top) and under(home.get(b), top)):
            bad.append((what, rid, round_id, top, a, b))
    return bad


def _balances(engine: Engine) -> list[tuple[Any, ...]]:
    bad = _rows(engine, _BOOKED)
    sides: dict[str, dict[str, int]] = {}
    for side, kind, amount in _rows(engine, _SIDES):
        sides.setdefault(kind, {})[side] = int(amount)
    for kind, by in sorted(sides.items()):
        if by.get("supply", 0) != by.get("demand", 0):
            bad.append(("total", kind, by.get("supply", 0), by.get("demand", 0)))
    return bad


def check_day(engine: Engine, day: int) -> Ledger:
    """Check every rule; raise :class:`InvariantBroken` at the first broken one.

    Returns:
        The ledger's totals (for the report).
    """
    checks = {
        "ledger-once": lambda: _rows(engine, _ONCE),
        "within-amount": lambda: _rows(engine, _WITHIN),
        "reservations": lambda: _rows(engine, _RESERVED),
        "repayments": lambda: _rows(engine, _REPAID),
        "ledger-balances": lambda: _balances(engine),
        "network-isolation": lambda: _isolation(engine),
        "audit-chains": lambda: _audit(engine),
    }
    for rule in RULES:
        rows = checks[rule]()
        if rows:
            raise InvariantBroken(day, rule, rows)
    return ledger_totals(engine)


def _audit(engine: Engine) -> list[tuple[Any, ...]]:
    with read_session(engine) as s:
        verdict = audit_check(s, None)
    return [] if verdict.ok else [(verdict.reason,)]


@dataclass
class Checker:
    """The day-by-day checker of a replay: every rule after every day, the audit chains
    incrementally.

    The SQL rules and the rows-against-events cross-check read everything every day (they
    are cheap). The hash chains grow all season, and re-hashing every event every day made
    the checks quadratic in the season's length; so each day only the events appended since
    the last check are hashed, each chain continuing from the last event it verified (its
    ``seq`` and ``hash``, kept here, not read back from the database), and each chain's
    head must name its last event. An event changed after it was verified is caught by the
    full verification on the season's last day (``full=True``), the same check as
    :func:`check_day`.
    """

    engine: Engine
    verified: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Chain → (seq, hash) of the last event verified."""

    def check(self, day: int, *, full: bool = False) -> Ledger:
        """Check every rule after ``day``; raise :class:`InvariantBroken` at the first."""
        if full:
            return check_day(self.engine, day)
        checks = {
            "ledger-once": lambda: _rows(self.engine, _ONCE),
            "within-amount": lambda: _rows(self.engine, _WITHIN),
            "reservations": lambda: _rows(self.engine, _RESERVED),
            "repayments": lambda: _rows(self.engine, _REPAID),
            "ledger-balances": lambda: _balances(self.engine),
            "network-isolation": lambda: _isolation(self.engine),
            "audit-chains": self._audit_grown,
        }
        for rule in RULES:
            rows = checks[rule]()
            if rows:
                raise InvariantBroken(day, rule, rows)
        return ledger_totals(self.engine)

    def _audit_grown(self) -> list[tuple[Any, ...]]:
        """Hash the events appended since the last check; cross-check every row."""
        bad: list[tuple[Any, ...]] = []
        with read_session(self.engine) as s:
            heads = dict(s.execute(text("SELECT chain, seq FROM audit_chain_head")).all())
            for chain, head_seq in sorted(heads.items()):
                seq, prev = self.verified.get(chain, (0, genesis_hash(chain)))
                if int(head_seq) == seq:
                    continue
                if int(head_seq) < seq:
                    bad.append((chain, f"head at {head_seq}, {seq} events verified before"))
                    break
                rows = (
                    s.execute(
                        select(AuditEventRow)
                        .where(col(AuditEventRow.chain) == chain, col(AuditEventRow.seq) > seq)
                        .order_by(col(AuditEventRow.seq))
                    )
                    .scalars()
                    .all()
                )
                for r in rows:
                    if r.seq != seq + 1 or r.prev_hash != prev:
                        bad.append((chain, r.id, f"expected event {seq + 1} after {prev[:12]}"))
                        break
                    digest = event_hash(
                        prev,
                        r.seq,
                        r.occurred_at,
                        r.actor,
                        r.action,
                        r.entity,
                        r.entity_id,
                        json.loads(r.payload),
                    )
                    if digest != r.hash:
                        bad.append((chain, r.id, "hash does not match the event"))
                        break
                    seq, prev = r.seq, r.hash
                if bad:
                    break
                if seq != int(head_seq):
                    bad.append((chain, f"head at {head_seq}, last event {seq}"))
                    break
                self.verified[chain] = (seq, prev)
            if not bad:
                bad = [(fault,) for fault in crosscheck(s)]
        return bad


def ledger_totals(engine: Engine) -> Ledger:
    """The ledger's totals: loans and sales committed, set-off, payments, relief."""
    q = {
        "loans": "SELECT coalesce(sum(amount), 0) FROM commitment WHERE kind = 'loan'",
        "sales": "SELECT coalesce(sum(amount), 0) FROM commitment WHERE kind = 'sale'",
        "setoff": "SELECT coalesce(sum(amount_satang), 0) FROM commitment_setoff",
        "paid": "SELECT coalesce(sum(amount_satang), 0) FROM cash_payment",
        "relief": "SELECT coalesce(sum(amount_satang), 0) FROM need_relief",
        "n": "SELECT count(*) FROM commitment",
    }
    with read_session(engine) as s:
        v = {k: int(s.execute(text(sql)).scalar_one()) for k, sql in q.items()}
    return Ledger(v["loans"], v["sales"], v["setoff"], v["paid"], v["relief"], v["n"])
