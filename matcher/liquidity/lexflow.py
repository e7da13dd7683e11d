"""Lexicographic min-cost flow: each objective exact, none traded for the next.

Given disjoint flow networks (*batches*) that share one arc list, and a sequence of objective
vectors ``c₁, c₂, …`` on the arcs (each to be minimised), find a flow that minimises ``c₁·x``
exactly, then ``c₂·x`` among the minimisers of ``c₁``, and so on.

**The optimal face, by complementary slackness.** After a stage is solved with OR-Tools'
min-cost flow, potentials π are read off the residual graph: the shortest distances from a
virtual root joined to every node at cost 0 (Bellman–Ford; an optimal flow leaves no negative
cycle, so they exist). The reduced cost ``c̄ₐ = cₐ + π(tail) − π(head)`` of every arc
certifies optimality, and every optimal flow of the stage satisfies complementary slackness
with these same potentials (any optimal primal pairs with any optimal dual):

* ``c̄ₐ > 0``: the arc carries 0 in every optimal flow — it is removed;
* ``c̄ₐ < 0``: the arc is saturated in every optimal flow — it is fixed at its capacity and
  removed, its flow moved into the supplies of its ends;
* ``c̄ₐ = 0``: the arc stays free in ``[0, capacity]``.

Conversely, every feasible flow of the restricted network satisfies complementary slackness
with π, so it is optimal. The restricted network is exactly the optimal face, and the next
stage optimised over it loses nothing of the ones before.

**Several objectives in one stage, where provably safe.** A stage may take consecutive
objectives ``cᵢ … cⱼ`` at once with weights ``W`` (``Wⱼ = 1``,
``Wₗ = 1 + Σ_{m>l} Wₘ·Bₘ``), where ``Bₘ`` bounds ``|cₘ(C)|`` over every simple cycle C of
the batch: a simple cycle passes each node once, so it holds at most two arcs of any node,
and ``Bₘ = max|cₘ| · min(#arcs with cₘ ≠ 0, 2·#their tails, 2·#their heads)``. Any two flows
differ by a sum of simple residual cycles; a cycle that improves ``cₗ`` by at least 1 (costs
are integers) while keeping ``c_{<l}`` changes the weighted cost by at most
``−Wₗ + Σ_{m>l} Wₘ·Bₘ < 0``, so the weighted optimum is the lexicographic one, and the two
optima are the same set of flows. Objectives are grouped only while the weighted costs times
the batch's flow stay within :data:`COST_BUDGET`; otherwise each has a stage of its own.
Every stage is an exact integer min-cost flow, so the result is exactly lexicographically
optimal, with no weight that an exchange along a long path could outweigh.

**Fast path: solve once with small weights, then certify.** Proven weights are large, and
the cost-scaling algorithm's work grows with the logarithm of its largest cost. So each
batch is first solved once with small weights that only rank single arcs
(``Wₗ = 1 + Σ_{m>l} Wₘ·max|cₘ|``), and the answer is then *certified* objective by
objective: potentials of ``c₁`` on its residual graph (no negative cycle ⇔ ``c₁``-optimal),
restriction to the optimal face, potentials of ``c₂`` there, and so on. A batch whose
certificate fails (a negative cycle: the small weights were outweighed along a long path)
is solved again in exact stages. Either way every batch's answer is proven.

>>> import numpy as np
>>> # S=0 → a=2 (cap 5), S → b=3 (cap 5), a → T=1 and b → T (cap 5 each), bypass S → T.
>>> tails = np.array([0, 0, 2, 3, 0]); heads = np.array([2, 3, 1, 1, 1])
>>> caps = np.array([5, 5, 5, 5, 5]); starts = np.array([0, 5]); nodes = np.array([4])
>>> urgency = np.array([0, 0, -2, -1, 0]); cheap = np.array([3, 0, 0, 0, 0])
>>> solve_lexicographic(tails, heads, caps, starts, nodes, np.array([5]), [urgency, cheap])
array([5, 0, 5, 0, 0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matcher.liquidity.parallel import SolverFailure, solve_all
from matcher.liquidity.state import I64

COST_BUDGET = 2**61
"""Bound on |unit cost| × 6 × max(total flow, nodes + 1) so int64 arithmetic inside the
solver cannot overflow (costs are summed along the flow and scaled by the node count)."""

Bools = npt.NDArray[np.bool_]


def solve_lexicographic(
    tails: I64,
    heads: I64,
    caps: I64,
    arc_start: I64,
    n_nodes: I64,
    totals: I64,
    objectives: Sequence[I64],
    cycle_bounds: I64 | None = None,
) -> I64:
    """Exact lexicographic min-cost flow of every batch; returns the flow on each arc.

    Args:
        tails: tail of each arc, numbered inside its batch (node 0 = S, 1 = T).
        heads: head of each arc, numbered the same way.
        caps: capacity of each arc.
        arc_start: the arcs of batch b are ``arc_start[b]:arc_start[b+1]``.
        n_nodes: node count of each batch.
        totals: supply of S (and demand of T) in each batch; each batch must hold a way
            from S to T that carries it (a bypass arc).
        objectives: one cost vector per objective, most important first.
        cycle_bounds: (batches × objectives) bounds on |c_m(C)| over simple cycles, where
            the caller knows tighter ones than the generic bound (column 0 is not used).
    """
    g = _Graph(tails, heads, caps, arc_start, n_nodes, totals)
    objs = [np.asarray(c, dtype=np.int64) for c in objectives]
    top = np.stack([g.batch_max(np.abs(c)) for c in objs], axis=1)
    if cycle_bounds is None:
        bounds = np.stack([g.cycle_bound(c) for c in objs], axis=1)
    else:
        bounds = np.asarray(cycle_bounds, dtype=np.int64)
    # One solve per batch: proven weights where they fit, else small ones and a certificate.
    weights = np.zeros((g.n_batches, len(objs)), dtype=object)
    proven = np.zeros(g.n_batches, dtype=np.bool_)
    for b in range(g.n_batches):
        scale = max(int(totals[b]), int(n_nodes[b]) + 1)
        quick = _quick_weights(top[b], scale)
        w = _group_weights(0, bounds[b], top[b], scale)
        size = sum(x * int(t) for x, t in zip(w, top[b].tolist(), strict=True))
        limit = PROVEN_SLACK * sum(x * int(t) for x, t in zip(quick, top[b].tolist(), strict=True))
        proven[b] = w[-1] != 0 and size <= limit
        weights[b] = w if proven[b] else quick
    fits = np.array([any(w) for w in weights.tolist()], dtype=np.bool_)
    g.solve(np.flatnonzero(fits), g.stage_cost(objs, weights))
    failed = ~fits | _certify(g, objs, fits & ~proven)
    if failed.any():
        g.reset(failed)
        _solve_in_stages(g, objs, bounds, top, failed)
    return g.flow


def _quick_weights(top: I64, total: int) -> list[int]:
    """Weights that rank single arcs only, with a margin (all 0 where they would not fit)."""
    m = top.size
    w = [0] * m
    w[m - 1] = 1
    for lvl in range(m - 2, -1, -1):
        w[lvl] = 1 + QUICK_MARGIN * sum(w[j] * int(top[j]) for j in range(lvl + 1, m))
    size = sum(w[j] * int(top[j]) for j in range(m))
    return w if size * max(total, 1) * 6 <= COST_BUDGET else [0] * m


def _certify(g: _Graph, objs: list[I64], batches: Bools) -> Bools:
    """Check objective by objective that each batch's flow is lexicographically optimal,
    restricting each to its optimal face; returns the batches whose check failed."""
    failed = np.zeros(g.n_batches, dtype=np.bool_)
    for cost in objs[:-1]:
        failed |= g.restrict(batches & ~failed, cost, strict=False)
    failed |= g.restrict(batches & ~failed, objs[-1], strict=False, keep=True)
    return failed


def _solve_in_stages(g: _Graph, objs: list[I64], bounds: I64, top: I64, batches: Bools) -> None:
    """Exact stages (objectives grouped where proven safe) for the given batches."""
    nxt = np.where(batches, 0, len(objs)).astype(np.int64)
    solved = np.zeros(g.n_batches, dtype=np.bool_)
    while True:
        todo = np.flatnonzero(nxt < len(objs))
        if todo.size == 0:
            return
        weights = np.zeros((g.n_batches, len(objs)), dtype=object)
        for b in todo.tolist():
            weights[b] = _group_weights(int(nxt[b]), bounds[b], top[b], g.scale(b))
        cost = g.stage_cost(objs, weights)
        last = np.zeros(g.n_batches, dtype=np.bool_)
        last[todo] = [weights[b, -1] != 0 for b in todo.tolist()]
        nxt[todo] = [max(np.flatnonzero(weights[b] != 0)) + 1 for b in todo.tolist()]
        # A batch whose free arcs all cost 0 at this stage is optimal whatever it carries;
        # every batch is solved at least once, so its flow is feasible.
        active = np.zeros(g.n_batches, dtype=np.bool_)
        active[g.arc_batch[g.free & (cost != 0)]] = True
        active[todo[~solved[todo]]] = True
        keep = np.zeros(g.n_batches, dtype=np.bool_)
        keep[todo] = True
        active &= keep
        g.solve(np.flatnonzero(active), cost)
        solved |= active
        g.restrict(active & ~last, cost, strict=True)


def _group_weights(first: int, bound: I64, top: I64, total: int) -> list[int]:
    """Weights of the objectives grouped into one stage from ``first`` on (0 elsewhere)."""
    m = bound.size
    best = [0] * m
    best[first] = 1
    for last in range(first + 1, m):
        w = [0] * m
        w[last] = 1
        for lvl in range(last - 1, first - 1, -1):
            w[lvl] = 1 + sum(w[j] * int(bound[j]) for j in range(lvl + 1, last + 1))
        if sum(w[j] * int(top[j]) for j in range(m)) * max(total, 1) * 6 > COST_BUDGET:
            break
        best = w
    return best


class _Graph:
    """All batches as one arc list with global node numbers, free arcs, flows and supplies."""

    def __init__(
        self, tails: I64, heads: I64, caps: I64, arc_start: I64, n_nodes: I64, totals: I64
    ) -> None:
        self.tails, self.heads, self.caps, self.arc_start = tails, heads, caps, arc_start
        self.n_batches = n_nodes.size
        self.arc_batch = np.repeat(np.arange(self.n_batches, dtype=np.int64), np.diff(arc_start))
        self.node_off = np.zeros(self.n_batches + 1, dtype=np.int64)
        np.cumsum(n_nodes, out=self.node_off[1:])
        self.node_batch = np.repeat(np.arange(self.n_batches, dtype=np.int64), n_nodes)
        self.g_tail = tails + self.node_off[self.arc_batch]
        self.g_head = heads + self.node_off[self.arc_batch]
        self.totals = totals
        self.supply = np.zeros(int(self.node_off[-1]), dtype=np.int64)
        self.free: Bools = caps > 0
        self.flow = np.zeros(caps.size, dtype=np.int64)
        self.reset(np.ones(self.n_batches, dtype=np.bool_))

    def scale(self, b: int) -> int:
        """What weighted costs are multiplied by, at most, inside the solver: the batch's
        flow, or its node count + 1 (the cost-scaling factor), whichever is larger."""
        return max(int(self.totals[b]), int(self.node_off[b + 1] - self.node_off[b]) + 1)

    def reset(self, batches: Bools) -> None:
        """Every arc of these batches free again, no flow, only S and T with supply."""
        arcs = batches[self.arc_batch]
        self.free[arcs] = self.caps[arcs] > 0
        self.flow[arcs] = 0
        self.supply[batches[self.node_batch]] = 0
        first = self.node_off[:-1][batches]
        self.supply[first] = self.totals[batches]
        self.supply[first + 1] = -self.totals[batches]

    def batch_max(self, values: I64) -> I64:
        """Largest value of each batch's arcs."""
        out = np.zeros(self.n_batches, dtype=np.int64)
        np.maximum.at(out, self.arc_batch, values)
        return out

    def _distinct(self, nodes: I64, sel: Bools) -> I64:
        """Distinct nodes of the selected arcs, counted per batch."""
        present = np.zeros(self.supply.size, dtype=np.bool_)
        present[nodes[sel]] = True
        return np.bincount(self.node_batch[present], minlength=self.n_batches).astype(np.int64)

    def cycle_bound(self, cost: I64) -> I64:
        """Per batch, a bound on |cost(C)| over the batch's simple cycles (module docstring)."""
        sel = cost != 0
        arcs = np.bincount(self.arc_batch[sel], minlength=self.n_batches).astype(np.int64)
        tails, heads = self._distinct(self.g_tail, sel), self._distinct(self.g_head, sel)
        out: I64 = self.batch_max(np.abs(cost)) * np.minimum(arcs, 2 * np.minimum(tails, heads))
        return out

    def stage_cost(self, objs: list[I64], weights: npt.NDArray[np.object_]) -> I64:
        """Σ_m W[batch, m]·c_m on every arc (weights fit int64 by construction)."""
        cost = np.zeros(self.caps.size, dtype=np.int64)
        for m, c in enumerate(objs):
            w = weights[:, m]
            if any(w):
                cost += np.array(w.tolist(), dtype=np.int64)[self.arc_batch] * c
        return cost

    def solve(self, batches: I64, cost: I64) -> None:
        """Solve the free arcs of each batch at this stage's costs; writes their flow."""
        arcs_of, jobs = [], []
        for b in batches.tolist():
            a0, a1 = int(self.arc_start[b]), int(self.arc_start[b + 1])
            arcs = a0 + np.flatnonzero(self.free[a0:a1])
            n0, n1 = int(self.node_off[b]), int(self.node_off[b + 1])
            arcs_of.append(arcs)
            t, h, c = self.tails[arcs], self.heads[arcs], self.caps[arcs]
            jobs.append((t, h, c, cost[arcs], self.supply[n0:n1]))
        for arcs, flow in zip(arcs_of, solve_all(jobs), strict=True):
            self.flow[arcs] = flow

    def restrict(self, batches: Bools, cost: I64, *, strict: bool, keep: bool = False) -> Bools:
        """Restrict the given batches to the optimal face of ``cost`` around their flow.

        Returns the batches whose residual graph holds a negative cycle (their flow is not
        optimal for ``cost``); those are left as they were. With ``strict`` such a batch is
        a solver failure. With ``keep`` nothing is restricted (a last check only).
        """
        idx = np.flatnonzero(self.free & batches[self.arc_batch])
        bad = np.zeros(self.n_batches, dtype=np.bool_)
        if idx.size == 0:
            return bad
        t, h = self.g_tail[idx], self.g_head[idx]
        pi, bad_nodes = _potentials(
            t, h, self.caps[idx], self.flow[idx], cost[idx], self.supply.size
        )
        bad[self.node_batch[bad_nodes]] = True
        if bad.any() and strict:
            raise SolverFailure("negative cycle in the residual graph of an optimal flow")
        if keep:
            return bad
        reduced = cost[idx] + pi[t] - pi[h]
        ok = ~bad[self.arc_batch[idx]]
        to_zero, to_cap = idx[ok & (reduced > 0)], idx[ok & (reduced < 0)]
        if bool((self.flow[to_zero] != 0).any()) or bool(
            (self.flow[to_cap] != self.caps[to_cap]).any()
        ):
            raise SolverFailure("potentials do not certify the stage's flow")
        self.free[to_zero] = False
        self.free[to_cap] = False
        np.subtract.at(self.supply, self.g_tail[to_cap], self.caps[to_cap])
        np.add.at(self.supply, self.g_head[to_cap], self.caps[to_cap])
        return bad


