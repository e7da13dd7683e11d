"""Exact stages for a tier whose lexicographic weights would overflow int64 (issue 15).

When (K + 1)·M·units exceeds the cost budget (:func:`matcher.produce.flow.resolution`), the
tier is solved in two min-cost flows on the same arcs instead of one weighted flow:

1. the fairness stage alone (segment k costs −(K + 1 − k), everything else 0);
2. the optimal face of stage 1: with potentials π from the residual graph of its optimum
   (shortest distances, Bellman–Ford), an arc's reduced cost rc = c + π(tail) − π(head)
   is ≥ 0 where it can carry more and ≤ 0 where it carries something, and a flow is
   optimal for stage 1 exactly when rc > 0 ⇒ flow 0 and rc < 0 ⇒ flow = capacity
   (complementary slackness). So arcs with rc > 0 are closed, arcs with rc < 0 are fixed
   at capacity (their units move to the supplies), and the gains-then-age costs
   (−gain·G on lanes, processing·G, expiry rank on the source arcs) are optimised on the
   arcs with rc = 0.

Stage 2's weights G only need to exceed one cycle's age change (below G), so they fit
wherever the coverage policy's do.
"""

from __future__ import annotations

import numpy as np

from matcher.produce.distance import I64


class NegativeCycleError(RuntimeError):
    """The residual graph of a stage's optimum still had a negative cycle (a solver bug)."""


def potentials(n_nodes: int, tails: I64, heads: I64, caps: I64, costs: I64, flow: I64) -> I64:
    """Shortest distances from a virtual root joined to every node at cost 0, over the
    residual arcs of ``flow`` (forward where flow < cap at cost c, backward where flow > 0
    at cost −c); an optimal flow leaves no negative cycle, so Bellman–Ford settles.

    >>> potentials(2, np.array([0]), np.array([1]), np.array([5]), np.array([-3]),
    ...            np.array([2])).tolist()
    [0, -3]
    """
    fw, bw = flow < caps, flow > 0
    t = np.concatenate([tails[fw], heads[bw]])
    h = np.concatenate([heads[fw], tails[bw]])
    c = np.concatenate([costs[fw], -costs[bw]])
    dist = np.zeros(n_nodes, np.int64)
    for _ in range(n_nodes + 1):
        new = dist.copy()
        np.minimum.at(new, h, dist[t] + c)
        if np.array_equal(new, dist):
            return dist
        dist = new
    raise NegativeCycleError("the stage's optimum left a negative cycle")


def optimal_face(
    n_nodes: int, tails: I64, heads: I64, caps: I64, costs: I64, flow: I64
) -> tuple[I64, I64]:
    """Capacities left open on the optimal face of ``flow`` and the flow fixed on each arc.

    Returns:
        (open capacity: cap where rc = 0, else 0; fixed flow: cap where rc < 0, else 0).
    """
    pi = potentials(n_nodes, tails, heads, caps, costs, flow)
    rc = costs + pi[tails] - pi[heads]
    open_caps: I64 = np.where(rc == 0, caps, 0).astype(np.int64)
    fixed: I64 = np.where(rc < 0, caps, 0).astype(np.int64)
    return open_caps, fixed


def fixed_supplies(n_nodes: int, tails: I64, heads: I64, fixed: I64) -> I64:
    """What fixing ``fixed`` units on each arc adds to each node's supply (−at the tail,
    + at the head), to be added to the original supplies."""
    out = np.zeros(n_nodes, np.int64)
    np.add.at(out, tails, -fixed)
    np.add.at(out, heads, fixed)
    return out
