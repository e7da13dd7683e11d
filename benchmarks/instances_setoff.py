"""Seeded set-off instances: a national network of coops owing each other trade credit.

Coops sit in area networks of about 50; most obligations (sales on credit, loan repayments)
stay inside the area, the rest cross areas. Amounts are log-normal around 60,000 baht.
Also here: the peer baseline, the same set-off solved by ``networkx.min_cost_flow`` the way
public MTCS code does it (node demand = net position, edge capacity = amount, weight 1).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import networkx as nx
import numpy as np

from benchmarks.registry import family
from matcher.domain import Coop
from matcher.setoff.model import Obligation, SetoffProblem

AREA_SIZE = 50
LOCAL_SHARE = 0.7


def build_setoff_instance(seed: int, n_coops: int, n_obligations: int) -> SetoffProblem:
    """A seeded random set-off problem with area locality (no self-debts)."""
    rng = np.random.default_rng(seed)
    coops = tuple(Coop(f"C{i:05d}", f"สหกรณ์ {i:05d}", f"Coop {i:05d}") for i in range(n_coops))
    debtor = rng.integers(0, n_coops, n_obligations)
    area_start = (debtor // AREA_SIZE) * AREA_SIZE
    area_len = np.minimum(AREA_SIZE, n_coops - area_start)
    local = rng.random(n_obligations) < LOCAL_SHARE
    offset_local = rng.integers(1, np.maximum(area_len, 2))
    local_creditor = area_start + (debtor - area_start + offset_local) % area_len
    far_creditor = (debtor + rng.integers(1, n_coops, n_obligations)) % n_coops
    creditor = np.where(local & (area_len > 1), local_creditor, far_creditor)
    amount = np.round(np.exp(rng.normal(np.log(60_000), 1.2, n_obligations)) * 100)
    amount = np.maximum(amount, 100).astype(np.int64)
    due = rng.integers(0, 90, n_obligations)
    start = date(2026, 12, 1)
    obligations = tuple(
        Obligation(f"OB{k:06d}", coops[d].id, coops[c].id, int(a), start + timedelta(int(t)))
        for k, (d, c, a, t) in enumerate(
            zip(debtor.tolist(), creditor.tolist(), amount.tolist(), due.tolist(), strict=True)
        )
    )
    return SetoffProblem(coops, obligations, curve_steps=0)


@family("setoff", "national-10k", seed=20261121, target_ms=2000)
def national_10k(seed: int) -> SetoffProblem:
    """10,000 coops and 100,000 obligations (the issue's benchmark size)."""
    return build_setoff_instance(seed, 10_000, 100_000)


def smoke_instance(seed: int) -> SetoffProblem:
    """200 coops and 2,000 obligations, for the smoke run with benchmarks disabled."""
    return build_setoff_instance(seed, 200, 2_000)


def networkx_cleared(problem: SetoffProblem) -> int:
    """Cleared amount of the same set-off, solved with ``networkx.min_cost_flow``."""
    graph = nx.MultiDiGraph()
    net: dict[str, int] = defaultdict(int)
    for ob in problem.obligations:
        net[ob.creditor] += ob.amount_satang
        net[ob.debtor] -= ob.amount_satang
    for coop in problem.coops:
        graph.add_node(coop.id, demand=net[coop.id])
    for ob in problem.obligations:
        graph.add_edge(ob.debtor, ob.creditor, key=ob.id, capacity=ob.amount_satang, weight=1)
    flow = nx.min_cost_flow(graph)
    remaining: int = sum(
        f for by_head in flow.values() for keyed in by_head.values() for f in keyed.values()
    )
    return sum(ob.amount_satang for ob in problem.obligations) - remaining
