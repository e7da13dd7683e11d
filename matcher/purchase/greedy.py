"""A feasible starting plan for the solver: every need buys from its best buy-alone offer.

Needs are taken by buy-alone saving, largest first (ties: need id), and join the group of
their best buy-alone offer while its capacity lasts. Each group is rational: the schedule's
cost is subadditive (all-units prices never rise with volume; incremental cost is concave
with cost(0) = 0), so cost(V) ≤ Σ cost(q_b) and the group saves at least Σ A_b. Every
member's q_b is at least the offer's minimum order, so the group's volume is too.
"""

from __future__ import annotations

import heapq

from matcher.purchase.alone import Alone
from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import offer_cost, tier_windows


def greedy_plan(problem: PurchaseProblem, pairs: list[Pair], alone: list[Alone]) -> list[int]:
    """Indices into ``pairs`` of a feasible, group-rational plan."""
    index = {(p.need, p.offer): n for n, p in enumerate(pairs)}
    used = [0] * len(problem.offers)
    order = sorted(
        (i for i, a in enumerate(alone) if a.offer is not None),
        key=lambda i: (-alone[i].saving_satang, problem.needs[i].id),
    )
    plan: list[int] = []
    for i in order:
        j = alone[i].offer
        assert j is not None
        n = index.get((i, j))
        q = problem.needs[i].quantity
        if n is not None and used[j] + q <= problem.offers[j].capacity_units:
            used[j] += q
            plan.append(n)
    return sorted(plan)


def best_groups_plan(problem: PurchaseProblem, pairs: list[Pair], alone: list[int]) -> list[int]:
    """Build groups one at a time, the one that saves most first.

    For every offer not yet used and every tier window [lo, hi] at price p (fixed part F),
    the candidate group takes the free needs the offer can serve whose gain at that price,
    g_b = v_b − q_b·p, is at least their buy-alone saving, best gain per unit first, while the
    volume stays ≤ hi. It counts if its volume reaches lo; its saving is then recomputed
    exactly from the schedule. The best candidate is fixed, its needs leave the pool, and
    the search repeats until no candidate saves anything.

    The search is lazy (a candidate's saving only falls as needs leave the pool, so the
    one on top of the heap is recomputed and taken if it still beats the next).
    """
    by_offer: dict[int, list[int]] = {}
    for n, pair in enumerate(pairs):
        by_offer.setdefault(pair.offer, []).append(n)
    free = set(range(len(problem.needs)))
    plan: list[int] = []

    def best_of(j: int) -> tuple[int, list[int]]:
        found = _candidates(problem, pairs, alone, j, by_offer[j], free)
        return max(found, key=lambda c: c[0], default=(0, []))

    heap = [(-best_of(j)[0], j) for j in sorted(by_offer)]
    heapq.heapify(heap)
    while heap:
        _, j = heapq.heappop(heap)
        saving, members = best_of(j)
        if saving <= 0:
            continue
        if heap and (saving, -j) < (-heap[0][0], -heap[0][1]):
            heapq.heappush(heap, (-saving, j))
            continue
        plan.extend(members)
        free -= {pairs[n].need for n in members}
    return sorted(plan)


def _candidates(
    problem: PurchaseProblem,
    pairs: list[Pair],
    alone: list[int],
    j: int,
    ns: list[int],
    free: set[int],
) -> list[tuple[int, list[int]]]:
    out = []
    offer = problem.offers[j]
    for _, low, high, price, fixed in tier_windows(offer):
        rows = []
        for n in ns:
            i = pairs[n].need
            q = problem.needs[i].quantity
            gain = pairs[n].value_satang - q * price
            if i in free and gain >= alone[i] and gain > 0:
                rows.append((-gain / q, problem.needs[i].id, n, q))
        rows.sort()
        volume, members = 0, []
        for _, _, n, q in rows:
            if volume + q <= high:
                volume += q
                members.append(n)
        if volume < max(low, 1):
            continue
        value = sum(pairs[n].value_satang for n in members)
        saving = value - offer_cost(offer, volume)
        if saving - sum(alone[pairs[n].need] for n in members) >= 0 and fixed >= 0:
            out.append((saving, members))
    return out
