"""The member systems' side of the replay: their books, and what they post each morning.

Each member keeps its own books as the season simulator does (cash, stock by arrival day,
debts owed and due; :class:`scenarios.sim.ledger.SeasonState`), so what a member asks for is
what the simulator's round of the same day holds (:func:`scenarios.sim.daily.today_round`):
the round problem of the day is the members' intentions, and each of its orders is posted
through ``/v1`` as its owner would. What the database decided is read back through ``/v1``
(proposals, orders) and applied to the books by the simulator's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.replay.client import Caller
from matcher.liquidity.model import LoanNeed, LoanOffer
from matcher.money import satang_to_decimal_string
from matcher.produce.model import PurchaseOrder, StockLot
from matcher.round.model import RoundProblem
from matcher.setoff.model import Obligation
from scenarios.sim.ledger import Debt, SeasonState

money = satang_to_decimal_string


def satang(value: str | None) -> int:
    """A decimal baht string from the API → satang."""
    if value is None:
        return 0
    baht, _, frac = value.partition(".")
    sign = -1 if baht.startswith("-") else 1
    return sign * (abs(int(baht)) * 100 + int((frac + "00")[:2]))


@dataclass
class ReplayState(SeasonState):
    """The simulator's season state with a late-payment delay per member (the replay's
    behaviours); the simulator has one delay for its one late-paying group."""

    late_by: dict[str, int] = field(default_factory=dict)

    def due_day(self, debt: Debt) -> int:
        """The day the debtor actually pays: the due day plus its delay."""
        return debt.due + self.late_by.get(debt.debtor, 0)


@dataclass
class Posting:
    """One POST a member makes in the morning: who, the body, and the sim id it stands for."""

    who: str
    body: dict[str, Any]
    sim_id: str


@dataclass
class Books:
    """The members' books and how their ids map to the database's."""

    st: SeasonState
    order_of: dict[str, str] = field(default_factory=dict)
    """Sim id (need, offer, lot, purchase order, debt key) → today's database order id."""
    sim_of: dict[str, str] = field(default_factory=dict)
    """Database order id → sim id (today's orders and every debt)."""
    debt_order: dict[str, str] = field(default_factory=dict)
    """Sim debt key → the database obligation that carries it."""
    leftovers: list[tuple[str, str, int]] = field(default_factory=list)
    """(coop, order id, quantity) of today's lots and purchase orders (withdrawn at night)."""


def morning_posts(problem: RoundProblem, books: Books, today: date) -> list[Posting]:
    """Today's orders of every member, in the round problem's order: needs, offers, the due
    debts not yet in the database, lots, purchase orders."""
    out = [_need(n, today) for n in problem.needs]
    out += [_offer(o, today) for o in problem.offers]
    out += [_debt(ob) for ob in problem.obligations if _posts_debt(ob, books)]
    if problem.produce is not None:
        out += [_lot(x) for x in problem.produce.lots]
        out += [_purchase(x) for x in problem.produce.orders]
    return out


def _posts_debt(ob: Obligation, books: Books) -> bool:
    """A sale debt is posted by its debtor on the day it falls due; a loan's instalment
    becomes a debt in the database by itself (the round's sweep)."""
    return "@" in ob.id and ob.id not in books.debt_order


def _need(n: LoanNeed, today: date) -> Posting:
    body = {
        "kind": "liquidity_need",
        "amount": money(n.amount_satang),
        "max_rate_bps": n.max_rate_bps,
        "term_days": n.term_days,
        "min_amount": money(n.min_amount_satang),
        "urgency": n.urgency,
        "valid_until": today.isoformat(),
    }
    return Posting(n.borrower, body, n.id)


def _offer(o: LoanOffer, today: date) -> Posting:
    body = {
        "kind": "liquidity_offer",
        "amount": money(o.amount_satang),
        "min_rate_bps": o.min_rate_bps,
        "max_term_days": o.max_term_days,
        "valid_until": today.isoformat(),
    }
    return Posting(o.lender, body, o.id)


def _debt(ob: Obligation) -> Posting:
    assert ob.due_date is not None
    body = {
        "kind": "obligation",
        "creditor_coop_id": ob.creditor,
        "amount": money(ob.amount_satang),
        "due_date": ob.due_date.isoformat(),
    }
    return Posting(ob.debtor, body, ob.id)


def _lot(x: StockLot) -> Posting:
    body = {
        "kind": "stock_lot",
        "product": x.product,
        "grade": x.grade,
        "quantity": x.quantity,
        "reserve_price": money(x.reserve_satang_per_unit),
        "ready_date": x.ready_date.isoformat(),
        "expiry_date": x.expiry_date.isoformat(),
    }
    return Posting(x.seller, body, x.id)


def _purchase(x: PurchaseOrder) -> Posting:
    body = {
        "kind": "purchase_order",
        "product": x.product,
        "quantity": x.quantity,
        "bids": [
            {"grade": b.grade, "max_price": money(b.max_price_satang_per_unit)} for b in x.bids
        ],
        "deliver_by": x.deliver_by.isoformat(),
    }
    return Posting(x.buyer, body, x.id)


def post_all(caller: Caller, posts: list[Posting], books: Books) -> None:
    """POST each order (the caller retries lost replies) and record its database id."""
    for p in posts:
        send(caller, p, books)


def send(caller: Caller, p: Posting, books: Books, key: str | None = None) -> str:
    """POST one order; returns its database id."""
    r = caller.post(p.who, "/v1/orders", p.body, key=key)
    oid = str(r.json()["id"])
    books.sim_of[oid] = p.sim_id
    if p.body["kind"] == "obligation":
        books.debt_order[p.sim_id] = oid
    else:
        books.order_of[p.sim_id] = oid
    if p.body["kind"] in ("stock_lot", "purchase_order"):
        books.leftovers.append((p.who, oid, int(p.body["quantity"])))
    return oid
