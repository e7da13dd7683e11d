"""Builders, the validated solve and two independent oracles for the joint-purchase tests.

Oracles (outside the production path):
* :func:`brute_force` enumerates every assignment of needs to offers on tiny instances;
* :func:`scipy_all_units` is a MILP built here with :func:`scipy.optimize.milp` (HiGHS) in a
  different formulation from the matcher's: one binary per (need, offer, tier).
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    PurchaseProblem,
    PurchaseResult,
    ScheduleKind,
    SharingRule,
    SupplierOffer,
)
from matcher.purchase.solver import solve_purchase
from matcher.purchase.validator import alone_of, cost_of, delivery_of, validate

DAY = date(2026, 1, 5)
LAT, LON = 1_857_000, 9_902_000
"""Mueang Lamphun, roughly."""


def tiers(*steps: tuple[int, int]) -> tuple[PriceTier, ...]:
    """Contiguous tiers from (min_units, price) steps; the last is open."""
    out = []
    for k, (low, price) in enumerate(steps):
        high = steps[k + 1][0] - 1 if k + 1 < len(steps) else None
        out.append(PriceTier(low, high, price))
    return tuple(out)


def need(
    ident: str,
    qty: int,
    max_price: int | None = 3000,
    *,
    product: str = "diesel",
    dlat: int = 0,
    dlon: int = 0,
    deliver_by: date = date(2026, 1, 12),
) -> PurchaseNeed:
    """A need of coop ``c-<ident>`` near Lamphun (offset in 1e-5 degree)."""
    return PurchaseNeed(
        ident, f"c-{ident}", product, qty, deliver_by, max_price, LAT + dlat, LON + dlon
    )


def offer(
    ident: str,
    schedule: tuple[PriceTier, ...],
    *,
    kind: ScheduleKind = ScheduleKind.ALL_UNITS,
    product: str = "diesel",
    min_order: int = 0,
    capacity: int = 100_000,
    truck: int = 10_000,
    truck_satang: int = 0,
    per_km: int = 0,
    lead_days: int = 0,
    reach_m: int = 300_000,
    dlat: int = 0,
) -> SupplierOffer:
    """An offer from a depot near Lamphun."""
    return SupplierOffer(
        ident,
        f"s-{ident}",
        product,
        kind,
        schedule,
        min_order,
        capacity,
        LAT + dlat,
        LON,
        truck,
        truck_satang,
        per_km,
        lead_days,
        reach_m,
    )


def problem(
    needs: list[PurchaseNeed], offers: list[SupplierOffer], **kw: object
) -> PurchaseProblem:
    """A round on :data:`DAY` (exact: gap 0)."""
    kw.setdefault("gap_bps", 0)
    return PurchaseProblem(DAY, tuple(needs), tuple(offers), **kw)  # type: ignore[arg-type]


def solve_valid(p: PurchaseProblem) -> PurchaseResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_purchase(p)
    errors = validate(p, result)
    assert errors == [], errors
    return result


def _plan_saving(p: PurchaseProblem, plan: tuple[int, ...], alone: list[int]) -> int | None:
    """Total saving of one assignment (−1 = unserved) or None if it breaks a rule."""
    groups: dict[int, list[int]] = {}
    total = 0
    for i, j in enumerate(plan):
        if j >= 0:
            groups.setdefault(j, []).append(i)
    for j, members in groups.items():
        o = p.offers[j]
        vol = sum(p.needs[i].quantity for i in members)
        if not o.min_order_units <= vol <= o.capacity_units:
            return None
        value = 0
        for i in members:
            d = delivery_of(p, o, p.needs[i])
            if d is None:
                return None
            value += p.needs[i].quantity * (p.needs[i].max_price_satang_per_unit or 0) - d
        saving = value - cost_of(o, vol)
        if saving < sum(alone[i] for i in members):
            return None
        total += saving
    return total


def brute_force(p: PurchaseProblem) -> int:
    """The best total saving over every assignment (tiny instances only)."""
    alone = [alone_of(p, n) for n in p.needs]
    choices = range(-1, len(p.offers))
    best = 0
    for plan in itertools.product(choices, repeat=len(p.needs)):
        saving = _plan_saving(p, plan, alone)
        if saving is not None and saving > best:
            best = saving
    return best


def scipy_all_units(p: PurchaseProblem) -> float:
    """Best total saving by scipy's MILP: binaries x_bsk (need b, offer s, tier k), y_sk."""
    alone = [alone_of(p, n) for n in p.needs]
    cols: list[tuple[int, int, int]] = []
    gain: list[float] = []
    for i, n in enumerate(p.needs):
        for j, o in enumerate(p.offers):
            d = delivery_of(p, o, n)
            if d is None:
                continue
            for k, t in enumerate(o.tiers):
                cols.append((i, j, k))
                limit = n.quantity * (n.max_price_satang_per_unit or 0)
                gain.append(limit - d - n.quantity * t.price_satang_per_unit)
    if not cols:
        return 0.0
    ys = [(j, k) for j, o in enumerate(p.offers) for k in range(len(o.tiers))]
    nx, ny = len(cols), len(ys)
    rows, lo, hi = [], [], []

    def row() -> np.ndarray:
        r = np.zeros(nx + ny)
        rows.append(r)
        return r

    for i in range(len(p.needs)):
        r = row()
        for c, (ci, _, _) in enumerate(cols):
            r[c] = 1 if ci == i else 0
        lo.append(0)
        hi.append(1)
    for j, o in enumerate(p.offers):
        r = row()
        for y, (yj, _) in enumerate(ys):
            r[nx + y] = 1 if yj == j else 0
        lo.append(0)
        hi.append(1)
        r = row()  # group rationality: Σ (gain − A) x ≥ 0
        for c, (ci, cj, _) in enumerate(cols):
            if cj == j:
                r[c] = gain[c] - alone[ci]
        lo.append(0)
        hi.append(np.inf)
        for k, t in enumerate(o.tiers):
            y = ys.index((j, k))
            low = max(t.min_units, o.min_order_units)
            high = min(
                o.capacity_units, t.max_units if t.max_units is not None else o.capacity_units
            )
            r = row()  # low·y ≤ Σ q x_bjk ≤ high·y
            for c, (ci, cj, ck) in enumerate(cols):
                if (cj, ck) == (j, k):
                    r[c] = p.needs[ci].quantity
            r[nx + y] = -low
            lo.append(0)
            hi.append(np.inf)
            r2 = row()
            r2[:nx] = r[:nx]
            r2[nx + y] = -high
            lo.append(-np.inf)
            hi.append(0)
            for c, (_, cj, ck) in enumerate(cols):
                if (cj, ck) == (j, k):
                    r3 = row()  # x ≤ y
                    r3[c] = 1
                    r3[nx + y] = -1
                    lo.append(-np.inf)
                    hi.append(0)
    c = -np.concatenate([np.array(gain), np.zeros(ny)])
    res = milp(
        c,
        constraints=LinearConstraint(np.array(rows), lo, hi),
        integrality=np.ones(nx + ny),
        bounds=Bounds(0, 1),
        options={"mip_rel_gap": 0},
    )
    assert res.status == 0, res.message
    return float(-res.fun)


