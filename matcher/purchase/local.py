"""Local search from the buy-alone plan: move needs between groups while the saving grows.

A *plan* gives each need an offer or none. Moves, tried in a fixed order (needs by id,
offers by id) so the result is deterministic:

* **move**: one need to another offer (or out), the best such move for each need;
* **merge**: every member of one group that another offer can serve moves there.

A move is taken only when the total saving Σ_s (Σ v_b − cost_s(V_s)) rises by at least one
satang and every group it touches stays feasible: volume in [minimum order, capacity] and
saving ≥ Σ A_b of its members (group rationality). The plan is the solver's hint.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import offer_cost

MAX_PASSES = 30
MAX_EVALUATIONS = 60_000
"""Work budget of the search (moves evaluated), so large rounds stay fast and deterministic."""


@dataclass
class _Group:
    volume: int = 0
    value: int = 0
    alone: int = 0


class Plan:
    """Mutable plan with each group's running sums."""

    def __init__(self, problem: PurchaseProblem, pairs: list[Pair], alone: list[int]) -> None:
        self.p, self.pairs, self.alone = problem, pairs, alone
        self.index = {(x.need, x.offer): n for n, x in enumerate(pairs)}
        self.offers_of: dict[int, list[int]] = {}
        for x in pairs:
            self.offers_of.setdefault(x.need, []).append(x.offer)
        self.at: dict[int, int] = {}
        self.groups = [_Group() for _ in problem.offers]
        self.evaluations = 0

    def saving(self, j: int, g: _Group) -> int:
        """The group's saving (0 for an empty group)."""
        return 0 if g.volume == 0 else g.value - offer_cost(self.p.offers[j], g.volume)

    def ok(self, j: int, g: _Group) -> bool:
        """Volume within [minimum order, capacity] and the group rational."""
        if g.volume == 0:
            return True
        o = self.p.offers[j]
        return o.min_order_units <= g.volume <= o.capacity_units and self.saving(j, g) >= g.alone

    def moved(self, j: int, needs: list[int], sign: int) -> _Group:
        """Group ``j`` with ``needs`` added (sign 1) or removed (sign −1)."""
        g = self.groups[j]
        out = _Group(g.volume, g.value, g.alone)
        for i in needs:
            pair = self.pairs[self.index[(i, j)]]
            out.volume += sign * self.p.needs[i].quantity
            out.value += sign * pair.value_satang
            out.alone += sign * self.alone[i]
        return out

    def apply(self, needs: list[int], src: int | None, dst: int | None) -> None:
        if src is not None:
            self.groups[src] = self.moved(src, needs, -1)
        if dst is not None:
            self.groups[dst] = self.moved(dst, needs, 1)
        for i in needs:
            if dst is None:
                self.at.pop(i, None)
            else:
                self.at[i] = dst

    def gain(self, needs: list[int], src: int | None, dst: int | None) -> int | None:
        """Change in total saving of moving ``needs`` from ``src`` to ``dst`` (None: infeasible)."""
        self.evaluations += 1
        if self.evaluations > MAX_EVALUATIONS:
            return None
        delta = 0
        for j, sign in ((src, -1), (dst, 1)):
            if j is None:
                continue
            new = self.moved(j, needs, sign)
            if not self.ok(j, new):
                return None
            delta += self.saving(j, new) - self.saving(j, self.groups[j])
        return delta

    def chosen(self) -> list[int]:
        return sorted(self.index[(i, j)] for i, j in self.at.items())


def improve(
    problem: PurchaseProblem, pairs: list[Pair], alone: list[int], start: list[int]
) -> list[int]:
    """Improve the feasible plan ``start`` (pair indices) by moves and merges."""
    plan = Plan(problem, pairs, alone)
    for n in start:
        plan.apply([pairs[n].need], None, pairs[n].offer)
    for _ in range(MAX_PASSES):
        if not (_single_moves(plan) | _merges(plan)):
            break
    return plan.chosen()


def _single_moves(plan: Plan) -> bool:
    changed = False
    for i in sorted(plan.offers_of, key=lambda i: plan.p.needs[i].id):
        src = plan.at.get(i)
        best, target = 0, -2
        for dst in [None, *plan.offers_of[i]]:
            if dst == src:
                continue
            gain = plan.gain([i], src, dst)
            if gain is not None and gain > best:
                best, target = gain, dst if dst is not None else -1
        if target != -2:
            plan.apply([i], src, None if target == -1 else target)
            changed = True
    return changed


def _merges(plan: Plan) -> bool:
    changed = False
    members: dict[int, list[int]] = {}
    for i, j in sorted(plan.at.items()):
        members.setdefault(j, []).append(i)
    for src in sorted(members):
        for dst in sorted(members):
            if dst == src or plan.p.offers[dst].product != plan.p.offers[src].product:
                continue
            movable = [i for i in members[src] if (i, dst) in plan.index and plan.at.get(i) == src]
            if not movable:
                continue
            gain = plan.gain(movable, src, dst)
            if gain is not None and gain > 0:
                plan.apply(movable, src, dst)
                changed = True
    return changed
