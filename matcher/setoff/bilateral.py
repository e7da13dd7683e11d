"""Baseline: bilateral netting only (opposite obligations of the same pair of coops).

For each unordered pair {u, v} with A owed u → v and B owed v → u, min(A, B) is cancelled
in each direction; inside one direction the obligation due first is netted first (then by
id, undated last).
Net positions are unchanged, so the result is a feasible set-off and the optimal set-off
clears at least as much.
"""

from __future__ import annotations

import numpy as np

from matcher.setoff.graph import I64, SetoffGraph, fill_in_order


def bilateral_setoff(graph: SetoffGraph) -> I64:
    """Set-off per obligation (canonical order) that bilateral netting alone achieves.

    >>> from matcher.domain import Coop
    >>> from matcher.setoff.graph import build_graph
    >>> from matcher.setoff.model import Obligation, SetoffProblem
    >>> coops = (Coop("a", "ก", "A"), Coop("b", "ข", "B"))
    >>> obs = (Obligation("o1", "a", "b", 5), Obligation("o2", "b", "a", 3),
    ...        Obligation("o3", "a", "b", 4))
    >>> bilateral_setoff(build_graph(SetoffProblem(coops, obs))).tolist()
    [3, 3, 0]
    """
    m = graph.amounts.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    n = graph.n_nodes
    lo = np.minimum(graph.tails, graph.heads)
    hi = np.maximum(graph.tails, graph.heads)
    forward = graph.tails < graph.heads
    pair = lo * n + hi
    # Total owed in each direction of each pair.
    pairs, pair_idx = np.unique(pair, return_inverse=True)
    fwd_total = np.zeros(pairs.size, dtype=np.int64)
    bwd_total = np.zeros(pairs.size, dtype=np.int64)
    np.add.at(fwd_total, pair_idx[forward], graph.amounts[forward])
    np.add.at(bwd_total, pair_idx[~forward], graph.amounts[~forward])
    cancel = np.minimum(fwd_total, bwd_total)
    # Inside a (pair, direction) group, the earliest-due obligations are netted first.
    group = pair_idx * 2 + forward.astype(np.int64)
    quota = np.repeat(cancel, 2)
    return fill_in_order(group, quota, graph.amounts, graph.due_rank)
