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

Processors are modelled as the product states them: a processor takes its input grade at
price 0 (lanes into it need not pay on their own), passes on ⌊what it takes × yield_bps /
10,000⌋ (integer units and constraints: then each stage is a MILP), takes at most its
capacity, pays its processing cost per output unit, and ships its output from the round's
date; units a lot sells into a processor count in its sold quantity but not in Φ.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

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
    """A lane from a lot (or, with ``from_proc``, a processor's output) to an order (or,
    with ``to_proc``, a processor's input); ``lot`` and ``order`` index those lists."""

    lot: int
    order: int
    gain: int
    from_proc: bool = False
    to_proc: bool = False

    @property
    def direct(self) -> bool:
        return not (self.from_proc or self.to_proc)


@dataclass(frozen=True)
class _End:
    coop: str
    product: str
    grade: str
    ship: date
    expiry: date
    reserve: int
    spoil: int


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


def _supplies(p: ProduceProblem, lot_rem: list[int], proc_rem: list[int]) -> list[_End | None]:
    """Open supply ends: lots (not expired), then processor outputs (ship today, no expiry)."""
    far = date.max
    out: list[_End | None] = [
        _End(x.seller, x.product, x.grade, max(x.ready_date, p.round_date), x.expiry_date,
             x.reserve_satang_per_unit, x.spoilage_satang_per_unit_day)
        if lot_rem[i] > 0 and x.expiry_date >= p.round_date else None
        for i, x in enumerate(p.lots)
    ]  # fmt: skip
    out += [
        _End(x.coop, x.out_product, x.out_grade, p.round_date, far, 0, 0) if proc_rem[j] else None
        for j, x in enumerate(p.processors)
    ]
    return out


def _demands(
    p: ProduceProblem, order_rem: list[int], proc_rem: list[int]
) -> list[tuple[str, str, dict[str, int], date] | None]:
    """Open demand ends: orders, then processor inputs (bid 0 for their grade, no due date)."""
    out: list[tuple[str, str, dict[str, int], date] | None] = [
        (o.buyer, o.product, {b.grade: b.max_price_satang_per_unit for b in o.bids}, o.deliver_by)
        if order_rem[j] > 0 else None
        for j, o in enumerate(p.orders)
    ]  # fmt: skip
    out += [
        (x.coop, x.in_product, {x.in_grade: 0}, date.max) if proc_rem[j] else None
        for j, x in enumerate(p.processors)
    ]
    return out


