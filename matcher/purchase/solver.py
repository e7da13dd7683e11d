"""Entry point of the joint-purchase matcher: check → pairs → baseline → MILP → sharing.

The answer does not depend on the input order: needs and offers are put in id order first,
and every output list follows that order.
"""

from __future__ import annotations

import math
from dataclasses import replace

from matcher.produce.distance import I64
from matcher.purchase import reasons
from matcher.purchase.alone import Alone, baseline
from matcher.purchase.checks import check_problem
from matcher.purchase.cpsat import solve_model
from matcher.purchase.explain import explain_unserved, offers_by_product
from matcher.purchase.greedy import best_groups_plan
from matcher.purchase.local import improve
from matcher.purchase.model import (
    Allocation,
    Clock,
    GroupOrder,
    NeedExplanation,
    PurchaseObjective,
    PurchaseProblem,
    PurchaseResult,
    SupplierOffer,
)
from matcher.purchase.rules import Pair, candidate_pairs, delivery_date, distances, reference_value
from matcher.purchase.schedule import lowest_price, offer_cost, tier_of
from matcher.purchase.sharing import shares
from matcher.results import SolveStatus, Timings

SOLVER = "cp-sat"


def solve_purchase(problem: PurchaseProblem, clock: Clock | None = None) -> PurchaseResult:
    """Choose buying groups that maximise the total saving, and share each group's saving.

    Args:
        problem: needs, offers, the sharing rule and the solve limits.
        clock: a monotonic nanosecond clock for the timings (none: timings are zero).

    Raises:
        InputError: when the problem breaks an input rule; nothing is solved.

    >>> from datetime import date
    >>> from matcher.purchase.model import PriceTier, PurchaseNeed, ScheduleKind, SupplierOffer
    >>> tiers = (PriceTier(0, 1999, 3000), PriceTier(2000, None, 2800))
    >>> offer = SupplierOffer("s", "depot", "diesel", ScheduleKind.ALL_UNITS, tiers, 0, 10_000,
    ...                       1_800_000, 9_900_000, 10_000)
    >>> needs = tuple(PurchaseNeed(f"n{k}", f"c{k}", "diesel", 1000, date(2026, 1, 9), 3000,
    ...                            1_800_000, 9_900_000) for k in range(2))
    >>> r = solve_purchase(PurchaseProblem(date(2026, 1, 5), needs, (offer,)))
    >>> r.status.value, r.objective.saving_satang, r.objective.alone_saving_satang
    ('optimal', 400000, 0)
    """
    now = clock or (lambda: 0)
    t0 = now()
    check_problem(problem)
    problem = replace(
        problem,
        needs=tuple(sorted(problem.needs, key=lambda n: n.id)),
        offers=tuple(sorted(problem.offers, key=lambda o: o.id)),
    )
    dist = distances(problem)
    pairs, pruned = _prune(problem, candidate_pairs(problem, dist))
    alone = baseline(problem, pairs if not pruned else candidate_pairs(problem, dist))
    t1 = now()
    savings = [a.saving_satang for a in alone]
    hint = improve(problem, pairs, savings, best_groups_plan(problem, pairs, savings))
    # The limit is CP-SAT's deterministic budget (never the clock), so the same input gives
    # the same answer whatever the machine's load; wall time varies with the load.
    answer = solve_model(problem, pairs, savings, hint, problem.time_limit_ms)
    t2 = now()
    chosen = [pairs[k] for k in answer.chosen]
    result = _build(problem, dist, chosen, alone)
    gap = _gap_bps(answer.bound, result.objective.saving_satang)
    notes = (f"each need kept its {problem.max_offers_per_need} best offers",) if pruned else ()
    t3 = now()
    return replace(
        result,
        status=_status(answer.limited, pruned, gap),
        gap_bps=gap,
        notes=notes,
        timings=Timings((t1 - t0) // 1_000_000, (t2 - t1) // 1_000_000, (t3 - t0) // 1_000_000),
    )


def _status(limited: bool, pruned: bool, gap_bps: int) -> SolveStatus:
    """Time-limited if the limit stopped the search; optimal only when proven and unpruned."""
    if limited:
        return SolveStatus.TIME_LIMITED
    if pruned or gap_bps > 0:
        return SolveStatus.FEASIBLE
    return SolveStatus.OPTIMAL


def _prune(problem: PurchaseProblem, pairs: list[Pair]) -> tuple[list[Pair], bool]:
    """Keep each need's best ``max_offers_per_need`` pairs by value at the lowest price."""
    k = problem.max_offers_per_need
    if k <= 0:
        return pairs, False
    by_need: dict[int, list[Pair]] = {}
    for pair in pairs:
        by_need.setdefault(pair.need, []).append(pair)
    kept: list[Pair] = []
    pruned = False
    for i in sorted(by_need):
        group = by_need[i]
        q = problem.needs[i].quantity
        group.sort(
            key=lambda p: (-(p.value_satang - q * lowest_price(problem.offers[p.offer])), p.offer)
        )
        pruned = pruned or len(group) > k
        kept.extend(sorted(group[:k], key=lambda p: p.offer))
    return kept, pruned


def _gap_bps(bound: float, best: int) -> int:
    """(bound − best) / |best| in basis points, rounded up; 0 once the bound is within 1 satang."""
    if math.isinf(bound) or math.isnan(bound):
        return 10_000
    slack = bound * (1 + 1e-9) - best
    if slack < 1:
        return 0
    return math.ceil(slack * 10_000 / max(abs(best), 1))


def _build(
    problem: PurchaseProblem, dist: I64, chosen: list[Pair], alone: list[Alone]
) -> PurchaseResult:
    """Groups, shares, allocations, explanations and the objective from the chosen pairs."""
    by_offer: dict[int, list[Pair]] = {}
    for pair in chosen:
        by_offer.setdefault(pair.offer, []).append(pair)
    volume = [0] * len(problem.offers)
    groups: list[GroupOrder] = []
    allocations: dict[int, Allocation] = {}
    for j in sorted(by_offer):
        members = sorted(by_offer[j], key=lambda p: problem.needs[p.need].id)
        group, allocs = _group(problem, j, members, alone)
        if group is None:
            continue
        volume[j] = group.volume
        groups.append(group)
        allocations.update(allocs)
    by_id = {g.offer_id: g for g in groups}
    of_product = offers_by_product(problem)
    explanations = [
        _explain_served(problem, allocations[i], by_id[allocations[i].offer_id], alone[i])
        if i in allocations
        else explain_unserved(problem, dist, i, volume, alone[i], of_product)
        for i in range(len(problem.needs))
    ]
    return PurchaseResult(
        status=SolveStatus.OPTIMAL,
        sharing=problem.sharing,
        allocations=tuple(allocations[i] for i in sorted(allocations)),
        groups=tuple(groups),
        explanations=tuple(explanations),
        objective=_objective(problem, allocations, groups, alone),
        solver=SOLVER,
        timings=Timings(0, 0, 0),
    )


def _group(
    problem: PurchaseProblem, j: int, members: list[Pair], alone: list[Alone]
) -> tuple[GroupOrder | None, dict[int, Allocation]]:
    """One offer's group with each member's share (None if rounding broke a group rule)."""
    offer = problem.offers[j]
    vol = sum(problem.needs[p.need].quantity for p in members)
    cost = offer_cost(offer, vol)
    saving = sum(p.value_satang for p in members) - cost
    floor = sum(alone[p.need].saving_satang for p in members)
    if not offer.min_order_units <= vol <= offer.capacity_units or saving < floor:
        return None, {}
    share = shares(
        problem.sharing,
        saving,
        [
            (
                problem.needs[p.need].quantity,
                alone[p.need].saving_satang,
                p.value_satang,
                problem.needs[p.need].id,
            )
            for p in members
        ],
    )
    allocs = {
        p.need: _allocation(problem, offer, p, s, alone[p.need])
        for p, s in zip(members, share, strict=True)
    }
    tier = tier_of(offer.tiers, vol)
    group = GroupOrder(
        offer_id=offer.id,
        supplier=offer.supplier,
        product=offer.product,
        volume=vol,
        tier=tier,
        unit_price_satang=offer.tiers[tier].price_satang_per_unit,
        goods_satang=cost,
        delivery_satang=sum(p.delivery_satang for p in members),
        saving_satang=saving,
        alone_saving_satang=floor,
        members=tuple(problem.needs[p.need].id for p in members),
    )
    return group, allocs


def _allocation(
    problem: PurchaseProblem, offer: SupplierOffer, p: Pair, share: int, alone: Alone
) -> Allocation:
    """A member's allocation: it pays its value at the highest price less its share."""
    need = problem.needs[p.need]
    return Allocation(
        need_id=need.id,
        offer_id=offer.id,
        buyer=need.buyer,
        supplier=offer.supplier,
        quantity=need.quantity,
        distance_m=p.distance_m,
        trucks=p.trucks,
        delivery_satang=p.delivery_satang,
        goods_satang=p.value_satang - share,
        pays_satang=reference_value(need) - share,
        saving_satang=share,
        alone_saving_satang=alone.saving_satang,
        delivery_date=delivery_date(offer, problem.round_date),
    )


def _explain_served(
    problem: PurchaseProblem, a: Allocation, group: GroupOrder, alone: Alone
) -> NeedExplanation:
    return NeedExplanation(
        need_id=a.need_id,
        buyer=a.buyer,
        served=True,
        offer_id=a.offer_id,
        tier=group.tier,
        saving_satang=a.saving_satang,
        alone_saving_satang=alone.saving_satang,
        alone_offer_id=None if alone.offer is None else problem.offers[alone.offer].id,
        reasons=(reasons.SERVED, reasons.POOLED if len(group.members) > 1 else reasons.ALONE),
    )


def _objective(
    problem: PurchaseProblem,
    allocations: dict[int, Allocation],
    groups: list[GroupOrder],
    alone: list[Alone],
) -> PurchaseObjective:
    return PurchaseObjective(
        saving_satang=sum(g.saving_satang for g in groups),
        alone_saving_satang=sum(a.saving_satang for a in alone),
        alone_saving_served_satang=sum(alone[i].saving_satang for i in allocations),
        reference_satang=sum(reference_value(problem.needs[i]) for i in allocations),
        goods_satang=sum(g.goods_satang for g in groups),
        delivery_satang=sum(g.delivery_satang for g in groups),
        units_served=sum(a.quantity for a in allocations.values()),
        units_needed=sum(n.quantity for n in problem.needs),
    )