QUICK_MARGIN = 4
"""Small weights rank one arc of the next objective QUICK_MARGIN times over (measured on the
national family: no certificate failed at 4, several at 1; larger margins slow the solve)."""
PROVEN_SLACK = 64
"""Proven weights are used directly (no certificate needed) when their largest cost is at
most this many times the small weights' (a few more cost-scaling phases); otherwise the
small weights are solved and certified (faster on large networks, measured)."""
CYCLE_CHECK_PASSES = 16
"""Bellman–Ford passes between two searches for a cycle among the predecessor links."""


def _potentials(tail: I64, head: I64, cap: I64, x: I64, cost: I64, n: int) -> tuple[I64, I64]:
    """Shortest distances in the residual graph from a root joined to every node at cost 0,
    and the nodes found on (or leading into) a negative cycle.

    Vectorised Bellman–Ford that relaxes, each pass, only the arcs leaving nodes whose
    distance changed in the pass before, keeping each node's predecessor. Every few passes
    the predecessor links are searched for a cycle (any such cycle is negative); nodes that
    reach one stop being relaxed. Without a negative cycle it ends within ``n`` passes.
    """
    fwd, bwd = x < cap, x > 0
    t = np.concatenate([tail[fwd], head[bwd]])
    h = np.concatenate([head[fwd], tail[bwd]])
    w = np.concatenate([cost[fwd], -cost[bwd]])
    dist = np.zeros(n, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    cyclic = np.zeros(n, dtype=np.bool_)
    changed = np.zeros(n, dtype=np.bool_)
    # From all-zero distances only a negative arc can improve anything in the first pass.
    sel = np.flatnonzero(w < 0)
    for p in range(1, n + 2):
        cand = dist[t[sel]] + w[sel]
        better = cand < dist[h[sel]]
        if not bool(better.any()):
            return dist, np.flatnonzero(cyclic)
        s2, c2 = sel[better], cand[better]
        np.minimum.at(dist, h[s2], c2)
        won = c2 == dist[h[s2]]
        parent[h[s2[won]]] = t[s2[won]]
        changed[:] = False
        changed[h[s2]] = True
        if p % CYCLE_CHECK_PASSES == 0:
            cyclic |= _reaches_cycle(parent)
            changed &= ~cyclic
        sel = np.flatnonzero(changed[t])
    cyclic |= changed
    return dist, np.flatnonzero(cyclic)


def _reaches_cycle(parent: I64) -> Bools:
    """Nodes whose chain of predecessors never reaches a root (pointer doubling)."""
    jump = parent.copy()
    for _ in range(max(1, int(parent.size).bit_length())):
        ok = jump >= 0
        nxt = np.full_like(jump, -1)
        nxt[ok] = jump[jump[ok]]
        jump = nxt
    out: Bools = jump >= 0
    return out
