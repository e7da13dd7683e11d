"""The replay's day loop: members post, coordinators run rounds, members answer and pay.

Each business day ``t`` (the app's clock reads 09:00 Bangkok of that day):

1. The members' books give the day's deliveries, needs, offers, due debts and produce as
   the simulator's round of the day would hold them (:mod:`api.replay.members`); every
   order is POSTed to ``/v1/orders`` by its owner (sale debts by their debtor when due).
2. The coordinators run their rounds through ``/v1/networks/{id}/rounds``, most local
   tier first (areas, then their parents, up to the root).
3. Each member lists its pending proposals and accepts, or declines by its behaviour
   (its ``decline_bps``, drawn from the seed); the supply side answers first.
4. What the database decided is read back (set-off on the debts, need relief, committed
   loans and sales) and booked by the simulator's rules: loans move cash and become debts,
   farmers are paid, due debts are paid through ``/v1/debts/{id}/payments`` as far as cash
   goes, sales move stock and money, old stock spoils. Unsold lots and unfilled purchase
   orders are withdrawn at the end of the day; offers and needs end by ``valid_until``.
5. The invariants are checked on the database (:mod:`api.replay.invariants`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Engine

from api.replay.behaviour import Behaviour, late_by
from api.replay.client import Caller, ReplayError
from api.replay.faults import Injector
from api.replay.invariants import Checker, Ledger
from api.replay.members import Books, ReplayState, money, morning_posts, satang
from api.replay.world import World
from matcher.round.model import sale_obligation_id
from scenarios.sim.daily import Day, bills_of, today_round
from scenarios.sim.draws import SeasonDraws
from scenarios.sim.ledger import Debt
from scenarios.sim.settle import _pay_farmers
from scenarios.sim.setup import FUND_ID, SeasonSetup

T = TypeVar("T")


@dataclass
class Loan:
    """A committed loan as the borrower read it."""

    lender: str
    borrower: str
    amount: int
    interest: int
    term_days: int
    tier: str


@dataclass
class Sale:
    """A committed sale: the lot (sim id), the buyer's order (sim id) and the terms."""

    lot: str
    order: str
    seller: str
    buyer: str
    quantity: int
    price: int
    transport: int
    tier: str


@dataclass
class DayCounts:
    """What the replay did, summed over the days."""

    rounds: int = 0
    proposals: int = 0
    accepted: int = 0
    declined: int = 0
    payments: int = 0
    withdrawn: int = 0
    declined_satang: int = 0
    declined_units: int = 0
    check_ms: int = 0
    """Time spent checking the invariants."""
    rounds_ms: int = 0
    """Time spent in the coordinators' round requests."""
    limit_days: int = 0
    """Days on which a borrower asked for more than its limit less what it borrowed this
    season (the database counts that toward the limit; the simulator does not)."""
    first_limit: str = ""


