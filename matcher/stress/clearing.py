"""The Eisenberg–Noe clearing vector, by the fictitious default algorithm.

Coop ``i`` owes ``p̄_i = Σ_j L_ij`` in all (``L_ij``: what ``i`` owes ``j``) and pays each
creditor pro rata, ``Π_ij = L_ij / p̄_i``. With liquid funds ``e_i`` (after the shock) a
*clearing vector* ``p`` satisfies (Eisenberg & Noe, 2001)::

    p_i = min( p̄_i,  e_i + Σ_j Π_ji p_j )          for every coop that still pays
    p_i = 0                                        for a coop the shock stops paying

and the greatest one is what the ledger settles to. The *fictitious default algorithm*
finds it exactly in at most ``n`` rounds: start from everyone paying in full; in round
``k`` the coops that cannot pay in full given what they receive (``e_i + Σ_j Π_ji p_j <
p̄_i``) join the default set, and the payments of the default set are solved as the linear
system ``p_D = e_D + Π_DD^T p_D + Π_ND^T p̄_N``. It stops when a round adds nobody; the
round in which a coop joins is its *round of contagion*.

Each round's system is solved by the monotone iteration ``p_D ← min(p̄_D, e_D + Π^T p)``
from the last round's payments (payments only fall as the default set grows), which
converges to the greatest solution; the final default set, when small and regular, is then
solved exactly as a dense linear system (a closed ring of defaulters is singular: the
iteration's answer stands).

>>> led = ledger_arrays(3, [0, 1], [1, 2], [100.0, 100.0], [0.0, 0.0, 0.0], [True, False, False])
>>> p, rounds = clearing_vector(led)
>>> p.tolist(), rounds.tolist()
([0.0, 0.0, 0.0], [0, 1, -1])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DENSE_MAX = 1_500
"""Largest default set solved as a dense linear system."""
TOL = 1e-7
"""Satang: below this a shortfall is rounding, not a default."""
MAX_SWEEPS = 100_000


@dataclass(frozen=True)
class LedgerArrays:
    """The claims as arrays: one row per (debtor, creditor) pair, amounts summed."""

    n: int
    debtor: NDArray[np.int64]
    creditor: NDArray[np.int64]
    amount: NDArray[np.float64]
    share: NDArray[np.float64]
    """``Π``: the claim as a share of its debtor's total obligations."""
    owes: NDArray[np.float64]
    """``p̄``."""
    liquid: NDArray[np.float64]
    """``e``, after the shock."""
    stops: NDArray[np.bool_]
    """Coops the shock stops paying."""


def ledger_arrays(
    n: int,
    debtor: list[int] | NDArray[np.int64],
    creditor: list[int] | NDArray[np.int64],
    amount: list[float] | NDArray[np.float64],
    liquid: list[float] | NDArray[np.float64],
    stops: list[bool] | NDArray[np.bool_],
) -> LedgerArrays:
    """Aggregate claims by (debtor, creditor) and derive ``Π`` and ``p̄``."""
    d = np.asarray(debtor, dtype=np.int64)
    c = np.asarray(creditor, dtype=np.int64)
    key, inverse = np.unique(d * n + c, return_inverse=True)
    amt = sum_by(inverse, np.asarray(amount, np.float64), key.size)
    d, c = key // n, key % n
    owes = sum_by(d, amt, n)
    share = np.divide(amt, owes[d], out=np.zeros_like(amt), where=owes[d] > 0)
    return LedgerArrays(
        n, d, c, amt, share, owes, np.asarray(liquid, np.float64), np.asarray(stops, np.bool_)
    )


def sum_by(index: NDArray[np.int64], weights: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``out[i] = Σ weights[k] over k with index[k] = i`` (length ``n``)."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64)


def received(led: LedgerArrays, p: NDArray[np.float64]) -> NDArray[np.float64]:
    """``Σ_j Π_ji p_j`` for every coop ``i``."""
    return sum_by(led.creditor, led.share * p[led.debtor], led.n)


def clearing_vector(led: LedgerArrays) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The greatest clearing vector and each coop's round of default (−1: none)."""
    p = np.where(led.stops, 0.0, led.owes)
    rounds = np.where(led.stops, 0, -1).astype(np.int64)
    in_default = led.stops.copy()
    k = 0
    while True:
        avail = led.liquid + received(led, p)
        new = ~in_default & (avail < led.owes - TOL)
        if not new.any():
            return _polish(led, p, in_default & ~led.stops), rounds
        k += 1
        rounds[new] = k
        in_default |= new
        p = _iterate(led, p, in_default & ~led.stops)


def _system(
    led: LedgerArrays, p: NDArray[np.float64], solve: NDArray[np.bool_]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The default set's indices, the others' payments with the set's zeroed, the constant
    term ``b = e_D + Π_ND^T p_N`` and the mask of claims inside the set."""
    idx = np.flatnonzero(solve)
    base = p.copy()
    base[idx] = 0.0
    b = led.liquid[idx] + received(led, base)[idx]
    return idx, base, b, solve[led.debtor] & solve[led.creditor]


def _iterate(
    led: LedgerArrays, p: NDArray[np.float64], solve: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Monotone iteration on the default set from the last round's payments ``p`` (an upper
    bound: payments only fall as the default set grows), to the greatest root."""
    idx, x, b, inner = _system(led, p, solve)
    x[idx] = p[idx]
    cd, dd, sh = led.creditor[inner], led.debtor[inner], led.share[inner]
    for _ in range(MAX_SWEEPS):
        flow = sum_by(cd, sh * x[dd], led.n)[idx]
        nxt = np.minimum(led.owes[idx], b + flow)
        done = np.abs(nxt - x[idx]).max(initial=0.0) <= TOL
        x[idx] = nxt
        if done:
            break
    return x


def _polish(
    led: LedgerArrays, p: NDArray[np.float64], solve: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """The final default set's payments solved exactly when the set is small and the
    system regular; otherwise the iteration's payments stand."""
    idx, base, b, inner = _system(led, p, solve)
    if idx.size == 0 or idx.size > DENSE_MAX:
        return p
    pos = np.full(led.n, -1, dtype=np.int64)
    pos[idx] = np.arange(idx.size)
    m = np.eye(idx.size)
    np.subtract.at(m, (pos[led.creditor[inner]], pos[led.debtor[inner]]), led.share[inner])
    try:
        x = np.linalg.solve(m, b)
    except np.linalg.LinAlgError:
        return p
    ok = np.isfinite(x).all() and (x >= -TOL).all() and (x <= led.owes[idx] + TOL).all()
    if not ok or np.abs(x - p[idx]).max() > 1e3 * TOL * max(1.0, float(led.owes.max())):
        return p
    base[idx] = np.clip(x, 0.0, led.owes[idx])
    return base
