"""Check a stress result without the algorithm: the clearing conditions and the losses,
recomputed from the claims with plain dictionaries.

A payment vector ``p`` clears when, for every coop, ``0 ≤ p_i ≤ p̄_i``, ``p_i`` does not
exceed what it has (``e_i + Σ_j Π_ji p_j``), a coop that pays less than ``p̄_i`` pays all it
has (limited liability with absolute priority of debt), and a coop the shock stops pays 0.
(That it is the *greatest* clearing vector is tested against independent oracles.)
"""

from __future__ import annotations

from collections import defaultdict

from matcher.stress.model import BPS, StressProblem, StressResult

TOL_SATANG = 1e-4


def check_stress(problem: StressProblem, result: StressResult) -> list[str]:
    """What is wrong with ``result`` (empty: valid)."""
    ids = [p.coop_id for p in problem.positions]
    pay = dict(zip(ids, result.payments, strict=True))
    owes: dict[str, float] = defaultdict(float)
    for c in problem.claims:
        owes[c.debtor] += c.amount_satang
    inflow: dict[str, float] = defaultdict(float)
    owed: dict[str, float] = defaultdict(float)
    for c in problem.claims:
        owed[c.creditor] += c.amount_satang
        if owes[c.debtor] > 0:
            inflow[c.creditor] += c.amount_satang / owes[c.debtor] * pay[c.debtor]
    liquid = {p.coop_id: float(p.liquid_satang) for p in problem.positions}
    stops = set()
    for s in problem.shocks:
        liquid[s.coop_id] -= liquid[s.coop_id] * s.liquid_loss_bps // BPS
        if s.stops_paying:
            stops.add(s.coop_id)
    wrong = []
    for cid in ids:
        p, has = pay[cid], liquid[cid] + inflow[cid]
        tol = TOL_SATANG * max(1.0, owes[cid])
        if cid in stops:
            if abs(p) > tol:
                wrong.append(f"{cid}: stopped but pays {p}")
            continue
        if p < -tol or p > owes[cid] + tol or p > has + tol:
            wrong.append(f"{cid}: pays {p} of {owes[cid]} with {has}")
        elif p < owes[cid] - tol and p < has - tol:
            wrong.append(f"{cid}: pays {p} < {owes[cid]} while it has {has}")
    for o in result.outcomes:
        loss = max(0.0, owed[o.coop_id] - inflow[o.coop_id])
        if abs(o.loss_satang - loss) > 1 + TOL_SATANG * owed[o.coop_id]:
            wrong.append(f"{o.coop_id}: loss {o.loss_satang} ≠ {loss:.2f}")
    return wrong
