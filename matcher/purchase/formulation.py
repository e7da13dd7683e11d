"""The two CP-SAT formulations of one offer's group (see :mod:`matcher.purchase.cpsat`).

* **tight** — one Boolean x_bsk per need b, offer s and tier window k, with x_bsk ⇒ y_sk: the
  LP relaxation cannot spread a need's volume over a cheap window it does not fill, so the
  bound is close (on the provincial family it proves a 0.5 % gap where the compact one
  stays at 5 %), but it has about four times as many variables;
* **compact** — one Boolean x_bs per pair and an integer volume w_sk per window; used for
  large components, where the tight model does not even finish presolve in time.

Both state the same rules: one offer per need, one window per offer, the window's volume
range (minimum order and capacity at its ends) and group rationality. Each returns the
offer's saving terms and records, per pair, the Booleans that mean "served", plus what the
hint needs; the matching ``*_hint`` hints a plan completely.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from matcher.purchase.model import PurchaseProblem
from matcher.purchase.rules import Pair
from matcher.purchase.schedule import tier_windows

TightWindows = dict[int, list[tuple[cp_model.IntVar, int, int, int]]]
"""Offer → its windows (y, lo, hi, tier index)."""
CompactWindows = dict[int, list[tuple[cp_model.IntVar, cp_model.IntVar, int, int]]]
"""Offer → its windows (y, w, lo, hi)."""


def tight_offer(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    j: int,
    pairs: list[tuple[int, Pair]],
    alone: list[int],
    per_pair: list[list[cp_model.IntVar]],
    tiers: TightWindows,
) -> list[cp_model.LinearExprT]:
    """One offer's windows and its Booleans x_bsk (need b in window k); the objective terms."""
    svars: list[cp_model.IntVar] = []
    scoef: list[int] = []
    rcoef: list[int] = []
    windows = tiers.setdefault(j, [])
    reach = sum(problem.needs[pair.need].quantity for _, pair in pairs)
    for k, low, high, price, fixed in tier_windows(problem.offers[j]):
        if low > reach:
            break
        y = model.new_bool_var(f"y{j}_{k}")
        windows.append((y, low, high, k))
        xs: list[cp_model.IntVar] = []
        qs: list[int] = []
        for n, pair in pairs:
            q = problem.needs[pair.need].quantity
            if q > high:
                continue
            x = model.new_bool_var(f"x{j}_{k}_{pair.need}")
            model.add_implication(x, y)
            per_pair[n].append(x)
            xs.append(x)
            qs.append(q)
            gain = pair.value_satang - q * price
            scoef.append(gain)
            rcoef.append(gain - alone[pair.need])
        svars.extend(xs)
        volume = cp_model.LinearExpr.weighted_sum(xs, qs)
        model.add(volume >= low * y)
        model.add(volume <= high * y)
        if fixed:
            svars.append(y)
            scoef.append(-fixed)
            rcoef.append(-fixed)
    model.add_at_most_one(w[0] for w in windows)
    model.add(cp_model.LinearExpr.weighted_sum(svars, rcoef) >= 0)
    return [cp_model.LinearExpr.weighted_sum(svars, scoef)]


def tight_hint(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    pairs: list[Pair],
    per_pair: list[list[cp_model.IntVar]],
    hinted: set[int],
    tiers: TightWindows,
) -> None:
    """Hint the starting plan completely: each hinted need in its offer's window."""
    volume: dict[int, int] = {}
    for n in hinted:
        j = pairs[n].offer
        volume[j] = volume.get(j, 0) + problem.needs[pairs[n].need].quantity
    window: dict[int, int] = {}
    for j, windows in tiers.items():
        v = volume.get(j, 0)
        for y, low, high, k in windows:
            inside = v > 0 and low <= v <= high
            model.add_hint(y, inside)
            if inside:
                window[j] = k
    for n, xs in enumerate(per_pair):
        on = f"x{pairs[n].offer}_{window.get(pairs[n].offer, -1)}_{pairs[n].need}"
        for x in xs:
            model.add_hint(x, n in hinted and x.name == on)


def compact_offer(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    j: int,
    pairs: list[tuple[int, Pair]],
    alone: list[int],
    per_pair: list[list[cp_model.IntVar]],
    tiers: CompactWindows,
) -> list[cp_model.LinearExprT]:
    """One offer's windows and assignment Booleans; returns its objective terms."""
    xs: list[cp_model.IntVar] = []
    qs: list[int] = []
    values: list[int] = []
    rational: list[int] = []
    for n, pair in pairs:
        x = model.new_bool_var(f"x{j}_{pair.need}")
        per_pair[n].append(x)
        xs.append(x)
        qs.append(problem.needs[pair.need].quantity)
        values.append(pair.value_satang)
        rational.append(pair.value_satang - alone[pair.need])
    reach = sum(qs)
    cvars: list[cp_model.IntVar] = []
    ccoef: list[int] = []
    ys, ws = [], []
    windows = tiers.setdefault(j, [])
    for k, low, high, price, fixed in tier_windows(problem.offers[j]):
        if low > reach:
            break
        y = model.new_bool_var(f"y{j}_{k}")
        w = model.new_int_var(0, min(high, reach), f"w{j}_{k}")
        windows.append((y, w, low, high))
        model.add(w >= low * y)
        model.add(w <= min(high, reach) * y)
        ys.append(y)
        ws.append(w)
        cvars += [w, y]
        ccoef += [price, fixed]
    model.add_at_most_one(ys)
    model.add(sum(ws) == cp_model.LinearExpr.weighted_sum(xs, qs))
    cost = cp_model.LinearExpr.weighted_sum(cvars, ccoef)
    model.add(cp_model.LinearExpr.weighted_sum(xs, rational) - cost >= 0)
    return [cp_model.LinearExpr.weighted_sum(xs, values) - cost]


def compact_hint(
    model: cp_model.CpModel,
    problem: PurchaseProblem,
    pairs: list[Pair],
    per_pair: list[list[cp_model.IntVar]],
    hinted: set[int],
    tiers: CompactWindows,
) -> None:
    """Hint the starting plan completely: assignments, each offer's window and volume."""
    volume: dict[int, int] = {}
    for n, xs in enumerate(per_pair):
        for x in xs:
            model.add_hint(x, n in hinted)
        if n in hinted:
            j = pairs[n].offer
            volume[j] = volume.get(j, 0) + problem.needs[pairs[n].need].quantity
    for j, windows in tiers.items():
        v = volume.get(j, 0)
        for y, w, low, high in windows:
            inside = v > 0 and low <= v <= high
            model.add_hint(y, inside)
            model.add_hint(w, v if inside else 0)