def tier_lanes(
    p: ProduceProblem,
    level: NetworkLevel,
    lot_rem: list[int],
    order_rem: list[int],
    proc_rem: list[int] | None = None,
) -> list[OLane]:
    """Every lane of the tier between open supply and demand ends (module docstring)."""
    t = p.transport
    proc_rem = proc_rem if proc_rem is not None else [x.capacity_units for x in p.processors]
    n_lots, n_orders = len(p.lots), len(p.orders)
    out = []
    for i, s in enumerate(_supplies(p, lot_rem, proc_rem)):
        net = _key(p, s.coop, level) if s else None
        if s is None or net is None:
            continue
        for j, d in enumerate(_demands(p, order_rem, proc_rem)):
            if d is None or d[1] != s.product or s.grade not in d[2]:
                continue
            if d[0] == s.coop or _key(p, d[0], level) != net:
                continue
            dist = _distance(p, s.coop, d[0])
            if dist < 0 or dist > t.max_distance_m:
                continue
            day = s.ship + timedelta(days=dist // (t.km_per_day * 1000))
            if day > min(s.expiry, d[3]):
                continue
            transport = _half_even(dist * t.cost_satang_per_unit_km, 1000)
            spoil = s.spoil * (day - p.round_date).days
            gain = d[2][s.grade] - s.reserve - transport - spoil
            ln = OLane(
                i if i < n_lots else i - n_lots,
                j if j < n_orders else j - n_orders,
                gain,
                from_proc=i >= n_lots,
                to_proc=j >= n_orders,
            )
            if gain > 0 or not ln.direct:
                out.append(ln)
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


class _Rows:
    """Sparse rows lo ≤ a·v ≤ hi, built one at a time."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []

    def add(self, terms: list[tuple[int, float]], lo: float, hi: float) -> None:
        r = len(self.lo)
        for col, val in terms:
            self.rows.append(r)
            self.cols.append(col)
            self.vals.append(val)
        self.lo.append(lo)
        self.hi.append(hi)


class _TierLP:
    """Variables: x per lane, then y per (lot, segment) when fairness applies.

    Rows: each order takes at most what is open; each lot ships at most what is open (with
    fairness: its direct lanes equal the sum of its segments); each processor passes on
    what it takes, at most its open capacity.
    """

    def __init__(
        self,
        p: ProduceProblem,
        lanes: list[OLane],
        rem: tuple[list[int], list[int], list[int]],
        k_steps: int,
    ) -> None:
        lot_rem, order_rem, proc_rem = rem
        n = len(lanes)
        rows = _Rows()
        self.procs = p.processors
        self.upper = [float(self._lane_cap(ln, rem)) for ln in lanes]
        self.seg_weight: list[float] = []
        into: dict[tuple[bool, int], list[int]] = defaultdict(list)
        out_of: dict[tuple[bool, int], list[int]] = defaultdict(list)
        for v, ln in enumerate(lanes):
            into[(ln.to_proc, ln.order)].append(v)
            out_of[(ln.from_proc, ln.lot)].append(v)
        for (proc, j), vs in sorted(into.items()):
            if not proc:
                rows.add([(v, 1.0) for v in vs], 0.0, float(order_rem[j]))
        for j, pr in enumerate(p.processors):
            ins, outs = into.get((True, j), []), out_of.get((True, j), [])
            if ins or outs:
                rows.add([(v, 1.0) for v in ins], 0.0, float(proc_rem[j]))
                # units out = ⌊units in × y / 10,000⌋: 0 ≤ y·in − 10,000·out ≤ 9,999
                y = float(pr.yield_bps)
                terms = [(v, y) for v in ins] + [(v, -10_000.0) for v in outs]
                rows.add(terms, 0.0, 0.0 if pr.yield_bps == 10_000 else 9_999.0)
        col = n
        for (proc, i), vs in sorted(out_of.items()):
            if proc:
                continue
            rows.add([(v, 1.0) for v in vs], 0.0, float(lot_rem[i]))
            if k_steps:
                q = p.lots[i].quantity
                ends, sold = segment_ends(q, k_steps), q - lot_rem[i]
                terms = [(v, 1.0) for v in vs if lanes[v].direct]
                for k in range(k_steps):
                    cap = ends[k + 1] - max(ends[k], sold)
                    if cap > 0:
                        terms.append((col, -1.0))
                        self.upper.append(float(cap))
                        self.seg_weight.append(float(k_steps - k))
                        col += 1
                rows.add(terms, 0.0, 0.0)
        self.n_vars = col
        self.a = coo_matrix((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.lo), col))
        self.a = self.a.tocsr()
        self.lo, self.hi = rows.lo, rows.hi
        cost = [p.processors[ln.lot].cost_satang_per_unit if ln.from_proc else 0 for ln in lanes]
        gains = [ln.gain - c for ln, c in zip(lanes, cost, strict=True)]
        self.gain = np.array(gains + [0] * (col - n), float)
        self.phi = np.array([0.0] * n + self.seg_weight, float)
        self.age = np.zeros(col)

        # A yield other than one makes the tier a generalised flow: integer units, a MILP.
        odd = any(x.yield_bps != 10_000 for x in p.processors)
        self.integrality = np.ones(col) if odd else np.zeros(col)
        self.procs = p.processors

    def _lane_cap(self, ln: OLane, rem: tuple[list[int], list[int], list[int]]) -> int:
        lot_rem, order_rem, proc_rem = rem
        out_cap = proc_rem[ln.lot] * self.procs[ln.lot].yield_bps // 10_000 if ln.from_proc else 0
        a = out_cap if ln.from_proc else lot_rem[ln.lot]
        b = proc_rem[ln.order] if ln.to_proc else order_rem[ln.order]
        return min(a, b)

    def optimise(self, c: np.ndarray, held: list[tuple[np.ndarray, int]]) -> float:
        """max c·v subject to the flow rows and each held (row, value): row·v ≥ value.

        A held value is an integral optimum; it is held to within 10⁻⁶, looser (10⁻⁴, then
        10⁻²) only where HiGHS's tolerances find that infeasible.
        """
        rows = [self.a] + [csr_matrix(row[None, :]) for row, _ in held]
        for slack in (1e-6, 1e-4, 1e-2):
            lo = np.array(self.lo + [v - slack for _, v in held])
            hi = np.array(self.hi + [np.inf] * len(held))
            res = milp(
                -c,
                constraints=LinearConstraint(vstack(rows).tocsr(), lo, hi),
                integrality=self.integrality,
                bounds=Bounds(np.zeros(self.n_vars), np.array(self.upper)),
            )
            if res.status == 0:
                return float(-res.fun)
        raise AssertionError(res.message)


Open = tuple[list[int], list[int], list[int]]
"""What is still open: per lot, per order, per processor (capacity)."""


def opening(p: ProduceProblem) -> Open:
    return (
        [x.quantity for x in p.lots],
        [x.quantity for x in p.orders],
        [x.capacity_units for x in p.processors],
    )


def book(p: ProduceProblem, rem: Open, matches: list[ProduceMatch]) -> None:
    """Take the matches off what is open (a processor's capacity is what it takes in)."""
    lots = {x.id: i for i, x in enumerate(p.lots)}
    orders = {x.id: i for i, x in enumerate(p.orders)}
    procs = {x.id: i for i, x in enumerate(p.processors)}
    for m in matches:
        if m.source_id in lots:
            rem[0][lots[m.source_id]] -= m.quantity
        if m.target_id in orders:
            rem[1][orders[m.target_id]] -= m.quantity
        else:
            rem[2][procs[m.target_id]] -= m.quantity


def tier_optimum(p: ProduceProblem, level: NetworkLevel, rem: Open, k_steps: int) -> StageValues:
    """The tier's stage values by HiGHS, stage after stage (module docstring)."""
    lanes = tier_lanes(p, level, rem[0], rem[1], rem[2])
    if not lanes:
        return StageValues(0, 0, 0)
    lp = _TierLP(p, lanes, rem, k_steps)
    ranks = age_ranks(p)
    lp.age[: len(lanes)] = [0 if ln.from_proc else ranks[ln.lot] for ln in lanes]
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
    p: ProduceProblem, tier_matches: list[ProduceMatch], lot_rem: list[int], k_steps: int
) -> StageValues:
    """The stage values of the matcher's matches of one tier: Φ counts a lot's units sold
    straight to orders, from where its earlier tiers left it; age counts all its units."""
    lots = {x.id: i for i, x in enumerate(p.lots)}
    procs = {x.id: x for x in p.processors}
    ranks = age_ranks(p)
    direct: dict[int, int] = defaultdict(int)
    gains, age = 0, 0
    for m in tier_matches:
        gains += m.value_satang - m.transport_satang - m.spoilage_satang
        if m.source_id in procs:
            gains -= procs[m.source_id].cost_satang_per_unit * m.quantity
            continue
        i = lots[m.source_id]
        gains -= p.lots[i].reserve_satang_per_unit * m.quantity
        age += ranks[i] * m.quantity
        if m.target_id not in procs:
            direct[i] += m.quantity
    phi = sum(
        fairness_of(p.lots[i].quantity, p.lots[i].quantity - lot_rem[i], u, k_steps)
        for i, u in direct.items()
        if k_steps
    )
    return StageValues(phi, gains, age)


@dataclass(frozen=True)
class TierAudit:
    tier: str
    got: StageValues
    best: StageValues


def audit(p: ProduceProblem, r: ProduceResult) -> list[TierAudit]:
    """Each tier's stage values, the matcher's and the oracle's, on what earlier tiers left.

    Rounds with integer trucks are audited by :func:`truck_audit` instead.
    """
    assert not p.trucks
    k_steps = 0 if p.policy is FairnessPolicy.COVERAGE else p.fairness_steps
    rem = opening(p)
    out = []
    for level in levels_of(p):
        mine = [m for m in r.matches if m.tier == _tier_name(level)]
        best = tier_optimum(p, level, rem, k_steps)
        got = achieved(p, mine, rem[0], k_steps)
        out.append(TierAudit(_tier_name(level), got, best))
        book(p, rem, mine)
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
    return round(-float(res.fun))


def truck_audit(p: ProduceProblem, r: ProduceResult) -> tuple[int, int]:
    """(Σ over tiers of the exact optimum on what earlier tiers left, the matcher's gains)."""
    assert not p.processors and p.trucks
    rem = opening(p)
    total = 0
    for level in levels_of(p):
        total += truck_optimum(p, level, rem[0], rem[1])
        book(p, rem, [m for m in r.matches if m.tier == _tier_name(level)])
    return total, r.objective.gains_satang


def maxmin_share(
    p: ProduceProblem, lanes: list[OLane], lot_rem: list[int], order_rem: list[int]
) -> float:
    """max t such that every lot with a lane ends the tier with a share sold ≥ t (HiGHS LP).

    Variables: x per lane, then t. Rows: orders (≤ open), lots (≤ open), and for each lot
    sold_before + Σ x − t·q ≥ 0.
    """
    n = len(lanes)
    rows = _Rows()
    by_lot: dict[int, list[int]] = defaultdict(list)
    by_order: dict[int, list[int]] = defaultdict(list)
    for v, ln in enumerate(lanes):
        by_lot[ln.lot].append(v)
        by_order[ln.order].append(v)
    for j, vs in sorted(by_order.items()):
        rows.add([(v, 1.0) for v in vs], 0.0, float(order_rem[j]))
    for i, vs in sorted(by_lot.items()):
        q = p.lots[i].quantity
        rows.add([(v, 1.0) for v in vs], 0.0, float(lot_rem[i]))
        rows.add([(v, 1.0) for v in vs] + [(n, -float(q))], -float(q - lot_rem[i]), np.inf)
    a = coo_matrix((rows.vals, (rows.rows, rows.cols)), shape=(len(rows.lo), n + 1)).tocsr()
    c = np.zeros(n + 1)
    c[n] = -1.0
    res = milp(
        c,
        constraints=LinearConstraint(a, np.array(rows.lo), np.array(rows.hi)),
        integrality=np.zeros(n + 1),
        bounds=Bounds(np.zeros(n + 1), np.array([np.inf] * n + [1.0])),
    )
    assert res.status == 0, res.message
    return float(res.x[n])


def share_audit(p: ProduceProblem, r: ProduceResult) -> list[tuple[str, float, float]]:
    """Per tier with lanes: (tier, the oracle's max-min share, the smallest share the
    matcher left, each lot's share raised by one step 1/K and one unit 1/q)."""
    assert not p.processors
    k_steps = p.fairness_steps
    rem = opening(p)
    lot_rem, order_rem = rem[0], rem[1]
    out = []
    for level in levels_of(p):
        lanes = tier_lanes(p, level, lot_rem, order_rem)
        mine = [m for m in r.matches if m.tier == _tier_name(level)]
        if lanes:
            best = maxmin_share(p, lanes, lot_rem, order_rem)
            after = (list(lot_rem), list(order_rem), list(rem[2]))
            book(p, after, mine)
            got = min(
                (p.lots[i].quantity - after[0][i]) / p.lots[i].quantity
                + 1 / k_steps
                + 1 / p.lots[i].quantity
                for i in {ln.lot for ln in lanes}
            )
            out.append((_tier_name(level), best, got))
        book(p, rem, mine)
    return out
