"""Test-only oracle: the chance-constrained funding MILP written out in full (a binary per
sample-day, a draw per source and sample-day), solved by SciPy's HiGHS. It shares nothing
with the production LP (no reduction, no merit order, no cutting planes)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from matcher.funding.model import BPS, FundingProblem


def milp_cost(problem: FundingProblem) -> float:
    """Optimal expected season cost in satang (raises if HiGHS does not prove optimality)."""
    nets, srcs = problem.networks, problem.sources
    s_, t_ = problem.samples, problem.days
    pts = s_ * t_
    year = problem.days / 365 / BPS
    idx: dict[tuple[object, ...], int] = {}

    def var(*key: object) -> int:
        return idx.setdefault(key, len(idx))

    for n in nets:
        var("F", n)
        for k in srcs:
            if k.serves(n):
                var("L", k.id, n)
                for p in range(pts):
                    var("u", k.id, n, p)
        for p in range(pts):
            var("z", n, p)
    c = np.zeros(len(idx))
    lo, hi = np.zeros(len(idx)), np.full(len(idx), np.inf)
    integ = np.zeros(len(idx))
    rho = {f.network: f for f in problem.funds}
    for n in nets:
        f = rho.get(n)
        c[idx["F", n]] = (f.return_forgone_bps if f else 0) * year
        if f is not None and f.limit_satang is not None:
            hi[idx["F", n]] = f.limit_satang
        for k in srcs:
            if k.serves(n):
                c[idx["L", k.id, n]] = k.commitment_fee_bps * year
                for p in range(pts):
                    c[idx["u", k.id, n, p]] = (
                        (k.interest_bps - k.commitment_fee_bps) / 365 / BPS / s_
                    )
        for p in range(pts):
            integ[idx["z", n, p]] = 1
            hi[idx["z", n, p]] = 1
    rows: list[tuple[dict[int, float], float, float]] = []
    for j, n in enumerate(nets):
        req = problem.requirement[:, :, j].reshape(-1)
        for p in range(pts):
            row = {idx["F", n]: 1.0, idx["z", n, p]: -float(req[p])}
            for k in srcs:
                if k.serves(n):
                    row[idx["u", k.id, n, p]] = 1.0
                    rows.append(({idx["u", k.id, n, p]: 1.0, idx["L", k.id, n]: -1.0}, -np.inf, 0))
            rows.append((row, 0.0, np.inf))
        need = -(-problem.target_bps * pts // BPS)
        rows.append(({idx["z", n, p]: 1.0 for p in range(pts)}, need, np.inf))
    for k in srcs:
        if k.limit_satang is not None:
            row = {idx["L", k.id, n]: 1.0 for n in nets if k.serves(n)}
            rows.append((row, -np.inf, k.limit_satang))
    a = lil_matrix((len(rows), len(idx)))
    for r, (row, _, _) in enumerate(rows):
        for col, val in row.items():
            a[r, col] = val
    cons = LinearConstraint(a.tocsr(), [r[1] for r in rows], [r[2] for r in rows])
    res = milp(
        c, constraints=cons, integrality=integ, bounds=Bounds(lo, hi), options={"mip_rel_gap": 1e-9}
    )
    assert res.status == 0, res.message
    return float(res.fun)
