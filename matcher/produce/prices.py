"""Agreed prices of matches: split of the surplus after transport, or a clearing price.

Split rule (default): a lane's floor is ``reserve + transport + spoilage`` per unit (for a
processor's output: ``transport + processing cost``); the price is halfway between the
floor and the buyer's highest price for the grade, ties to even. A leg into a processor is
priced at its floor (the seller gets its reserve; the gain is realised downstream).

Clearing rule: one price per (product, grade, network) — the quantity-weighted mean of the
tier LP's dual prices ``bid − v_d`` of the matched orders (GLOP), rounded half-even and then
clamped into each match's own [floor, bid], so no match ever trades outside its bounds.
"""

from __future__ import annotations

import numpy as np
from ortools.linear_solver import pywraplp

from matcher.money import div_round_half_even
from matcher.produce.distance import I64, Bool


def half_even_mid(low: I64, high: I64) -> I64:
    """Midpoint of two integer arrays, ties to even.

    >>> half_even_mid(np.array([10, 11, 11]), np.array([20, 20, 22])).tolist()
    [15, 16, 16]
    """
    total = low + high
    q = total // 2
    out: I64 = (q + ((total % 2 == 1) & (q % 2 == 1))).astype(np.int64)
    return out


def split_prices(floor: I64, bid: I64, to_processor: Bool) -> I64:
    """Split-the-surplus prices; legs into processors at their floor."""
    out: I64 = np.where(to_processor, floor, half_even_mid(floor, bid)).astype(np.int64)
    return out


def buyer_duals(s: I64, d: I64, gain: I64, supply_cap: I64, demand_cap: I64) -> I64 | None:
    """Dual value v_d of each demand row of the transport LP (max Σ gain·x); None if GLOP fails.

    LP: max Σ g_l x_l  s.t.  Σ_{l∈s} x_l ≤ a_s,  Σ_{l∈d} x_l ≤ b_d,  x ≥ 0.
    """
    both = transport_duals(s, d, gain, supply_cap, demand_cap)
    return None if both is None else both[1]


def transport_duals(
    s: I64, d: I64, gain: I64, supply_cap: I64, demand_cap: I64
) -> tuple[I64, I64] | None:
    """Duals (u_s per supply row, v_d per demand row) of the transport LP; None if GLOP fails.

    LP: max Σ g_l x_l  s.t.  Σ_{l∈s} x_l ≤ a_s  (u_s),  Σ_{l∈d} x_l ≤ b_d  (v_d),  x ≥ 0.
    u_s is the gain one more unit at supply node s would add (its shadow value), v_d the
    gain of one more unit of demand at d; both are rounded half-even to whole satang.
    Rows without a lane get 0.
    """
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    x = [solver.NumVar(0.0, solver.infinity(), "") for _ in range(s.size)]
    sup_rows = {
        int(i): solver.Constraint(-solver.infinity(), float(supply_cap[i])) for i in np.unique(s)
    }
    dem_rows = {
        int(j): solver.Constraint(-solver.infinity(), float(demand_cap[j])) for j in np.unique(d)
    }
    obj = solver.Objective()
    for k in range(s.size):
        sup_rows[int(s[k])].SetCoefficient(x[k], 1.0)
        dem_rows[int(d[k])].SetCoefficient(x[k], 1.0)
        obj.SetCoefficient(x[k], float(gain[k]))
    obj.SetMaximization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    u = _row_duals(sup_rows, supply_cap.size)
    v = _row_duals(dem_rows, demand_cap.size)
    return None if u is None or v is None else (u, v)


def _row_duals(rows: dict[int, pywraplp.Constraint], size: int) -> I64 | None:
    """Rounded duals of ≤ rows of a maximisation (None if one is negative: a sign error)."""
    out = np.zeros(size, dtype=np.int64)
    for j, row in rows.items():
        # For a maximisation with ≤ rows GLOP reports duals ≥ 0 (the value of one more unit
        # of the row's capacity); a negative one would mean a sign error, so none is given.
        value = row.dual_value()
        if value < -1e-6:
            return None
        out[j] = round(max(value, 0.0))
    return out


def clearing_prices(group: I64, qty: I64, dual_price: I64, floor: I64, bid: I64) -> I64:
    """One price per group (quantity-weighted mean of dual prices), clamped per match.

    >>> clearing_prices(np.array([0, 0]), np.array([1, 3]), np.array([10, 14]),
    ...                 np.array([5, 13]), np.array([20, 30])).tolist()
    [13, 13]
    """
    out = np.zeros(group.size, dtype=np.int64)
    for gid in np.unique(group):
        sel = group == gid
        w = int(qty[sel].sum())
        num = int((qty[sel] * dual_price[sel]).sum())
        uniform = div_round_half_even(num, max(w, 1))
        out[sel] = np.clip(uniform, floor[sel], bid[sel])
    return out
