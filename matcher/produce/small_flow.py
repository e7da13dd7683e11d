"""The min-cost flow of a small tier, built from Python lists as :mod:`matcher.produce.flow`
builds it from arrays (no processors): the same nodes and the same arcs in the same order,
so OR-Tools returns the same flow.

Nodes: S = 0, T = 1, then one hub per lot, then (with K fairness segments) one segment end
per lot, then one node per order. Arcs: S → hub (open quantity, cost = expiry rank when
ages differ), hub → segment end (segment k of the lot's sold share, cost −(K + 1 − k)·M),
order → T (open quantity), the lanes (cost −gain·G) and S → T (what stays unsold).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.produce.flow import _map_status, resolution

Lane = tuple[int, int, int, int, int, int, int, int]
"""(demand, supply, component, distance m, transport, spoilage, gain, delivery day)."""


class NeedsStages(Exception):
    """A tier too large for exact weights: the array path solves it in stages
    (:mod:`matcher.produce.staged`), so the caller solves the round there."""


@dataclass(frozen=True)
class OpenLots:
    """Per lot: what is still open, what was offered and the rank of its expiry."""

    rem: list[int]
    qty: list[int]
    age: list[int]


def tier_flow(
    lanes: list[Lane], lots: OpenLots, order_rem: list[int], steps: int
) -> tuple[list[int], bool]:
    """Flow on every lane, one min-cost flow per component (as ``flow.solve_tier_flow``).

    Args:
        lanes: the tier's lanes sorted by (demand, supply).
        lots: the lots' open and offered quantities and expiry ranks.
        order_rem: what each order still takes.
        steps: K, the fairness segments per lot (0 under the coverage policy).

    Returns:
        The flow per lane and whether the fairness resolution had to be reduced.
    """
    by_comp: dict[int, list[int]] = {}
    for i, ln in enumerate(lanes):
        by_comp.setdefault(ln[2], []).append(i)
    flow = [0] * len(lanes)
    reduced = False
    for comp in sorted(by_comp):
        idx = by_comp[comp]
        got, cut = _component([lanes[i] for i in idx], lots, order_rem, steps)
        reduced |= cut
        for i, f in zip(idx, got, strict=True):
            flow[i] = f
    return flow, reduced


def _component(
    lanes: list[Lane], lots: OpenLots, order_rem: list[int], k: int
) -> tuple[list[int], bool]:
    """One component's min-cost flow (as ``flow._solve_component``)."""
    ids = sorted({ln[1] for ln in lanes})
    total = sum(lots.rem[s] for s in ids)
    n_age = max(lots.age[s] for s in ids) + 1
    # As flow.cycle_gain_bound for direct lanes: Σ over orders of the largest gain into it.
    top: dict[int, int] = {}
    for ln in lanes:
        top[ln[0]] = max(top.get(ln[0], 0), ln[6])
    span = sum(top.values()) if k else max(top.values())
    fair = k > 0
    k, n_age, m, reduced = resolution(k, n_age, total, span)
    if reduced and fair:
        raise NeedsStages
    arcs = _Arcs(lanes, ids, lots, order_rem)
    return arcs.solve(total, k, m if k else 0, n_age, n_age > 1), reduced


class _Arcs:
    """Node numbers and arc lists of one component."""

    def __init__(
        self, lanes: list[Lane], ids: list[int], lots: OpenLots, order_rem: list[int]
    ) -> None:
        self.lanes, self.ids, self.lots, self.order_rem = lanes, ids, lots, order_rem
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.caps: list[int] = []
        self.costs: list[int] = []

    def _segments(self, hub: dict[int, int], end: dict[int, int], k: int, m: int) -> None:
        """Segment c covers the sold share ((c−1)/K, c/K]: ceil(q·c/K) − its lower end."""
        rem, qty = self.lots.rem, self.lots.qty
        for s in self.ids:
            q, h, e = qty[s], hub[s], end[s]
            sold, low = q - rem[s], 0
            for c in range(1, k + 1):
                high = -((-q * c) // k)
                cap = high - (low if low > sold else sold)
                low = high
                if cap > 0:
                    self.tails.append(h)
                    self.heads.append(e)
                    self.caps.append(cap)
                    self.costs.append((c - 1 - k) * m)

    def solve(self, total: int, k: int, m: int, g: int, age: bool) -> list[int]:
        """Build the arcs in the array path's order, solve, return the flow on each lane."""
        lanes, ids, rem, o_rem = self.lanes, self.ids, self.lots.rem, self.order_rem
        orders = sorted({ln[0] for ln in lanes})
        nl = len(ids)
        hub = {s: 2 + i for i, s in enumerate(ids)}
        end = {s: h + nl for s, h in hub.items()} if k else hub
        base = 2 + (2 * nl if k else nl)
        onode = {d: base + j for j, d in enumerate(orders)}
        self.tails += [0] * nl
        self.heads += hub.values()
        self.caps += [rem[s] for s in ids]
        self.costs += [self.lots.age[s] for s in ids] if age else [0] * nl
        if k:
            self._segments(hub, end, k, m)
        self.tails += onode.values()
        self.heads += [1] * len(orders)
        self.caps += [o_rem[d] for d in orders]
        self.costs += [0] * len(orders)
        first = len(self.tails)
        self.tails += [end[ln[1]] for ln in lanes]
        self.heads += [onode[ln[0]] for ln in lanes]
        self.caps += [min(rem[ln[1]], o_rem[ln[0]]) for ln in lanes]
        self.costs += [-ln[6] * g for ln in lanes]
        self.tails.append(0)
        self.heads.append(1)
        self.caps.append(total)
        self.costs.append(0)
        return self._run(base + len(orders), total, first)

    def _run(self, n_nodes: int, total: int, first: int) -> list[int]:
        smcf = min_cost_flow.SimpleMinCostFlow()
        idx = smcf.add_arcs_with_capacity_and_unit_cost(
            *(np.array(x, np.int64) for x in (self.tails, self.heads, self.caps, self.costs))
        )
        supplies = np.zeros(n_nodes, np.int64)
        supplies[0], supplies[1] = total, -total
        smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
        _map_status(smcf, smcf.solve())
        out: list[int] = smcf.flows(idx[first : first + len(self.lanes)]).tolist()
        return out
