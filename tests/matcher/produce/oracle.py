"""A test-only oracle for the produce matcher's objective order, outside the production path.

It reads only the :class:`ProduceProblem` and the matcher's matches, and builds each tier's
linear program itself, solved by HiGHS through :mod:`scipy.optimize` (not OR-Tools):

* lanes: the rules in words (same product, same network at the tier's level, seller ≠
  buyer, accepted grade, in reach, delivered by ``min(expiry, deliver_by)``, positive gain
  ``bid − reserve − transport − spoilage × days``), distances from the supplied lane matrix
  (or the validator's distance where none is supplied);
* the cascade: tier by tier, most local first; the open quantities of a tier are what the
  matcher's *earlier* tiers left, so each tier is judged on what it was given;
* stage 1 (``maxmin`` and ``proportional``): the fairness score Φ = Σ_lots Σ_k (K + 1 − k)·y_lk,
  where y_lk are the units of the lot sold in the tier that fall in its share segment
  ((k − 1)/K, k/K] (segment ends ceil(q·k/K), counted from what was sold before);
* stage 2: the gains from trade Σ gain·x with Φ held at its optimum (the chosen share level);
* stage 3: older stock first, Σ rank(expiry)·x least with both held.
Under ``coverage`` stage 1 is skipped. With integer trucks there is one stage, gains − truck
cost, solved as an exact MILP (:func:`truck_optimum`). The transportation LP has integral
vertices, so each stage's LP value is what an integer flow can reach.

Processors are not modelled here (instances that have them are not audited by this oracle).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, vstack

from matcher.domain import NetworkLevel
from matcher.produce.model import ProduceMatch, ProduceProblem, ProduceResult
from matcher.produce.validator import distance_m
from matcher.results import FairnessPolicy


@dataclass(frozen=True)
class StageValues:
    """One tier's stage values (Φ is 0 under coverage and with trucks)."""

    fairness: int
    gains: int
    age: int


@dataclass(frozen=True)
class OLane:
    lot: int
    order: int
    gain: int


def _half_even(num: int, den: int) -> int:
    q, r = divmod(num, den)
    return q + (1 if 2 * r > den or (2 * r == den and q % 2) else 0)


def _distance(p: ProduceProblem, a: str, b: str) -> int:
    supplied = {(x.origin, x.destination): x.distance_m for x in p.transport.lanes}
    if supplied:
        return supplied.get((a, b), -1)
    return distance_m(p, a, b)


def _network_at(p: ProduceProblem, coop: str, level: NetworkLevel) -> str | None:
    """Walk up from the smallest network that lists the coop (None: not in one of ``level``)."""
    by_id = {n.id: n for n in p.networks}
    homes = sorted((n.level, n.id) for n in p.networks if coop in n.members)
    cur = by_id[homes[0][1]] if homes else None
    while cur is not None:
        if cur.level == level:
            return cur.id
        cur = by_id.get(cur.parent_id) if cur.parent_id else None
    return None


def levels_of(p: ProduceProblem) -> list[NetworkLevel]:
    """Tiers of the cascade, most local first (one national tier without networks)."""
    return sorted({n.level for n in p.networks}) or [NetworkLevel.NATIONAL]


def _key(p: ProduceProblem, coop: str, level: NetworkLevel) -> str | None:
    return _network_at(p, coop, level) if p.networks else "*"


def tier_lanes(
    p: ProduceProblem, level: NetworkLevel, lot_rem: list[int], order_rem: list[int]
) -> list[OLane]:
    """Every lane of the tier between open lots and open orders (module docstring)."""
    t = p.transport
    out = []
    for i, lt in enumerate(p.lots):
        net = _key(p, lt.seller, level)
        if lot_rem[i] <= 0 or lt.expiry_date < p.round_date or net is None:
            continue
        for j, o in enumerate(p.orders):
            bids = {b.grade: b.max_price_satang_per_unit for b in o.bids}
            if order_rem[j] <= 0 or o.product != lt.product or lt.grade not in bids:
                continue
            if o.buyer == lt.seller or _key(p, o.buyer, level) != net:
                continue
            dist = _distance(p, lt.seller, o.buyer)
            if dist < 0 or dist > t.max_distance_m:
                continue
            days = dist // (t.km_per_day * 1000)
            day = max(lt.ready_date, p.round_date) + timedelta(days=days)
            if day > min(lt.expiry_date, o.deliver_by):
                continue
            transport = _half_even(dist * t.cost_satang_per_unit_km, 1000)
            spoil = lt.spoilage_satang_per_unit_day * (day - p.round_date).days
            gain = bids[lt.grade] - lt.reserve_satang_per_unit - transport - spoil
            if gain > 0:
                out.append(OLane(i, j, gain))
    return out


