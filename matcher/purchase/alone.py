"""The buy-alone baseline: what each need would save ordering by itself.

A need buying alone from offer s pays the schedule's price for its own volume q plus its
delivery; it may do so when the pair passes every rule and q ≥ the offer's minimum order:

    alone(b) = max(0, max_s [q·L − cost_s(q) − delivery_bs])

0 means it cannot buy alone at or below its highest price (or saves nothing). The baseline
looks at each need on its own (as if every offer's capacity were there for it alone); the
joint plan guarantees each served need at least this saving.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import offer_cost


@dataclass(frozen=True, slots=True)
class Alone:
    """A need's best buy-alone option."""

    saving_satang: int
    offer: int | None
    """Index of the offer (None: no option saves anything)."""


def alone_saving(problem: PurchaseProblem, pair: Pair) -> int | None:
    """Saving of the pair's need buying alone from the pair's offer (None: below min order)."""
    offer, need = problem.offers[pair.offer], problem.needs[pair.need]
    if need.quantity < offer.min_order_units:
        return None
    return pair.value_satang - offer_cost(offer, need.quantity)


def baseline(problem: PurchaseProblem, pairs: list[Pair]) -> list[Alone]:
    """The best buy-alone option of every need (ties: the smallest offer id)."""
    best = [Alone(0, None) for _ in problem.needs]
    for pair in pairs:
        saving = alone_saving(problem, pair)
        if saving is None or saving <= 0:
            continue
        cur = best[pair.need]
        if saving > cur.saving_satang or (
            saving == cur.saving_satang
            and cur.offer is not None
            and problem.offers[pair.offer].id < problem.offers[cur.offer].id
        ):
            best[pair.need] = Alone(saving, pair.offer)
    return best
