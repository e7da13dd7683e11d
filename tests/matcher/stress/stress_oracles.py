"""Test-only oracles for the clearing vector, independent of the production algorithm.

* :func:`fixed_point`: Picard iteration ``p ← min(p̄, e + Π^T p)`` from ``p̄`` in plain
  Python (Eisenberg & Noe's decreasing sequence), to convergence.
* :func:`brute_force`: every default set ``D``; solve the linear system for ``D``; keep the
  consistent solutions; the greatest (component-wise) is the clearing vector.
* :func:`lp_oracle`: Eisenberg & Noe's LP ``max Σ p`` s.t. ``p ≤ p̄``, ``p ≤ e + Π^T p``,
  ``p ≥ 0`` (SciPy HiGHS).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
from scipy.optimize import linprog


def _matrix(n: int, claims: list[tuple[int, int, float]]) -> tuple[np.ndarray, np.ndarray]:
    big_l = np.zeros((n, n))
    for d, c, a in claims:
        big_l[d, c] += a
    owes = big_l.sum(axis=1)
    pi = np.divide(big_l, owes[:, None], out=np.zeros_like(big_l), where=owes[:, None] > 0)
    return pi, owes


def fixed_point(n, claims, liquid, stops, sweeps=200_000):  # type: ignore[no-untyped-def]
    pi, owes = _matrix(n, claims)
    p = [0.0 if stops[i] else owes[i] for i in range(n)]
    for _ in range(sweeps):
        nxt = []
        for i in range(n):
            if stops[i]:
                nxt.append(0.0)
                continue
            has = liquid[i] + sum(pi[j, i] * p[j] for j in range(n))
            nxt.append(min(owes[i], has))
        if max(abs(a - b) for a, b in zip(nxt, p, strict=True)) < 1e-10:
            return nxt
        p = nxt
    return p


def brute_force(n, claims, liquid, stops):  # type: ignore[no-untyped-def]
    pi, owes = _matrix(n, claims)
    e = np.asarray(liquid, float)
    best = None
    free = [i for i in range(n) if not stops[i]]
    for size in range(len(free) + 1):
        for combo in combinations(free, size):
            p = np.array(owes, float)
            p[[i for i in range(n) if stops[i]]] = 0.0
            solve = list(combo)
            if solve:
                a = np.eye(len(solve)) - pi[np.ix_(solve, solve)].T
                rest = [j for j in range(n) if j not in solve]
                b = e[solve] + pi[np.ix_(rest, solve)].T @ p[rest]
                try:
                    p[solve] = np.linalg.solve(a, b)
                except np.linalg.LinAlgError:
                    continue
            has = e + pi.T @ p
            ok = all(
                (p[i] <= owes[i] + 1e-7 and p[i] >= -1e-7)
                and (abs(p[i] - has[i]) < 1e-6 if i in combo else p[i] <= has[i] + 1e-6 or stops[i])
                for i in range(n)
            )
            if ok and (best is None or (p >= best - 1e-7).all()):
                best = p
    return best


def lp_oracle(n, claims, liquid, stops):  # type: ignore[no-untyped-def]
    pi, owes = _matrix(n, claims)
    a_ub = np.eye(n) - pi.T
    bounds = [(0.0, 0.0) if stops[i] else (0.0, owes[i]) for i in range(n)]
    res = linprog(
        -np.ones(n), A_ub=a_ub, b_ub=np.asarray(liquid, float), bounds=bounds, method="highs"
    )
    assert res.status == 0
    return res.x
