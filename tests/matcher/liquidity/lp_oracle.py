"""A test-only oracle for one liquidity tier: the stated objectives solved by HiGHS.

It reads only the problem and the rules as the README states them, never the matcher's code:
the compatible pairs (rate, term, bylaws, funds, limits), the caps, the fill bands, the
fairness weights and the rate ranks are all rebuilt here, and each stage is a linear
programme solved with HiGHS through ``scipy.optimize.linprog`` (a network flow, so its
optimum is integral) or, with integer rules, a MILP through ``scipy.optimize.milp``:

1. U* = max Σₙ uₙ·fillₙ;
2. F* = max Σₙ Σₖ (2(K−k)+1)·bandₙₖ  subject to U = U*   (not under ``coverage``);
3. R* = min Σ rank(o)·x₍ₒ,ₙ₎          subject to U = U*, F = F*.

Only single-network problems are modelled (one tier).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, vstack

from matcher.liquidity.model import LiquidityProblem, LoanNeed, LoanOffer
from matcher.results import FairnessPolicy, RateRule


@dataclass(frozen=True)
class Stages:
    urgency: int
    fairness: int
    rank_cost: int
    max_min_fill: float
    """The largest smallest fill ratio over the needs some offer reaches, holding U = U*
    (continuous, integer rules ignored)."""


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


def bands(need: LoanNeed, policy: FairnessPolicy, k: int) -> list[int]:
    """Sizes of the need's fill bands (one band under coverage)."""
    a, m = need.amount_satang, need.min_amount_satang
    if policy is FairnessPolicy.COVERAGE or k == 1:
        return [a]
    if policy is FairnessPolicy.MAXMIN:
        cuts = [_ceil_div(a * j, k) for j in range(k + 1)]
    else:
        cuts = [0] + [m + _ceil_div((a - m) * (j - 1), k - 1) for j in range(1, k + 1)]
    return [cuts[j + 1] - cuts[j] for j in range(k)]


def _offers(p: LiquidityProblem) -> list[tuple[LoanOffer, bool]]:
    out = [(o, False) for o in p.offers]
    if p.joint_fund is not None:
        f = p.joint_fund
        out.append((LoanOffer(f.id, f.id, f.amount_satang, f.rate_bps, f.max_term_days), True))
    return out


def pairs_of(p: LiquidityProblem) -> list[tuple[int, int]]:
    rules = {r.coop_id: r for r in p.rules}
    posted = p.networks[0].posted_rate_bps if p.rate_rule is RateRule.POSTED else None

    def lends(c: str) -> bool:
        r = rules.get(c)
        room = None if r is None or r.liquid_funds_satang is None else r.liquid_funds_satang
        return (r is None or r.may_lend) and (room is None or room - r.reserve_satang > 0)

    def borrows(c: str) -> bool:
        r = rules.get(c)
        lim = None if r is None else r.borrowing_limit_satang
        return (r is None or r.may_borrow) and (lim is None or lim - r.outstanding_satang > 0)

    out = []
    for i, (o, fund) in enumerate(_offers(p)):
        for j, n in enumerate(p.needs):
            if not (fund or lends(o.lender)) or not borrows(n.borrower):
                continue
            if n.term_days > o.max_term_days or o.min_rate_bps > n.max_rate_bps:
                continue
            if posted is not None and not fund and not (o.min_rate_bps <= posted <= n.max_rate_bps):
                continue
            if o.cap_per_borrower_satang == 0:
                continue
            out.append((i, j))
    return out


def _ranks(offers: list[tuple[LoanOffer, bool]], used: set[int]) -> dict[int, int]:
    rates = sorted({offers[i][0].min_rate_bps for i in used if not offers[i][1]})
    ranks = {i: rates.index(offers[i][0].min_rate_bps) for i in used if not offers[i][1]}
    for i in used:
        if offers[i][1]:
            ranks[i] = len(rates)
    return ranks


