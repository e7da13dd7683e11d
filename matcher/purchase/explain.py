"""Explanations per need: served (pooled or alone, tier, saving) or the first rule that stopped it.

For an unserved need the rules are tried in a fixed order over the offers of its product,
and the first that leaves no offer is the reason: no offer → out of reach → too late →
above capacity → price above limit (lowest tier price plus delivery) → capacity taken by
others → below the minimum order with no group to join → no saving.
"""

from __future__ import annotations

from collections.abc import Callable

from matcher.produce.distance import I64
from matcher.purchase import reasons
from matcher.purchase.alone import Alone
from matcher.purchase.model import NeedExplanation, PurchaseProblem
from matcher.purchase.rules import delivery_cost, fits, in_reach, in_time, reference_value
from matcher.purchase.schedule import lowest_price


def unserved_reason(
    problem: PurchaseProblem,
    dist: I64,
    i: int,
    volume: list[int],
    of_product: dict[str, list[int]] | None = None,
) -> str:
    """The stable code of the first rule that keeps need ``i`` out of every group.

    ``of_product`` (product → offer indices, from :func:`offers_by_product`) saves scanning
    every offer for each need in large rounds.
    """
    need = problem.needs[i]
    if of_product is None:
        of_product = offers_by_product(problem)
    offers = of_product.get(need.product, [])
    steps: tuple[tuple[str, Callable[[int], bool]], ...] = (
        (reasons.NO_OFFER, lambda j: True),
        (reasons.OUT_OF_REACH, lambda j: in_reach(problem.offers[j], int(dist[j, i]))),
        (reasons.TOO_LATE, lambda j: in_time(problem.offers[j], need, problem.round_date)),
        (reasons.ABOVE_CAPACITY, lambda j: fits(problem.offers[j], need)),
        (reasons.PRICE_ABOVE_LIMIT, lambda j: _price_ok(problem, dist, i, j)),
        (
            reasons.CAPACITY_TAKEN,
            lambda j: volume[j] + need.quantity <= problem.offers[j].capacity_units,
        ),
        (
            reasons.BELOW_MIN_ORDER,
            lambda j: volume[j] > 0 or need.quantity >= problem.offers[j].min_order_units,
        ),
    )
    for code, keep in steps:
        offers = [j for j in offers if keep(j)]
        if not offers:
            return code
    return reasons.NO_SAVING


def offers_by_product(problem: PurchaseProblem) -> dict[str, list[int]]:
    """Offer indices per product, in offer order."""
    out: dict[str, list[int]] = {}
    for j, offer in enumerate(problem.offers):
        out.setdefault(offer.product, []).append(j)
    return out


def _price_ok(problem: PurchaseProblem, dist: I64, i: int, j: int) -> bool:
    """At the offer's lowest tier price plus delivery the need stays within its limit."""
    need, offer = problem.needs[i], problem.offers[j]
    cost = need.quantity * lowest_price(offer) + delivery_cost(
        offer, need.quantity, int(dist[j, i])
    )
    return cost <= reference_value(need)


def explain_unserved(
    problem: PurchaseProblem,
    dist: I64,
    i: int,
    volume: list[int],
    alone: Alone,
    of_product: dict[str, list[int]] | None = None,
) -> NeedExplanation:
    """The explanation of need ``i`` that no group serves."""
    need = problem.needs[i]
    return NeedExplanation(
        need_id=need.id,
        buyer=need.buyer,
        served=False,
        offer_id=None,
        tier=None,
        saving_satang=0,
        alone_saving_satang=alone.saving_satang,
        alone_offer_id=None if alone.offer is None else problem.offers[alone.offer].id,
        reasons=(unserved_reason(problem, dist, i, volume, of_product),),
    )
