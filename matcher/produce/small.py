"""Small rounds in plain Python: the array path's lanes and min-cost flows, without numpy.

A season simulation solves tens of thousands of produce rounds of a few lots and orders;
there numpy's fixed cost per call, not the work, sets the time of each tier. For a round
without processors or trucks whose shadow values are off and whose prices follow the split
rule (:func:`eligible`), :class:`SmallRound` builds each tier's lanes exactly as
:func:`matcher.produce.lanes.tier_lanes` does (same rules, same stages marked, same order:
by demand, then supply) and solves the same flow network as :mod:`matcher.produce.flow`:
the same nodes, the same arcs in the same order, so OR-Tools returns the same flow, and
prices the matches as :mod:`matcher.produce.matches` does. Tests compare both paths on
random small rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from ortools.graph.python import min_cost_flow

from matcher.domain import NetworkLevel
from matcher.produce.flow import COST_BUDGET, _map_status
from matcher.produce.lanes import DEG_PER_M
from matcher.produce.model import PriceRule, ProduceMatch, ProduceProblem
from matcher.produce.state import ProduceState
from matcher.results import FairnessPolicy

SMALL_PAIRS = 1_024
"""Rounds with at most this many (lot, order) pairs take the plain-Python path."""

Lane = tuple[int, int, int, int, int, int, int, int]
"""(demand, supply, component, distance m, transport, spoilage, gain, delivery day)."""


def eligible(p: ProduceProblem) -> bool:
    """Whether the round may take this path (see the module docstring)."""
    return (
        not p.processors
        and not p.trucks
        and p.price_rule is PriceRule.SPLIT
        and p.shadow_max_lanes == 0
        and len(p.lots) * len(p.orders) <= SMALL_PAIRS
    )


@dataclass(frozen=True)
class SmallTier:
    """What the solver books of one solved tier."""

    lanes: int
    """Candidate lanes."""
    pruned: bool
    excluded: tuple[int, ...]
    """Orders left out because the tier would fill them below their minimum lot."""
    reduced: bool


class SmallRound:
    """The round's arrays as Python lists; solves tiers and keeps what is still open."""

    def __init__(
        self, st: ProduceState, p: ProduceProblem, pair_m: list[list[int]] | None = None
    ) -> None:
        """Take the round's arrays; ``pair_m`` holds ``st.dist`` of every coop pair, if known
        (:attr:`matcher.produce.state.Layout.pair_m`)."""
        self.st, self.t, self.pair_m = st, p.transport, pair_m
        self.n_lots, self.n_orders, self.n_prod = st.n_lots, st.n_orders, len(st.products)
        self.policy, self.steps = p.policy, p.fairness_steps
        self.max_lanes = p.max_lanes_per_order
        self.day0 = st.round_day
        self.s_coop, self.s_prod = st.s_coop.tolist(), st.s_prod.tolist()
        self.s_grade, self.s_reserve = st.s_grade.tolist(), st.s_reserve.tolist()
        self.s_spoil, self.s_ship = st.s_spoil.tolist(), st.s_ship_day.tolist()
        self.s_expiry, self.s_age = st.s_expiry.tolist(), st.s_age.tolist()
        self.d_coop, self.d_prod = st.d_coop.tolist(), st.d_prod.tolist()
        self.d_bid, self.d_due = st.d_bid.tolist(), st.d_due.tolist()
        self.lot_rem, self.order_rem = st.lot_rem.tolist(), st.order_rem.tolist()
        self.lot_qty, self.order_qty = st.lot_qty.tolist(), st.order_qty.tolist()
        self.order_min = st.order_min.tolist()
        self.net_at = {lv: col.tolist() for lv, col in st.coop_net_at.items()}
        self.lat, self.lon = st.dist.lat.tolist(), st.dist.lon.tolist()
        self.stage_lot, self.stage_order = st.stage_lot.tolist(), st.stage_order.tolist()
        self.shipped: list[tuple[Lane, int, str]] = []
        """(lane, units, tier) of every lane with flow, tier by tier."""

    def _keys(
        self, level: NetworkLevel, exclude: tuple[int, ...] = ()
    ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Open supply and demand nodes by (network × product) key, in index order."""
        net, n_prod = self.net_at[level], self.n_prod
        sup: dict[int, list[int]] = {}
        for s in range(self.n_lots):
            c = net[self.s_coop[s]]
            if self.lot_rem[s] > 0 and self.s_expiry[s] >= self.day0 and c >= 0:
                sup.setdefault(c * n_prod + self.s_prod[s], []).append(s)
        dem: dict[int, list[int]] = {}
        for d in range(self.n_orders):
            c = net[self.d_coop[d]]
            if self.order_rem[d] > 0 and c >= 0 and d not in exclude:
                dem.setdefault(c * n_prod + self.d_prod[d], []).append(d)
        return sup, dem

    def has_trade(self, level: NetworkLevel) -> bool:
        """As :func:`matcher.produce.lanes.has_trade`."""
        sup, dem = self._keys(level)
        return not sup.keys().isdisjoint(dem.keys())

    def solve_tier(self, level: NetworkLevel) -> SmallTier:
        """Lanes and flow of the tier, leaving out orders it would fill below their minimum."""
        exclude: tuple[int, ...] = ()
        while True:
            lanes, pruned = self._lanes(level, exclude)
            flow, reduced = self._flow(lanes)
            bad = self._below_min(lanes, flow)
            if not bad:
                break
            exclude = tuple(sorted(set(exclude) | set(bad)))
        tier = level.name.lower()
        for ln, f in zip(lanes, flow, strict=True):
            if f > 0:
                self.lot_rem[ln[1]] -= f
                self.order_rem[ln[0]] -= f
                self.shipped.append((ln, f, tier))
        return SmallTier(len(lanes), pruned, exclude, reduced)

    def matches(self) -> tuple[ProduceMatch, ...]:
        """Priced matches of every tier, as :func:`matcher.produce.matches.build_matches`."""
        st = self.st
        out = []
        for (d, s, comp, dist, transport, spoil, _, day), q, tier in self.shipped:
            grade, prod = self.s_grade[s], self.s_prod[s]
            bid = self.d_bid[d][grade]
            out.append(
                ProduceMatch(
                    source_id=st.lots[s].id,
                    target_id=st.orders[d].id,
                    seller=st.coop_ids[self.s_coop[s]],
                    buyer=st.coop_ids[self.d_coop[d]],
                    product=st.products[prod],
                    grade=st.grades[prod][grade],
                    quantity=q,
                    distance_m=dist,
                    price_satang_per_unit=_half_even_mid(
                        self.s_reserve[s] + transport + spoil, bid
                    ),
                    value_satang=bid * q,
                    transport_satang=transport * q,
                    spoilage_satang=spoil * q,
                    trucks=0,
                    tier=tier,
                    network_id=st.net_ids[comp],
                    delivery_date=date.fromordinal(day),
                )
            )
        out.sort(key=lambda m: (m.source_id, m.target_id, m.tier))
        return tuple(out)

    def write_back(self) -> None:
        """Store what is still open and the stages reached in the round's arrays."""
        st = self.st
        st.lot_rem[:] = self.lot_rem
        st.order_rem[:] = self.order_rem
        st.stage_lot[:] = self.stage_lot
        st.stage_order[:] = self.stage_order

    def _below_min(self, lanes: list[Lane], flow: list[int]) -> list[int]:
        """Orders the flow would leave strictly between 0 and their minimum lot, sorted."""
        got: dict[int, int] = {}
        for (d, *_), f in zip(lanes, flow, strict=True):
            got[d] = got.get(d, 0) + f
        return sorted(
            d
            for d, g in got.items()
            if g > 0 and self.order_qty[d] - self.order_rem[d] + g < self.order_min[d]
        )

    def _lanes(self, level: NetworkLevel, exclude: tuple[int, ...]) -> tuple[list[Lane], bool]:
        """Every candidate lane of the tier, sorted by (demand, supply); whether any was cut."""
        sup, dem = self._keys(level, exclude)
        for key, lots in sup.items():
            if key in dem:
                for s in lots:
                    self.stage_lot[s] = max(self.stage_lot[s], 1)
        for key, orders in dem.items():
            if key in sup:
                for d in orders:
                    self.stage_order[d] = max(self.stage_order[d], 1)
        out: list[Lane] = []
        pruned = False
        for key in sorted(sup.keys() & dem.keys()):
            got, cut = self._group(sup[key], dem[key], key // self.n_prod)
            out += got
            pruned |= cut
        out.sort(key=lambda ln: (ln[0], ln[1]))
        return out, pruned

    def _grade_stage(self, sup: list[int], dem: list[int]) -> None:
        """Stage 2 where a grade matches somewhere in the group."""
        bid = self.d_bid
        accepted = {g for d in dem for g, b in enumerate(bid[d]) if b >= 0}
        offered = {self.s_grade[s] for s in sup}
        for s in sup:
            if self.s_grade[s] in accepted:
                self.stage_lot[s] = max(self.stage_lot[s], 2)
        for d in dem:
            if any(bid[d][g] >= 0 for g in offered):
                self.stage_order[d] = max(self.stage_order[d], 2)

    def _near(self, sup: list[int], dem: list[int]) -> list[tuple[int, int]]:
        """(row, supply) pairs of a grade the demand takes, another coop, inside the box."""
        s_coop, d_coop, s_grade, bid = self.s_coop, self.d_coop, self.s_grade, self.d_bid
        pairs = [
            (r, s)
            for r, d in enumerate(dem)
            for s in sup
            if bid[d][s_grade[s]] >= 0 and s_coop[s] != d_coop[d]
        ]
        if self.st.dist.matrix or not pairs:
            return pairs
        lat, lon = self.lat, self.lon
        band = int(self.t.max_distance_m * DEG_PER_M * 1e5) + 1
        lat_max = max(abs(lat[c]) for c in [*(s_coop[s] for s in sup), *(d_coop[d] for d in dem)])
        cos = max(float(np.cos(np.radians(min(lat_max / 1e5 + 1.0, 89.0)))), 0.01)
        band_lon = int(band / cos) + 1
        return [
            (r, s)
            for r, s in pairs
            if abs(lat[d_coop[dem[r]]] - lat[s_coop[s]]) <= band
            and abs(lon[d_coop[dem[r]]] - lon[s_coop[s]]) <= band_lon
        ]

    def _group(self, sup: list[int], dem: list[int], comp: int) -> tuple[list[Lane], bool]:
        """Lanes of one component and product (as ``lanes._chunk`` on one chunk)."""
        self._grade_stage(sup, dem)
        pairs = self._near(sup, dem)
        if not pairs:
            return [], False
        t, day0 = self.t, self.day0
        dists = self._distances(pairs, dem)
        per_day, rate = t.km_per_day * 1000, t.cost_satang_per_unit_km
        rows: dict[int, list[Lane]] = {}
        for (r, s), dist in zip(pairs, dists, strict=True):
            d = dem[r]
            reach = 0 <= dist <= t.max_distance_m
            m = max(dist, 0)
            day = self.s_ship[s] + m // per_day
            in_time = reach and day <= min(self.s_expiry[s], self.d_due[d])
            transport = _half_even_div(m * rate, 1000)
            spoil = self.s_spoil[s] * (day - day0)
            gain = self.d_bid[d][self.s_grade[s]] - self.s_reserve[s] - transport - spoil
            ok = in_time and gain > 0
            stage = 2 + reach + in_time + ok
            self.stage_lot[s] = max(self.stage_lot[s], stage)
            self.stage_order[d] = max(self.stage_order[d], stage)
            if ok:
                rows.setdefault(r, []).append((d, s, comp, dist, transport, spoil, gain, day))
        out: list[Lane] = []
        pruned = False
        for lanes in rows.values():
            if len(lanes) > self.max_lanes:
                pruned = True
                best = sorted(lanes, key=lambda ln: (-ln[6], ln[1]))[: self.max_lanes]
                lanes = sorted(best, key=lambda ln: ln[1])
            out += lanes
        return out, pruned

    def _distances(self, pairs: list[tuple[int, int]], dem: list[int]) -> list[int]:
        """Metres of each (row, supply) pair, from the pair table when there is one."""
        s_coop, d_coop = self.s_coop, self.d_coop
        if self.pair_m is not None:
            m = self.pair_m
            return [m[s_coop[s]][d_coop[dem[r]]] for r, s in pairs]
        origin = np.array([s_coop[s] for _, s in pairs], np.int64)
        dest = np.array([d_coop[dem[r]] for r, _ in pairs], np.int64)
        out: list[int] = self.st.dist.between(origin, dest).tolist()
        return out

    def _flow(self, lanes: list[Lane]) -> tuple[list[int], bool]:
        """Flow on every lane, one min-cost flow per component (as ``solve_tier_flow``)."""
        by_comp: dict[int, list[int]] = {}
        for i, ln in enumerate(lanes):
            by_comp.setdefault(ln[2], []).append(i)
        flow = [0] * len(lanes)
        reduced = False
        for comp in sorted(by_comp):
            idx = by_comp[comp]
            got, cut = self._component([lanes[i] for i in idx])
            reduced |= cut
            for i, f in zip(idx, got, strict=True):
                flow[i] = f
        return flow, reduced

    def _component(self, lanes: list[Lane]) -> tuple[list[int], bool]:
        """One component's min-cost flow (as ``flow._solve_component``)."""
        lots = sorted({ln[1] for ln in lanes})
        total = sum(self.lot_rem[s] for s in lots)
        n_age = max(self.s_age[s] for s in lots) + 1
        k = self.steps if self.policy is not FairnessPolicy.COVERAGE else 0
        span = max(abs(ln[6]) for ln in lanes)
        reduced = False
        while True:
            g = n_age
            m = (span + 1) * g + g
            if (k + 1) * m * max(total, 1) <= COST_BUDGET or (k == 0 and g == 1):
                break
            reduced = True
            if k > 1:
                k //= 2
            else:
                n_age = 1
        return self._solve(lanes, lots, total, k, m if k else 0, g, n_age > 1), reduced

    def _solve(
        self, lanes: list[Lane], lots: list[int], total: int, k: int, m: int, g: int, age: bool
    ) -> list[int]:
        """Nodes S=0, T=1, hubs, segment ends (with K), orders; arcs as ``flow._Graph``."""
        orders = sorted({ln[0] for ln in lanes})
        nl, rem, o_rem = len(lots), self.lot_rem, self.order_rem
        hub = {s: 2 + i for i, s in enumerate(lots)}
        lot_d = {s: h + nl for s, h in hub.items()} if k else hub
        base = 2 + (2 * nl if k else nl)
        onode = {d: base + j for j, d in enumerate(orders)}
        tails, heads = [0] * nl, list(hub.values())
        caps = [rem[s] for s in lots]
        costs = [self.s_age[s] for s in lots] if age else [0] * nl
        for s in lots if k else ():
            # Segment c covers the sold share ((c−1)/K, c/K]: ceil(q·c/K) − its lower end.
            q, h, e = self.lot_qty[s], hub[s], lot_d[s]
            sold, low = q - rem[s], 0
            for c in range(1, k + 1):
                high = -((-q * c) // k)
                cap = high - (low if low > sold else sold)
                low = high
                if cap > 0:
                    tails.append(h)
                    heads.append(e)
                    caps.append(cap)
                    costs.append((c - 1 - k) * m)
        tails += onode.values()
        heads += [1] * len(orders)
        caps += [o_rem[d] for d in orders]
        costs += [0] * len(orders)
        first = len(tails)
        for d, s, *_ in lanes:
            tails.append(lot_d[s])
            heads.append(onode[d])
            caps.append(min(rem[s], o_rem[d]))
        costs += [-ln[6] * g for ln in lanes]
        tails.append(0)
        heads.append(1)
        caps.append(total)
        costs.append(0)
        n_nodes = base + len(orders)
        smcf = min_cost_flow.SimpleMinCostFlow()
        idx = smcf.add_arcs_with_capacity_and_unit_cost(
            *(np.array(x, np.int64) for x in (tails, heads, caps, costs))
        )
        supplies = np.zeros(n_nodes, np.int64)
        supplies[0], supplies[1] = total, -total
        smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
        _map_status(smcf, smcf.solve())
        out: list[int] = smcf.flows(idx[first : first + len(lanes)]).tolist()
        return out


def _half_even_mid(low: int, high: int) -> int:
    """Midpoint ties to even, as :func:`matcher.produce.prices.half_even_mid`."""
    total = low + high
    q = total // 2
    return q + (total % 2 == 1 and q % 2 == 1)


def _half_even_div(num: int, den: int) -> int:
    """num / den rounded half-even (num ≥ 0), as :func:`matcher.produce.distance.lane_cost`."""
    q, r = divmod(num, den)
    return q + (2 * r > den or (2 * r == den and q % 2 == 1))
