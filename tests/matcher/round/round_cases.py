"""Shared builders for the combined-round tests: a small Lamphun tree and a crafted round."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from matcher.domain import Coop, Network, NetworkLevel
from matcher.liquidity.model import LoanNeed, LoanOffer
from matcher.produce.model import (
    GradeBid,
    ProduceProblem,
    Product,
    PurchaseOrder,
    StockLot,
    Transport,
)
from matcher.round.combined import solve_round
from matcher.round.model import CreditTerms, RoundProblem, RoundResult
from matcher.round.validator import validate_round
from matcher.setoff.model import Obligation

DAY = date(2025, 8, 12)
LONGAN = Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A"))
PLACES = {"a": (1855230, 9905934), "b": (1841906, 9888671), "c": (1826703, 9882343),
          "d": (1778798, 9888449), "e": (1879083, 9895560)}  # fmt: skip
"""District centroids from th_districts.csv (1e-5 degrees)."""


def coops(*ids: str) -> tuple[Coop, ...]:
    """Coops at Lamphun district centroids (ids a–e)."""
    return tuple(
        Coop(i, f"สหกรณ์ {i}", f"Coop {i}", lat_e5=PLACES[i][0], lon_e5=PLACES[i][1]) for i in ids
    )


def network(*ids: str) -> Network:
    """One provincial network holding every coop."""
    return Network("lp", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE, members=ids)


def ob(ident: str, debtor: str, creditor: str, amount: int, due: date | None = DAY) -> Obligation:
    """An obligation due today unless told otherwise."""
    return Obligation(ident, debtor, creditor, amount, due)


def need(ident: str, borrower: str, amount: int, min_amount: int = 0) -> LoanNeed:
    """A 30-day need at up to 6 %."""
    return LoanNeed(ident, borrower, amount, 600, 30, min_amount, urgency=5)


def offer(ident: str, lender: str, amount: int) -> LoanOffer:
    """A 90-day offer from 3 %."""
    return LoanOffer(ident, lender, amount, 300, 90)


def produce(ids: tuple[str, ...], lots: Any, orders: Any, day: date = DAY) -> ProduceProblem:
    """A produce round on the coops ``ids`` with cheap transport."""
    return ProduceProblem(day, coops(*ids), (network(*ids),), (LONGAN,), lots, orders, Transport(2))


def lot(ident: str, seller: str, qty: int, reserve: int = 1_500) -> StockLot:
    """AA longan ready today, keeping three days."""
    return StockLot(ident, seller, "longan", "AA", qty, reserve, DAY, DAY + timedelta(days=3))


def order(ident: str, buyer: str, qty: int, price: int = 2_100) -> PurchaseOrder:
    """An order for AA longan delivered by tomorrow."""
    return PurchaseOrder(ident, buyer, "longan", (GradeBid("AA", price),), qty, DAY + timedelta(1))


def crafted(**kw: Any) -> RoundProblem:
    """a and b owe each other (a cycle with c); a and b need cash; d lends; e buys on credit.

    Set-off clears 300 of a's payables due today and 300 of b's; c's payable is dated later.
    """
    ids = ("a", "b", "c", "d", "e")
    base = RoundProblem(
        business_date=DAY,
        coops=coops(*ids),
        networks=(network(*ids),),
        obligations=(
            ob("x1", "a", "b", 400),
            ob("x2", "b", "c", 300),
            ob("x3", "c", "a", 300, DAY + timedelta(days=5)),
        ),
        offers=(offer("o1", "d", 10_000),),
        needs=(need("n2", "a", 500, 300), need("n1", "a", 100), need("m1", "b", 1_000)),
        produce=produce(ids, (lot("L1", "a", 100), lot("L2", "b", 50)), (order("P1", "e", 120),)),
        credit=CreditTerms(sale_credit_days=15, credit_buyers=("e",)),
    )
    return replace(base, **kw)


def solve_valid(problem: RoundProblem) -> RoundResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_round(problem)
    assert validate_round(problem, result) == []
    return result