@dataclass
class Replay:
    """One replay in progress: the world, the books, the caller and the injector."""

    engine: Engine
    world: World
    setup: SeasonSetup
    draws: SeasonDraws
    books: Books
    caller: Caller
    faults: Injector
    set_day: Callable[[date], None]
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    """Each member's behaviour (:mod:`api.replay.behaviour`)."""
    counts: DayCounts = field(default_factory=DayCounts)
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    ledger: Ledger | None = None
    checker: Checker | None = None
    workers: int = 4
    never_pays: frozenset[str] = frozenset()
    """Members that pay no debt in cash (their behaviour)."""
    borrowed: dict[str, int] = field(default_factory=dict)
    """Loans each borrower took this season (what the database counts toward its limit)."""
    """Threads the members' independent calls run in (listings, first accepts, withdrawals)."""

    def pool(self, fn: Callable[[Any], T], items: list[Any]) -> list[T]:
        """``fn`` over ``items`` in up to :attr:`workers` threads; results in order."""
        if self.workers <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(self.workers) as ex:
            return list(ex.map(fn, items))

    def run_day(self, t: int, last: bool = False) -> None:
        """Replay business day ``t`` and check the invariants (the audit chains in full
        on the ``last`` day, incrementally before)."""
        st, setup, d = self.books.st, self.setup, self.draws
        today = setup.dates[t]
        self.caller.day = t
        self.set_day(today)
        day = Day(
            t,
            int(d.price_satang[t]),
            d.arrivals[t].tolist(),
            d.demand[t].tolist(),
            int(d.credit_days[t]),
            st.open_day(t),
        )
        bills = bills_of(setup, day)
        problem = today_round(setup, st, day, bills)
        sales: list[Sale] = []
        if problem is not None:
            st.add("rounds", 1)
            self._limits(problem.needs, t)
            posts = morning_posts(problem, self.books, today)
            self.faults.post_all(self.caller, posts, self.books, t)
            self._rounds(today, t)
            setoffs = self._setoffs(day) if problem.obligations else {}
            relief = self._relief(problem.needs) if setoffs else {}
            loans, sales = self._answer({p.who for p in posts}, t)
            self._book_round(t, setoffs, relief, loans)
        _pay_farmers(setup, st, day, bills)
        self._pay_due(day, today)
        if sales:
            self._book_sales(t, int(d.credit_days[t]), sales)
        shelf = setup.scenario.spec.season.shelf_life_days
        for by_day in st.stock.values():
            for arrived in [a for a in by_day if a + shelf <= t + 1]:
                st.add("spoiled", by_day.pop(arrived))
        st.drop_settled()
        self._withdraw(sales)
        t0 = time.perf_counter()
        if self.checker is None:
            self.checker = Checker(self.engine)
        self.ledger = self.checker.check(t, full=last)
        self.counts.check_ms += round(1000 * (time.perf_counter() - t0))

    def _limits(self, needs: Any, t: int) -> None:
        """Note a day on which the database's borrowing limit may bind where the
        simulator's does not: a borrower's loans this season plus today's need pass its
        limit (the database counts engaged loans toward it; the simulator checks each
        day's round alone)."""
        limits = {r.coop_id: r.borrowing_limit_satang for r in self.setup.rules}
        over = sorted(
            n.borrower
            for n in needs
            if limits.get(n.borrower) is not None
            and self.borrowed.get(n.borrower, 0) > 0
            and self.borrowed.get(n.borrower, 0) + n.amount_satang > (limits[n.borrower] or 0)
        )
        if over:
            self.counts.limit_days += 1
            self.counts.first_limit = self.counts.first_limit or f"day {t}: {over[0]}"

    def _rounds(self, today: date, t: int) -> None:
        """Every coordinator runs its round, most local tier first."""
        t0 = time.perf_counter()
        for tier in self.world.tiers:
            for net in tier:
                who = self.world.coordinator[net]
                body = {"business_date": today.isoformat()}
                self.faults.run_round(self.caller, who, net, body, t)
                self.counts.rounds += 1
        self.counts.rounds_ms += round(1000 * (time.perf_counter() - t0))

    def _setoffs(self, day: Day) -> dict[str, int]:
        """Per due debt (sim key): what the rounds' set-off cleared of it."""
        by_debtor: dict[str, list[str]] = {}
        for key, d in day.due.items():
            if d.creditor != FUND_ID:
                by_debtor.setdefault(d.debtor, []).append(key)
        out: dict[str, int] = {}
        st, books = self.books.st, self.books
        for debtor, keys in sorted(by_debtor.items()):
            items = self.caller.pages(debtor, "/v1/orders", status="open")
            open_debts = {x["id"]: x for x in items if x["kind"] == "obligation"}
            mapped = set(books.debt_order.values())
            for key in keys:
                debt = st.debts[key]
                oid = books.debt_order.get(key)
                if oid is None:
                    oid = _find_instalment(open_debts, mapped, debt, self.setup.dates)
                    if oid is not None:
                        books.debt_order[key] = oid
                        mapped.add(oid)
                left = satang(open_debts[oid]["available"]) if oid in open_debts else 0
                if left < debt.remaining:
                    out[key] = debt.remaining - left
        return out

    def _relief(self, needs: Any) -> dict[str, int]:
        """Per borrower: what set-off relieved of today's need (committed on the need)."""
        out: dict[str, int] = {}
        for n in needs:
            oid = self.books.order_of[n.id]
            got = self.caller.get(n.borrower, f"/v1/orders/{oid}")
            if satang(got["committed"]) > 0:
                out[n.borrower] = out.get(n.borrower, 0) + satang(got["committed"])
        return out

    def _answer(self, coops: set[str], t: int) -> tuple[list[Loan], list[Sale]]:
        """Each member answers its pending proposals; returns what committed.

        The members list their proposals and the supply sides accept at once (in threads:
        member systems are independent); the demand sides then answer one proposal after
        another, so proposals commit in id order (commitment ids do not depend on threads).
        """
        views: dict[int, dict[str, dict[str, Any]]] = {}
        listed = self.pool(lambda c: self.caller.pages(c, "/v1/proposals", status="pending"),
                           sorted(coops))  # fmt: skip
        for coop, items in zip(sorted(coops), listed, strict=True):
            for p in items:
                views.setdefault(int(p["id"]), {})[p["side"]] = p | {"coop": coop}
        for pid, v in views.items():
            if "supply" not in v or "demand" not in v:
                raise ReplayError(f"proposal {pid} not seen by both parties")
        order = sorted(views)
        decline = {pid: self._decliner(views[pid]) for pid in order}
        first = [(pid, self.caller.key()) for pid in order if decline[pid] is None]
        self.pool(
            lambda pk: self.caller.post(
                views[pk[0]]["supply"]["coop"], f"/v1/proposals/{pk[0]}/accept", key=pk[1]
            ),
            first,
        )
        loans: list[Loan] = []
        sales: list[Sale] = []
        for pid in order:
            sup, dem = views[pid]["supply"], views[pid]["demand"]
            self.counts.proposals += 1
            status = self.faults.answer(self.caller, pid, dem["coop"], decline[pid], t)
            if status != "committed":
                self.counts.declined += 1
                if dem["kind"] == "sale":
                    self.counts.declined_units += int(dem["quantity"] or 0)
                else:
                    self.counts.declined_satang += satang(dem["amount"])
                continue
            self.counts.accepted += 1
            if dem["kind"] == "sale":
                terms = sup["sale"]
                sales.append(
                    Sale(
                        self.books.sim_of[sup["order_id"]],
                        self.books.sim_of[dem["order_id"]],
                        sup["coop"],
                        dem["coop"],
                        int(terms["quantity"]),
                        satang(terms["unit_price"]),
                        satang(terms["transport"]),
                        str(sup["tier"]),
                    )
                )
            else:
                loans.append(
                    Loan(
                        sup["coop"],
                        dem["coop"],
                        satang(dem["amount"]),
                        satang(dem["interest"]),
                        int(dem["term_days"]),
                        str(dem["tier"]),
                    )
                )
        return loans, sales

    def _decliner(self, view: dict[str, dict[str, Any]]) -> str | None:
        """Which party declines a proposal (None: both accept). One draw per proposal
        with a party that declines at all: the demand side declines when it falls under
        its share, else the supply side when it falls under its own."""
        demand, supply = view["demand"]["coop"], view["supply"]["coop"]
        quiet = Behaviour()
        d = self.behaviours.get(demand, quiet).decline_bps
        s = self.behaviours.get(supply, quiet).decline_bps
        if d <= 0 and s <= 0:
            return None
        u = int(self.rng.integers(10_000))
        return demand if u < d else supply if u < s else None

    def _book_round(
        self, t: int, setoffs: dict[str, int], relief: dict[str, int], loans: list[Loan]
    ) -> None:
        """Set-off, relief and loans into the books (the simulator's ``_apply_round``)."""
        st = self.books.st
        for key, amount in sorted(setoffs.items()):
            st.debts[key].remaining -= amount
            st.add("setoff", amount)
        for borrower, amount in sorted(relief.items()):
            st.covered[borrower] += amount
        for loan in loans:
            st.cash[loan.lender] -= loan.amount
            st.cash[loan.borrower] += loan.amount
            st.covered[loan.borrower] += loan.amount
            self.borrowed[loan.borrower] = self.borrowed.get(loan.borrower, 0) + loan.amount
            st.add("loans", loan.amount)
            st.add("interest", loan.interest)
            st.loan_tiers[loan.tier] = st.loan_tiers.get(loan.tier, 0) + loan.amount
            st.seq += 1
            st.owe(
                f"r{st.seq:06d}-{loan.borrower}",
                Debt(loan.borrower, loan.lender, loan.amount + loan.interest, t + loan.term_days),
            )

    def _pay_due(self, day: Day, today: date) -> None:
        """Due debts in key order, paid through ``/v1`` from the debtor's cash."""
        st, books = self.books.st, self.books
        never = self.never_pays
        for key, d in day.due.items():
            pay = min(d.remaining, max(0, st.cash[d.debtor]))
            if d.remaining <= 0 or pay <= 0 or d.debtor in never:
                continue
            if d.creditor != FUND_ID:
                oid = books.debt_order.get(key)
                if oid is None:
                    raise ReplayError(f"day {day.t}: the debt {key} is not in the database")
                body = {"amount": money(pay), "paid_on": today.isoformat()}
                self.caller.post(d.debtor, f"/v1/debts/{oid}/payments", body)
                self.counts.payments += 1
            d.remaining -= pay
            st.cash[d.debtor] -= pay
            if d.creditor == FUND_ID:
                st.fund += pay
            else:
                st.cash[d.creditor] += pay

    def _book_sales(self, t: int, credit_days: int, sales: list[Sale]) -> None:
        """Stock leaves, the seller pays transport, the buyer resells and owes the seller
        (the simulator's ``_apply_sales``; every buyer buys on credit)."""
        st, margin = self.books.st, self.setup.margin
        owed: dict[tuple[str, str], int] = {}
        parties: dict[tuple[str, str], tuple[str, str]] = {}
        for s in sales:
            _, _, arrived = s.lot.rpartition("-")
            st.stock[s.seller][int(arrived)] -= s.quantity
            value = s.price * s.quantity
            retail = value * (10_000 + margin[s.buyer]) // 10_000
            st.cash[s.seller] -= s.transport
            st.cash[s.buyer] += retail
            st.add("retail", retail)
            st.add("sold", s.quantity)
            st.add("sales", value)
            st.add("transport", s.transport)
            st.sale_tiers[s.tier] = st.sale_tiers.get(s.tier, 0) + value
            if s.buyer != s.seller and value > 0:
                owed[s.lot, s.order] = owed.get((s.lot, s.order), 0) + value
                parties[s.lot, s.order] = (s.buyer, s.seller)
        for src, dst in sorted(owed, key=lambda k: sale_obligation_id(*k)):
            buyer, seller = parties[src, dst]
            key = sale_obligation_id(src, dst) + f"@{t}"
            st.owe(key, Debt(buyer, seller, owed[src, dst], t + credit_days))

    def _withdraw(self, sales: list[Sale]) -> None:
        """Withdraw today's lots and purchase orders that are not sold or bought in full."""
        done: dict[str, int] = {}
        for s in sales:
            for sim_id in (s.lot, s.order):
                done[sim_id] = done.get(sim_id, 0) + s.quantity
        todo = [
            (coop, oid, self.caller.key())
            for coop, oid, quantity in self.books.leftovers
            if done.get(self.books.sim_of[oid], 0) < quantity
        ]
        self.pool(lambda x: self.caller.post(x[0], f"/v1/orders/{x[1]}/cancel", key=x[2]), todo)
        self.counts.withdrawn += len(todo)
        self.books.leftovers.clear()


