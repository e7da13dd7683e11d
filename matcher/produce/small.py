"""Small rounds in plain Python: the array path's lanes and min-cost flows, without numpy.

A season simulation solves tens of thousands of produce rounds of a few lots and orders;
there numpy's fixed cost per call, not the work, sets the time of each tier. For a round
without processors or trucks whose shadow values are off and whose prices follow the split
rule (:func:`eligible`), :class:`SmallRound` lays the round out in lists as
:func:`matcher.produce.state.build_state` does in arrays, builds each tier's lanes exactly
as :func:`matcher.produce.lanes.tier_lanes` does (same rules, same stages marked, same
order: by demand, then supply), solves the same flow network as :mod:`matcher.produce.flow`
(:mod:`matcher.produce.small_flow`: the same nodes and arcs in the same order, so OR-Tools
returns the same flow) and prices the matches as :mod:`matcher.produce.matches` does. The
result is the array path's, field by field; tests compare both paths on random rounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from matcher.domain import NetworkLevel
from matcher.produce.explain import Reached
from matcher.produce.model import PriceRule, ProduceMatch, ProduceProblem
from matcher.produce.small_flow import Lane, OpenLots, tier_flow
from matcher.produce.state import Layout
from matcher.results import FairnessPolicy

SMALL_PAIRS = 1_024
"""Rounds with at most this many (lot, order) pairs take the plain-Python path."""


def eligible(p: ProduceProblem) -> bool:
    """Whether the round may take this path (see the module docstring)."""
    return (
        not p.processors
        and not p.trucks
        and not p.transport.products
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
    """The round as Python lists (laid out as :func:`matcher.produce.state.build_state` lays
    it out as arrays); solves tiers and keeps what is still open and what was shipped."""

    def __init__(self, p: ProduceProblem, layout: Layout) -> None:
        """Sort the round's lots, orders and products by id; ``layout`` must fit ``p``."""
        self.t, self.layout, self.pair_m = p.transport, layout, layout.pair_m
        self.steps = p.fairness_steps if p.policy is not FairnessPolicy.COVERAGE else 0
        """K, the fairness segments per lot (none under the coverage policy)."""
        self.max_lanes = p.max_lanes_per_order
        self.day0 = day0 = p.round_date.toordinal()
        prods = sorted(p.products, key=lambda x: x.id)
        self.products, self.grades = [x.id for x in prods], [list(x.grades) for x in prods]
        pidx = {x: i for i, x in enumerate(self.products)}
        gidx = [{g: j for j, g in enumerate(x.grades)} for x in prods]
        self.lots = lots = sorted(p.lots, key=lambda x: x.id)
        self.orders = orders = sorted(p.orders, key=lambda x: x.id)
        self.n_lots, self.n_orders, self.n_prod = len(lots), len(orders), len(prods)
        cidx = layout.coop_index
        self.s_coop = [cidx[x.seller] for x in lots]
        self.s_prod = [pidx[x.product] for x in lots]
        self.s_grade = [gidx[pidx[x.product]][x.grade] for x in lots]
        self.s_reserve = [x.reserve_satang_per_unit for x in lots]
        self.s_spoil = [x.spoilage_satang_per_unit_day for x in lots]
        self.s_ship = [max(day0, x.ready_date.toordinal()) for x in lots]
        self.s_expiry = [x.expiry_date.toordinal() for x in lots]
        rank = {e: i for i, e in enumerate(sorted(set(self.s_expiry)))}
        self.s_age = [rank[e] for e in self.s_expiry]
        self.d_coop = [cidx[x.buyer] for x in orders]
        self.d_prod = [pidx[x.product] for x in orders]
        n_grades = max((len(x.grades) for x in prods), default=1)
        self.d_bid = [[-1] * n_grades for _ in orders]
        for row, o in zip(self.d_bid, orders, strict=True):
            for bid in o.bids:
                row[gidx[pidx[o.product]][bid.grade]] = bid.max_price_satang_per_unit
        self.d_due = [x.deliver_by.toordinal() for x in orders]
        self.lot_qty = [x.quantity for x in lots]
        self.order_qty = [x.quantity for x in orders]
        self.lot_rem, self.order_rem = list(self.lot_qty), list(self.order_qty)
        self.open_lots = OpenLots(self.lot_rem, self.lot_qty, self.s_age)
        self.order_min = [x.min_lot_units for x in orders]
        self.net_at = {lv: col.tolist() for lv, col in layout.coop_net_at.items()}
        self.stage_lot, self.stage_order = [0] * len(lots), [0] * len(orders)
        self.shipped: list[tuple[Lane, int, str]] = []
        """(lane, units, tier) of every lane with flow, tier by tier."""
        self._at: dict[NetworkLevel, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}

    def _keys(
        self, level: NetworkLevel, exclude: tuple[int, ...] = ()
    ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
        """Open supply and demand nodes by (network × product) key, in index order."""
        sup_at, dem_at = self._at.get(level) or self._members(level)
        rem = self.lot_rem
        sup: dict[int, list[int]] = {}
        for s, key in sup_at:
            if rem[s] > 0:
                sup.setdefault(key, []).append(s)
        rem = self.order_rem
        dem: dict[int, list[int]] = {}
        for d, key in dem_at:
            if rem[d] > 0 and d not in exclude:
                dem.setdefault(key, []).append(d)
        return sup, dem

    def _members(self, level: NetworkLevel) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(node, key) of the unexpired lots and the orders in a network of the level."""
        net, n_prod = self.net_at[level], self.n_prod
        sup_at = [
            (s, net[c] * n_prod + self.s_prod[s])
            for s, c in enumerate(self.s_coop)
            if net[c] >= 0 and self.s_expiry[s] >= self.day0
        ]
        dem_at = [
            (d, net[c] * n_prod + self.d_prod[d]) for d, c in enumerate(self.d_coop) if net[c] >= 0
        ]
        self._at[level] = (sup_at, dem_at)
        return sup_at, dem_at

    def has_trade(self, level: NetworkLevel) -> bool:
        """As :func:`matcher.produce.lanes.has_trade`."""
        sup, dem = self._keys(level)
        return not sup.keys().isdisjoint(dem.keys())

    def solve_tier(self, level: NetworkLevel) -> SmallTier:
        """Lanes and flow of the tier, leaving out orders it would fill below their minimum."""
        exclude: tuple[int, ...] = ()
        while True:
            lanes, pruned = self._lanes(level, exclude)
            flow, reduced = tier_flow(lanes, self.open_lots, self.order_rem, self.steps)
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
        lay = self.layout
        out = []
        for (d, s, comp, dist, transport, spoil, _, day), q, tier in self.shipped:
            grade, prod = self.s_grade[s], self.s_prod[s]
            bid = self.d_bid[d][grade]
            out.append(
                ProduceMatch(
                    source_id=self.lots[s].id,
                    target_id=self.orders[d].id,
                    seller=lay.coop_ids[self.s_coop[s]],
                    buyer=lay.coop_ids[self.d_coop[d]],
                    product=self.products[prod],
                    grade=self.grades[prod][grade],
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
                    network_id=lay.net_ids[comp],
                    delivery_date=date.fromordinal(day),
                )
            )
        out.sort(key=lambda m: (m.source_id, m.target_id, m.tier))
        return tuple(out)

    def reached(self) -> Reached:
        """The lots and orders sorted by id with the furthest stage each reached."""
        return Reached(self.lots, self.orders, self.stage_lot, self.stage_order)

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
        """(row, supply) pairs of a grade the demand takes, between two coops.

        The array path also drops pairs outside a latitude/longitude box around the reach
        first; that changes nothing: such a pair is out of reach, so it makes no lane and
        marks stage 2 only, which :meth:`_grade_stage` has already marked on both sides.
        """
        s_coop, d_coop, s_grade, bid = self.s_coop, self.d_coop, self.s_grade, self.d_bid
        return [
            (r, s)
            for r, d in enumerate(dem)
            for s in sup
            if bid[d][s_grade[s]] >= 0 and s_coop[s] != d_coop[d]
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
        out: list[int] = self.layout.dist.between(origin, dest).tolist()
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