@st.composite
def random_problems(
    draw: st.DrawFn,
    max_needs: int = 5,
    max_offers: int = 2,
    kinds: tuple[ScheduleKind, ...] = (ScheduleKind.ALL_UNITS, ScheduleKind.INCREMENTAL),
) -> PurchaseProblem:
    """Small random rounds: 1–3 tiers, minimum orders, capacities, trucks and reach."""
    needs = [
        need(
            f"n{k}",
            draw(st.integers(1, 40)) * 50,
            draw(st.integers(2600, 3100)),
            dlat=draw(st.integers(-60_000, 60_000)),
            dlon=draw(st.integers(-60_000, 60_000)),
        )
        for k in range(draw(st.integers(1, max_needs)))
    ]
    offers = []
    for k in range(draw(st.integers(1, max_offers))):
        n_tiers = draw(st.integers(1, 3))
        bounds = sorted(
            draw(st.sets(st.integers(1, 60), min_size=n_tiers - 1, max_size=n_tiers - 1))
        )
        prices = sorted(draw(st.lists(st.integers(2500, 3000), min_size=n_tiers, max_size=n_tiers)))
        steps = list(zip([0] + [b * 50 for b in bounds], reversed(prices), strict=True))
        capacity = draw(st.integers(10, 80)) * 50
        offers.append(
            offer(
                f"s{k}",
                tiers(*steps),
                kind=draw(st.sampled_from(kinds)),
                min_order=draw(st.integers(0, capacity // 50)) * 50 if draw(st.booleans()) else 0,
                capacity=capacity,
                truck=draw(st.sampled_from([500, 1000, 5000])),
                truck_satang=draw(st.integers(0, 50_000)),
                per_km=draw(st.integers(0, 2_000)),
                reach_m=draw(st.integers(20_000, 200_000)),
                dlat=draw(st.integers(-50_000, 50_000)),
            )
        )
    rule = draw(st.sampled_from(list(SharingRule)))
    return problem(needs, offers, sharing=rule)