def _find_instalment(
    open_debts: dict[str, dict[str, Any]],
    taken: set[str],
    debt: Debt,
    dates: tuple[date, ...],
) -> str | None:
    """The database debt a loan's instalment became: same creditor, due date and amount."""
    due = dates[debt.due].isoformat()
    for oid, x in sorted(open_debts.items()):
        terms = x.get("terms") or {}
        if (
            oid not in taken
            and terms.get("creditor_coop_id") == debt.creditor
            and terms.get("due_date") == due
            and satang(x["amount"]) == debt.remaining
        ):
            return oid
    return None


def new_books(setup: SeasonSetup, behaviours: dict[str, Behaviour] | None = None) -> Books:
    """The members' books at the season start (the simulator's opening state), late
    payers as their behaviours say (default: the policy's stress case)."""
    sc, policy = setup.scenario, setup.policy
    cash = {c.id: g.cash_baht for c, g in zip(sc.coops, sc.group_of, strict=True)}
    for c, g in zip(sc.coops, sc.group_of, strict=True):
        cash[c.id] += g.idle_funds_baht * policy.idle_funds_bps // 10_000
    delays = (
        late_by(behaviours)
        if behaviours is not None
        else dict.fromkeys(sorted(setup.late), policy.stress.late_days)
    )
    st = ReplayState(cash=cash, fund=policy.joint_fund_baht, late_by=delays)
    for collector in setup.collectors:
        cid = collector.coop_id
        st.stock[cid] = {}
        st.short[cid] = st.need[cid] = st.covered[cid] = 0
    return Books(st)
