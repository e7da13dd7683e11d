"""DebtRank (Battiston et al., 2012): how much of the system's value a shock puts in distress.

Lender ``i``'s *impact weight* from borrower ``j`` is ``W_ij = min(1, A_ij / E_i)``: what
``j`` owes ``i`` as a share of ``i``'s reserve ``E_i`` (1 when ``i`` has no reserve). Each
coop has a distress ``h_i ∈ [0, 1]`` and a state: undistressed, distressed or inactive.
The shocked coops start distressed with ``h = ψ`` (1 for a coop that stops paying, else its
share of liquid funds lost). Each step::

    h_i ← min(1, h_i + Σ_{j distressed} W_ij · h_j)      (i not yet inactive)

then the distressed become inactive (they pass their distress on once) and every
undistressed coop with ``h > 0`` becomes distressed; it stops when none is distressed.
With value weights ``v_i`` (a coop's share of all liquid funds plus claims held), the
DebtRank of the shock is ``Σ_i v_i h_i(end) − Σ_i v_i h_i(start)``: the value lost
*beyond* the shock itself.

>>> led_w = impact_weights(3, [0, 1], [1, 2], [50.0, 50.0], [100.0, 100.0, 50.0])
>>> round(debtrank(led_w, [1.0, 0.0, 0.0], [1 / 3] * 3), 4)
0.3333
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class ImpactWeights:
    """``W`` as edge arrays: the lender is hit by its borrower's distress."""

    n: int
    borrower: NDArray[np.int64]
    lender: NDArray[np.int64]
    weight: NDArray[np.float64]


def impact_weights(
    n: int,
    borrower: list[int] | NDArray[np.int64],
    lender: list[int] | NDArray[np.int64],
    amount: list[float] | NDArray[np.float64],
    reserve: list[float] | NDArray[np.float64],
) -> ImpactWeights:
    """``W_ij = min(1, A_ij / E_i)`` for each (lender i, borrower j) with a claim."""
    b = np.asarray(borrower, np.int64)
    lend = np.asarray(lender, np.int64)
    a = np.asarray(amount, np.float64)
    e = np.asarray(reserve, np.float64)[lend]
    w = np.where(e > 0, np.minimum(1.0, a / np.where(e > 0, e, 1.0)), (a > 0).astype(np.float64))
    return ImpactWeights(n, b, lend, w)


def debtrank(
    w: ImpactWeights,
    initial: list[float] | NDArray[np.float64],
    value: list[float] | NDArray[np.float64],
) -> float:
    """DebtRank of the initial distress ``initial`` with value weights ``value``."""
    h0 = np.asarray(initial, np.float64)
    v = np.asarray(value, np.float64)
    h = h0.copy()
    distressed = h > 0
    inactive = np.zeros(w.n, dtype=np.bool_)
    while distressed.any():
        live = distressed[w.borrower]
        push = np.bincount(
            w.lender[live], weights=w.weight[live] * h[w.borrower[live]], minlength=w.n
        )
        h = np.minimum(1.0, h + np.where(inactive, 0.0, push))
        inactive |= distressed
        distressed = (h > 0) & ~inactive
    return float(v @ h - v @ h0)