def segment_ends(q: int, k_steps: int) -> list[int]:
    """ceil(q·k/K) for k = 0 … K."""
    return [-(-q * k // k_steps) for k in range(k_steps + 1)]


def fairness_of(q: int, before: int, units: int, k_steps: int) -> int:
    """Φ of ``units`` sold after ``before``: Σ_k (K + 1 − k) × overlap with segment k."""
    ends = segment_ends(q, k_steps)
    lo, hi = before, before + units
    return sum(
        (k_steps - k) * max(0, min(hi, ends[k + 1]) - max(lo, ends[k])) for k in range(k_steps)
    )


def age_ranks(p: ProduceProblem) -> list[int]:
    """Dense rank of each lot's expiry date (0: soonest)."""
    days = sorted({x.expiry_date for x in p.lots})
    rank = {d: i for i, d in enumerate(days)}
    return [rank[x.expiry_date] for x in p.lots]


class _TierLP:
    """Variables: x per lane, then y per (lot, segment) when fairness applies."""

    def __init__(
        self,
        p: ProduceProblem,
        lanes: list[OLane],
        lot_rem: list[int],
        order_rem: list[int],
        k_steps: int,
    ) -> None:
        self.lanes, self.k = lanes, k_steps
        n = len(lanes)
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        upper = [float(min(lot_rem[ln.lot], order_rem[ln.order])) for ln in lanes]
        self.seg_weight: list[float] = []
        r = 0
        by_lot: dict[int, list[int]] = defaultdict(list)
        by_order: dict[int, list[int]] = defaultdict(list)
        for v, ln in enumerate(lanes):
            by_lot[ln.lot].append(v)
            by_order[ln.order].append(v)
        for j, vs in sorted(by_order.items()):
            rows += [r] * len(vs)
            cols += vs
            vals += [1.0] * len(vs)
            lo.append(0.0)
            hi.append(float(order_rem[j]))
            r += 1
        col = n
        for i, vs in sorted(by_lot.items()):
            rows += [r] * len(vs)
            cols += vs
            vals += [1.0] * len(vs)
            if k_steps:
                q = p.lots[i].quantity
                ends, sold = segment_ends(q, k_steps), q - lot_rem[i]
                for k in range(k_steps):
                    cap = ends[k + 1] - max(ends[k], sold)
                    if cap > 0:
                        rows.append(r)
                        cols.append(col)
                        vals.append(-1.0)
                        upper.append(float(cap))
                        self.seg_weight.append(float(k_steps - k))
                        col += 1
                lo.append(0.0)
                hi.append(0.0)
            else:
                lo.append(0.0)
                hi.append(float(lot_rem[i]))
            r += 1
        self.n_vars = col
        self.a = coo_matrix((vals, (rows, cols)), shape=(r, col)).tocsr()
        self.lo, self.hi, self.upper = lo, hi, upper
        self.gain = np.array([ln.gain for ln in lanes] + [0] * (col - n), float)
        self.phi = np.array([0.0] * n + self.seg_weight, float)
        self.age = np.zeros(col)

    def optimise(self, c: np.ndarray, held: list[tuple[np.ndarray, int]]) -> float:
        """max c·v subject to the flow rows and each held (row, value): row·v ≥ value."""
        rows = [self.a] + [csr_matrix(row[None, :]) for row, _ in held]
        lo = np.array(self.lo + [v - 1e-7 for _, v in held])
        hi = np.array(self.hi + [np.inf] * len(held))
        res = milp(
            -c,
            constraints=LinearConstraint(vstack(rows).tocsr(), lo, hi),
            integrality=np.zeros(self.n_vars),
            bounds=Bounds(np.zeros(self.n_vars), np.array(self.upper)),
        )
        assert res.status == 0, res.message
        return float(-res.fun)


def tier_optimum(
    p: ProduceProblem,
    level: NetworkLevel,
    lot_rem: list[int],
    order_rem: list[int],
    k_steps: int,
) -> StageValues:
    """The tier's stage values by HiGHS, stage after stage (module docstring)."""
    lanes = tier_lanes(p, level, lot_rem, order_rem)
    if not lanes:
        return StageValues(0, 0, 0)
    lp = _TierLP(p, lanes, lot_rem, order_rem, k_steps)
    ranks = age_ranks(p)
    lp.age[: len(lanes)] = [ranks[ln.lot] for ln in lanes]
    held: list[tuple[np.ndarray, int]] = []
    phi = 0
    if k_steps:
        # Every stage's optimum is integral (a vertex of a network LP): hold it exactly.
        phi = round(lp.optimise(lp.phi, held))
        held.append((lp.phi, phi))
    gains = round(lp.optimise(lp.gain, held))
    held.append((lp.gain, gains))
    age = round(-lp.optimise(-lp.age, held))
    return StageValues(phi, gains, age)


def _tier_name(level: NetworkLevel) -> str:
    return level.name.lower()


def achieved(
    p: ProduceProblem,
    tier_matches: list[ProduceMatch],
    lot_rem: list[int],
    k_steps: int,
) -> StageValues:
    """The stage values of the matcher's matches of one tier."""
    lot_ix = {x.id: i for i, x in enumerate(p.lots)}
    ranks = age_ranks(p)
    units: dict[int, int] = defaultdict(int)
    gains = 0
    for m in tier_matches:
        i = lot_ix[m.source_id]
        units[i] += m.quantity
        lt = p.lots[i]
        gains += m.value_satang - lt.reserve_satang_per_unit * m.quantity
        gains -= m.transport_satang + m.spoilage_satang
    phi = sum(
        fairness_of(p.lots[i].quantity, p.lots[i].quantity - lot_rem[i], u, k_steps)
        for i, u in units.items()
        if k_steps
    )
    age = sum(ranks[i] * u for i, u in units.items())
    return StageValues(phi if k_steps else 0, gains, age)


@dataclass(frozen=True)
class TierAudit:
    tier: str
    got: StageValues
    best: StageValues


def audit(p: ProduceProblem, r: ProduceResult) -> list[TierAudit]:
    """Each tier's stage values, the matcher's and the oracle's, on what earlier tiers left.

    Only rounds without processors and trucks are audited this way.
    """
    assert not p.processors and not p.trucks
    k_steps = 0 if p.policy is FairnessPolicy.COVERAGE else p.fairness_steps
    lot_rem = [x.quantity for x in p.lots]
    order_rem = [x.quantity for x in p.orders]
    lot_ix = {x.id: i for i, x in enumerate(p.lots)}
    order_ix = {x.id: i for i, x in enumerate(p.orders)}
    out = []
    for level in levels_of(p):
        mine = [m for m in r.matches if m.tier == _tier_name(level)]
        best = tier_optimum(p, level, lot_rem, order_rem, k_steps)
        got = achieved(p, mine, lot_rem, k_steps)
        out.append(TierAudit(_tier_name(level), got, best))
        for m in mine:
            lot_rem[lot_ix[m.source_id]] -= m.quantity
            order_rem[order_ix[m.target_id]] -= m.quantity
    return out


def truck_optimum(
    p: ProduceProblem, level: NetworkLevel, lot_rem: list[int], order_rem: list[int]
) -> int:
    """The tier's exact optimum of gains − truck cost (integer units and trucks), by HiGHS."""
    lanes = tier_lanes(p, level, lot_rem, order_rem)
    if not lanes:
        return 0
    cap, cost = p.transport.truck_capacity_units, p.transport.truck_cost_satang
    n = len(lanes)
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    hi: list[float] = []
    r = 0
    for key, rem in (("lot", lot_rem), ("order", order_rem)):
        groups: dict[int, list[int]] = defaultdict(list)
        for v, ln in enumerate(lanes):
            groups[ln.lot if key == "lot" else ln.order].append(v)
        for g, vs in sorted(groups.items()):
            rows += [r] * len(vs)
            cols += vs
            vals += [1.0] * len(vs)
            hi.append(float(rem[g]))
            r += 1
    for v in range(n):  # x_v − cap · t_v ≤ 0
        rows += [r, r]
        cols += [v, n + v]
        vals += [1.0, -float(cap)]
        hi.append(0.0)
        r += 1
    a = coo_matrix((vals, (rows, cols)), shape=(r, 2 * n)).tocsr()
    ub = [float(min(lot_rem[ln.lot], order_rem[ln.order])) for ln in lanes]
    ub += [float(-(-u // cap)) for u in ub]
    c = np.array([-ln.gain for ln in lanes] + [cost] * n, float)
    res = milp(
        c,
        constraints=LinearConstraint(a, -np.inf, np.array(hi)),
        integrality=np.ones(2 * n),
        bounds=Bounds(np.zeros(2 * n), np.array(ub)),
        options={"mip_rel_gap": 0.0},
    )
    assert res.status == 0, res.message
    return round(-res.fun)


def truck_audit(p: ProduceProblem, r: ProduceResult) -> tuple[int, int]:
    """(Σ over tiers of the exact optimum on what earlier tiers left, the matcher's gains)."""
    assert not p.processors and p.trucks
    lot_rem = [x.quantity for x in p.lots]
    order_rem = [x.quantity for x in p.orders]
    lot_ix = {x.id: i for i, x in enumerate(p.lots)}
    order_ix = {x.id: i for i, x in enumerate(p.orders)}
    total = 0
    for level in levels_of(p):
        total += truck_optimum(p, level, lot_rem, order_rem)
        for m in r.matches:
            if m.tier == _tier_name(level):
                lot_rem[lot_ix[m.source_id]] -= m.quantity
                order_rem[order_ix[m.target_id]] -= m.quantity
    return total, r.objective.gains_satang
