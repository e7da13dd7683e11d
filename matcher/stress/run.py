"""One stress run: shock → Eisenberg–Noe clearing → losses against reserves → DebtRank.

For each coop ``i`` with clearing payments ``p``: what it is owed ``o_i = Σ_j L_ji``, what
it receives ``r_i = Σ_j Π_ji p_j``, its loss ``o_i − r_i``. Its reserve *breaks* when the
loss exceeds its reserve; it is *liquid-short* when the loss exceeds its liquid funds
(after the shock). Exposure concentration: the largest single borrower's debt to ``i`` as
a share of ``i``'s reserve. The DebtRank of the shock, and of each coop in
``importance_of`` defaulting alone, uses value weights ``v_i ∝ liquid_i + o_i``.

>>> from matcher.stress.model import Claim, Position, Shock, StressProblem
>>> pr = StressProblem(
...     (Position("a", 0, 10), Position("b", 50, 20), Position("c", 0, 5)),
...     (Claim("x", "a", "b", 100), Claim("y", "b", "c", 80)),
...     (Shock("a"),),
... )
>>> res = run_stress(pr)
>>> [(o.coop_id, o.pays_satang, o.loss_satang, o.reserve_broken) for o in res.outcomes]
[('a', 0, 0, False), ('b', 50, 100, True), ('c', 0, 30, True)]
>>> res.rounds
1
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from matcher.stress.clearing import (
    LedgerArrays,
    clearing_vector,
    ledger_arrays,
    received,
    sum_by,
)
from matcher.stress.debtrank import debtrank, impact_weights
from matcher.stress.model import (
    BPS,
    MAX_EXPOSURE_BPS,
    CoopOutcome,
    StressProblem,
    StressResult,
    check_stress_problem,
)


def shocked_ledger(problem: StressProblem) -> LedgerArrays:
    """The claims as arrays with the shock applied to liquid funds and payments."""
    index = {p.coop_id: i for i, p in enumerate(problem.positions)}
    liquid = np.array([p.liquid_satang for p in problem.positions], dtype=np.float64)
    stops = np.zeros(len(index), dtype=np.bool_)
    for s in problem.shocks:
        i = index[s.coop_id]
        liquid[i] -= np.floor(liquid[i] * s.liquid_loss_bps / BPS)
        stops[i] |= s.stops_paying
    claims = problem.claims
    return ledger_arrays(
        len(index),
        np.fromiter((index[c.debtor] for c in claims), np.int64, len(claims)),
        np.fromiter((index[c.creditor] for c in claims), np.int64, len(claims)),
        np.fromiter((c.amount_satang for c in claims), np.float64, len(claims)),
        liquid,
        stops,
    )


def run_stress(problem: StressProblem, importance_of: tuple[str, ...] = ()) -> StressResult:
    """Clear the ledger after the shock and measure who breaks (see the module docstring)."""
    check_stress_problem(problem)
    start = time.perf_counter()
    led = shocked_ledger(problem)
    p, rounds = clearing_vector(led)
    owed = sum_by(led.creditor, led.amount, led.n)
    loss = np.maximum(0.0, owed - received(led, p))
    reserve = np.array([x.reserve_satang for x in problem.positions], dtype=np.float64)
    weights = impact_weights(led.n, led.debtor, led.creditor, led.amount, reserve)
    value = led.liquid + owed
    value = value / value.sum() if value.sum() > 0 else np.full(led.n, 1.0 / max(1, led.n))
    psi = np.zeros(led.n)
    index = {x.coop_id: i for i, x in enumerate(problem.positions)}
    for s in problem.shocks:
        psi[index[s.coop_id]] = max(
            psi[index[s.coop_id]], 1.0 if s.stops_paying else s.liquid_loss_bps / BPS
        )
    importance = {}
    for cid in importance_of:
        alone = np.zeros(led.n)
        alone[index[cid]] = 1.0
        importance[cid] = debtrank(weights, alone, value)
    outcomes = _outcomes(problem, led, p, rounds, owed, loss, reserve)
    return StressResult(
        payments=tuple(p.tolist()),
        outcomes=outcomes,
        rounds=int(rounds.max(initial=0)),
        debtrank=debtrank(weights, psi, value),
        importance=importance,
        solve_ms=round((time.perf_counter() - start) * 1000),
    )


def _outcomes(
    problem: StressProblem,
    led: LedgerArrays,
    p: NDArray[np.float64],
    rounds: NDArray[np.int64],
    owed: NDArray[np.float64],
    loss: NDArray[np.float64],
    reserve: NDArray[np.float64],
) -> tuple[CoopOutcome, ...]:
    """Per coop: payments, loss against reserve and liquid funds, concentration."""
    order = np.lexsort((-led.amount, led.creditor))
    first = np.full(led.n, -1, dtype=np.int64)
    first[led.creditor[order][::-1]] = order[::-1]
    out = []
    for i, pos in enumerate(problem.positions):
        e = first[i]
        top = float(led.amount[e]) if e >= 0 else 0.0
        if top == 0:
            share = 0
        elif reserve[i] > 0:
            share = min(MAX_EXPOSURE_BPS, int(top * BPS // reserve[i]))
        else:
            share = MAX_EXPOSURE_BPS
        lost = int(np.ceil(loss[i] - 1e-6))
        out.append(
            CoopOutcome(
                coop_id=pos.coop_id,
                owes_satang=round(float(led.owes[i])),
                pays_satang=int(np.floor(p[i] + 1e-6)),
                owed_satang=round(float(owed[i])),
                loss_satang=lost,
                liquid_satang=int(led.liquid[i]),
                reserve_satang=pos.reserve_satang,
                reserve_broken=lost > pos.reserve_satang,
                liquid_short=lost > int(led.liquid[i]),
                default_round=None if rounds[i] < 0 else int(rounds[i]),
                largest_borrower=problem.positions[int(led.debtor[e])].coop_id if e >= 0 else None,
                largest_exposure_bps=share,
            )
        )
    return tuple(out)