def solve_stages(p: LiquidityProblem) -> Stages:
    """The three stage optima of a single-network problem (integer rules as a MILP)."""
    offers, needs = _offers(p), p.needs
    pairs = pairs_of(p)
    k = p.fairness_steps
    band_sizes = [bands(n, p.policy, k) for n in needs]
    nb = [len(b) for b in band_sizes]
    # Columns: pair flows x, band fills s, need switches y, pair switches z.
    nx, ns, ny, nz = len(pairs), sum(nb), len(needs), len(pairs)
    n = nx + ns + ny + nz
    s0 = nx
    band_col = []
    for sizes in band_sizes:
        band_col.append(list(range(s0, s0 + len(sizes))))
        s0 += len(sizes)
    y0, z0 = nx + ns, nx + ns + ny
    entries: list[tuple[int, int, float]] = []
    lo: list[float] = []
    hi: list[float] = []

    def row(coefs: dict[int, float], low: float, high: float) -> None:
        entries.extend((len(lo), c, v) for c, v in coefs.items())
        lo.append(low)
        hi.append(high)

    rules = {r.coop_id: r for r in p.rules}
    by: dict[tuple[str, object], dict[int, float]] = {}
    for c, (oi, j) in enumerate(pairs):
        for key in (
            ("offer", oi),
            ("cap", (oi, needs[j].borrower)),
            ("lender", offers[oi][0].lender),
            ("borrower", needs[j].borrower),
            ("need", j),
        ):
            by.setdefault(key, {})[c] = 1
    for i, (o, _) in enumerate(offers):
        row(by.get(("offer", i), {}), 0, o.amount_satang)
        if o.cap_per_borrower_satang is not None:
            for b in {nd.borrower for nd in needs}:
                row(by.get(("cap", (i, b)), {}), 0, o.cap_per_borrower_satang)
    for c_id, r in rules.items():
        if r.liquid_funds_satang is not None:
            row(by.get(("lender", c_id), {}), 0, max(0, r.liquid_funds_satang - r.reserve_satang))
        if r.borrowing_limit_satang is not None:
            row(
                by.get(("borrower", c_id), {}),
                0,
                max(0, r.borrowing_limit_satang - r.outstanding_satang),
            )
    integer = np.zeros(n)
    ub = np.zeros(n)
    for c, (oi, j) in enumerate(pairs):
        ub[c] = min(offers[oi][0].amount_satang, needs[j].amount_satang)
        ub[z0 + c] = 1
        integer[z0 + c] = 1
        row({c: 1, z0 + c: -ub[c]}, -np.inf, 0)
    for j, nd in enumerate(needs):
        for col, size in zip(band_col[j], band_sizes[j], strict=True):
            ub[col] = size
        fill = by.get(("need", j), {})
        row({**fill, **dict.fromkeys(band_col[j], -1)}, 0, 0)
        ub[y0 + j] = 1
        integer[y0 + j] = 1
        if nd.min_amount_satang > 0:
            row({**fill, y0 + j: -nd.min_amount_satang}, 0, np.inf)
            row({**fill, y0 + j: -nd.amount_satang}, -np.inf, 0)
        r = rules.get(nd.borrower)
        if r is not None and r.max_lenders_per_need is not None:
            row({z0 + c: 1 for c in fill}, 0, r.max_lenders_per_need)
    urgency = np.zeros(n)
    fairness = np.zeros(n)
    for j, nd in enumerate(needs):
        for c in by.get(("need", j), {}):
            urgency[c] = nd.urgency
        if len(band_col[j]) > 1:
            for idx, col in enumerate(band_col[j]):
                fairness[col] = 2 * (k - idx - 1) + 1
    ranks = _ranks(offers, {oi for oi, _ in pairs})
    cost = np.zeros(n)
    for c, (oi, _) in enumerate(pairs):
        cost[c] = ranks[oi]
    bounds = Bounds(np.zeros(n), ub)

    r_idx, c_idx, vals = (np.array(v) for v in zip(*entries, strict=True))
    base = coo_array((vals, (r_idx, c_idx)), shape=(len(lo), n)).tocsr()

    def solve(objective: np.ndarray, extra: list[tuple[np.ndarray, float]]) -> float:
        a = vstack([base] + [coo_array(e.reshape(1, -1)) for e, _ in extra]).tocsr()
        low = lo + [v for _, v in extra]
        high = hi + [v for _, v in extra]
        res = milp(
            objective,
            constraints=LinearConstraint(a, low, high),
            integrality=integer,
            bounds=bounds,
            options={"mip_rel_gap": 0, "presolve": True},
        )
        assert res.status == 0, res.message
        return float(objective @ res.x)

    u_star = round(-solve(-urgency, []))
    fixed = [(urgency, float(u_star))]
    f_star = 0
    if any(len(b) > 1 for b in band_col):
        f_star = round(-solve(-fairness, fixed))
        fixed.append((fairness, float(f_star)))
    r_star = round(solve(cost, fixed))
    return Stages(u_star, f_star, r_star, _max_min(base, lo, hi, bounds, urgency, u_star, by, p))


def _max_min(base, lo, hi, bounds, urgency, u_star, by, p):  # type: ignore[no-untyped-def]
    """max t such that every reachable need is filled at least t × its amount, U = U*."""
    from scipy.optimize import linprog
    from scipy.sparse import hstack

    n = base.shape[1]
    reach = [j for j in range(len(p.needs)) if by.get(("need", j))]
    if not reach:
        return 1.0
    rows = []
    for j in reach:
        r = np.zeros(n + 1)
        for c in by[("need", j)]:
            r[c] = -1
        r[n] = p.needs[j].amount_satang
        rows.append(r)
    a_ub = vstack([hstack([base, coo_array((base.shape[0], 1))]), coo_array(np.array(rows))])
    a_ub = vstack([a_ub, -a_ub[: base.shape[0]]]).tocsr()
    b_ub = np.concatenate([np.array(hi), np.zeros(len(reach)), -np.array(lo)])
    finite = np.isfinite(b_ub)
    c = np.zeros(n + 1)
    c[n] = -1
    eq = np.concatenate([urgency, [0]]).reshape(1, -1)
    res = linprog(
        c,
        A_ub=a_ub[finite],
        b_ub=b_ub[finite],
        A_eq=eq,
        b_eq=[u_star],
        bounds=list(zip([*bounds.lb, 0], [*bounds.ub, 1], strict=True)),
        method="highs",
    )
    assert res.status == 0, res.message
    return float(res.x[n])
