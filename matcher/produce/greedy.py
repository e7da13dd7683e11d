"""Baseline: what the phone does today — nearest buyer first, first come first served.

Lots are taken in order of arrival (then id); each is shipped to the nearest order (then the
earliest arrival) that accepts its grade, is within reach, can be delivered in time and pays
more than reserve + transport + spoilage, most local network first. Orders with a minimum lot
take a shipment only if it reaches the minimum. No processors and no fairness; with trucks,
each shipment pays for the trucks it needs. Used only to measure what the optimiser adds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.produce.checks import check_problem
from matcher.produce.distance import lane_cost, transit_days
from matcher.produce.model import ProduceProblem, Transport
from matcher.produce.state import build_state


@dataclass(frozen=True)
class GreedyOutcome:
    """Totals of the baseline (satang and base units)."""

    gains_satang: int
    transport_satang: int
    spoilage_satang: int
    units_sold: int
    shipments: tuple[tuple[str, str, int], ...]
    """(lot id, order id, units)."""


def solve_greedy(p: ProduceProblem) -> GreedyOutcome:
    """Run the nearest-buyer, first-come-first-served baseline."""
    st = build_state(p, check_problem(p))
    lot_order = sorted(range(st.n_lots), key=lambda i: (st.lots[i].arrival, st.lots[i].id))
    gains = transport = spoil = sold = 0
    ships: list[tuple[str, str, int]] = []
    arrival = np.array([o.arrival for o in st.orders], dtype=np.int64)
    qty = np.array([o.quantity for o in st.orders], dtype=np.int64)
    d = np.arange(st.n_orders, dtype=np.int64)
    for level in st.levels:
        net_o = st.coop_net_at[level][st.d_coop[d]]
        for i in lot_order:
            net = int(st.coop_net_at[level][st.s_coop[i]])
            if st.lot_rem[i] == 0 or net < 0 or st.s_expiry[i] < st.round_day:
                continue
            bid = st.d_bid[d, st.s_grade[i]]
            cand = np.flatnonzero(
                (net_o == net)
                & (st.d_prod[d] == st.s_prod[i])
                & (bid >= 0)
                & (st.order_rem > 0)
                & (st.d_coop[d] != st.s_coop[i])
            )
            if cand.size == 0:
                continue
            t = p.transport.of(st.products[st.s_prod[i]])
            table = st.dist.with_factor(t.road_factor_bps)
            dist = table.between(np.full(cand.size, st.s_coop[i]), st.d_coop[cand])
            day = st.s_ship_day[i] + transit_days(np.maximum(dist, 0), t.km_per_day)
            tr = lane_cost(np.maximum(dist, 0), t.cost_satang_per_unit_km)
            sp = st.s_spoil[i] * (day - st.round_day)
            gain = bid[cand] - st.s_reserve[i] - tr - sp
            ok = (
                (dist >= 0)
                & (dist <= t.max_distance_m)
                & (gain > 0)
                & (day <= np.minimum(st.s_expiry[i], st.d_due[cand]))
            )
            for k in np.lexsort((cand, arrival[cand], dist))[
                ok[np.lexsort((cand, arrival[cand], dist))]
            ]:
                o = int(cand[k])
                q = int(min(st.lot_rem[i], st.order_rem[o]))
                if q == 0 or qty[o] - st.order_rem[o] + q < st.order_min[o]:
                    continue
                st.lot_rem[i] -= q
                st.order_rem[o] -= q
                gains += q * int(gain[k]) - _truck_cost(t, q)
                transport += q * int(tr[k])
                spoil += q * int(sp[k])
                sold += q
                ships.append((st.lots[i].id, st.orders[o].id, q))
    return GreedyOutcome(gains, transport, spoil, sold, tuple(ships))


def _truck_cost(t: Transport, q: int) -> int:
    """Trucks a shipment of q units needs, at the per-truck cost (0 without trucks)."""
    if t.truck_capacity_units == 0:
        return 0
    return -(-q // t.truck_capacity_units) * t.truck_cost_satang
