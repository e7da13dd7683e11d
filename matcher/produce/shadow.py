"""Shadow values of supply: what one more unit would add to the gains from trade.

Per tier, the transport LP over the direct lot → order lanes (max Σ gain·x; lot rows
Σ x ≤ open quantity with dual u_s, order rows Σ x ≤ open quantity with dual v_d) is solved
with GLOP (:func:`matcher.produce.prices.transport_duals`). The dual u_s is the value of one
more unit of lot s: by LP sensitivity, f(a_s + 1) − f(a_s) ≤ u_s ≤ f(a_s) − f(a_s − 1).
A group (tier, network, product, grade) reports its largest u_s where it is positive (supply
is scarce there); each lot's explanation keeps the u_s of the last tier where it had a lane.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from matcher.domain import NetworkLevel
from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.model import ShadowValue
from matcher.produce.state import ProduceState

NOT_COMPUTED = -1


def marginal_duals(
    s: I64, d: I64, gain: I64, supply_cap: I64, demand_cap: I64
) -> tuple[I64, I64] | None:
    """The least supply duals u (and the matching v) of the transport LP, exactly.

    A gain-optimal flow x comes from a min-cost flow. The optimal duals are then the
    solutions of difference constraints (complementary slackness with x), in u_s and
    w_d = −v_d with a slack node O fixed at 0: w_d ≤ u_s − g_sd on every lane,
    u_s ≤ w_d + g_sd where x_sd > 0, u_s ≥ 0, u_s ≤ 0 where the lot has slack, w_d ≤ 0,
    and w_d ≥ 0 where the order has slack. The least solution, u_s = −dist(s → O) over
    the constraint graph, is the smallest optimal u_s: the right derivative
    f(a_s + 1) − f(a_s), the exact value of one more unit. Returns None if the shortest
    paths do not settle (a flow that is not optimal; the caller then asks GLOP).
    """
    n_s, n_d = supply_cap.size, demand_cap.size
    x = _gain_flow(s, d, gain, supply_cap, demand_cap)
    lot_slack = np.bincount(s, weights=x, minlength=n_s) < supply_cap
    order_slack = np.bincount(d, weights=x, minlength=n_d) < demand_cap
    o = n_s + n_d
    used = x > 0
    # Edge i → j with weight w means x_j ≤ x_i + w; nodes: lots, then orders, then O.
    tail = np.concatenate([s, n_s + d[used], np.arange(n_s), np.flatnonzero(order_slack) + n_s])
    head = np.concatenate([n_s + d, s[used], np.full(n_s, o), np.full(int(order_slack.sum()), o)])
    weight = np.concatenate([-gain, gain[used], np.zeros(n_s + int(order_slack.sum()), np.int64)])
    # Edges out of O (O → s where the lot has slack, O → d always) do not shorten any
    # path to O (no negative cycle through O), so they only matter as constraints.
    dist = _dist_to(o, tail, head, weight, o + 1)
    if dist is None:
        return None
    # Orders without a lane never reach O: no constraint, dual 0.
    dist[~np.isfinite(dist)] = 0.0
    u, v = -dist[:n_s], dist[n_s:o]
    if (u[lot_slack] != 0).any() or (v < 0).any():
        return None  # the constraints out of O are broken: x was not optimal
    return u.astype(np.int64), v.astype(np.int64)


def _gain_flow(s: I64, d: I64, gain: I64, supply_cap: I64, demand_cap: I64) -> I64:
    """A flow on the lanes that maximises Σ gain·x (min-cost flow with a bypass)."""
    n_s = supply_cap.size
    total = int(supply_cap.sum())
    lots, orders = np.arange(n_s), np.arange(demand_cap.size)
    tails = np.concatenate([np.zeros(n_s, np.int64), 2 + s, 2 + n_s + orders, [0]])
    heads = np.concatenate([2 + lots, 2 + n_s + d, np.ones(orders.size, np.int64), [1]])
    caps = np.concatenate([supply_cap, supply_cap[s], demand_cap, [total]])
    costs = np.concatenate([np.zeros(n_s, np.int64), -gain, np.zeros(orders.size, np.int64), [0]])
    smcf = min_cost_flow.SimpleMinCostFlow()
    idx = smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int64), heads.astype(np.int64), caps.astype(np.int64), costs
    )
    supplies = np.zeros(2 + n_s + orders.size, np.int64)
    supplies[0], supplies[1] = total, -total
    smcf.set_nodes_supplies(np.arange(supplies.size, dtype=np.int64), supplies)
    if smcf.solve() != smcf.OPTIMAL:
        return np.zeros(s.size, np.int64)
    out: I64 = smcf.flows(idx[n_s : n_s + s.size]).astype(np.int64)
    return out


def _dist_to(
    target: int, tail: I64, head: I64, weight: I64, n_nodes: int
) -> npt.NDArray[np.float64] | None:
    """Shortest distance from every node to ``target`` (Bellman–Ford on whole arrays)."""
    order = np.argsort(tail, kind="stable")
    tail, head, weight = tail[order], head[order], weight[order]
    nodes, starts = np.unique(tail, return_index=True)
    dist = np.full(n_nodes, np.inf)
    dist[target] = 0.0
    for _ in range(n_nodes + 1):
        via = np.minimum.reduceat(weight + dist[head], starts)
        better = via < dist[nodes]
        if not better.any():
            return dist
        dist[nodes[better]] = via[better]
    return None


class ShadowBook:
    """Lot duals collected tier by tier."""

    def __init__(self, n_lots: int) -> None:
        self.per_lot: I64 = np.full(n_lots, NOT_COMPUTED, dtype=np.int64)
        self.tiers: list[tuple[NetworkLevel, I64, I64, I64]] = []

    def add(self, st: ProduceState, level: NetworkLevel, lanes: TierLanes, u: I64) -> None:
        """Record the duals ``u`` (one per lot) of the lots with a direct lane in the tier."""
        direct = (lanes.s < st.n_lots) & (lanes.d < st.n_orders)
        key = np.unique(lanes.comp[direct] * st.n_lots + lanes.s[direct])
        comp, lot = key // max(st.n_lots, 1), key % max(st.n_lots, 1)
        self.per_lot[lot] = u[lot]
        self.tiers.append((level, comp, lot, u[lot]))

    def lot_value(self, lot: int) -> int | None:
        """The lot's shadow value in satang per unit, or None where none was computed."""
        value = int(self.per_lot[lot])
        return None if value == NOT_COMPUTED else value

    def values(self, st: ProduceState) -> tuple[ShadowValue, ...]:
        """The largest positive u_s per (tier, network, product, grade), tiers in order."""
        out: list[ShadowValue] = []
        n_grades = max((len(g) for g in st.grades), default=1)
        for level, comp, lot, u in self.tiers:
            group = (comp * len(st.products) + st.s_prod[lot]) * n_grades + st.s_grade[lot]
            # Best first inside each group: largest value, then smallest lot index (id).
            order = np.lexsort((lot, -u, group))
            first = np.ones(order.size, dtype=bool)
            first[1:] = group[order][1:] != group[order][:-1]
            rows = [
                ShadowValue(
                    tier=level.name.lower(),
                    network_id=st.net_ids[int(comp[i])],
                    product=st.products[int(st.s_prod[lot[i]])],
                    grade=st.grades[int(st.s_prod[lot[i]])][int(st.s_grade[lot[i]])],
                    satang_per_unit=int(u[i]),
                    lot_id=st.lots[int(lot[i])].id,
                )
                for i in order[first]
                if u[i] > 0
            ]
            out.extend(sorted(rows, key=lambda r: (r.network_id, r.product, r.grade)))
        return tuple(out)
