"""The canonical array form of a set-off problem: coops and obligations sorted by id.

Coop ``k`` of the sorted coop ids is node ``k``; obligation ``e`` of the sorted obligation
ids is arc ``e`` from its debtor to its creditor. Sorting first makes every later step, and
so the output, independent of input order.

Where a set-off amount is shared among several obligations of the same debtor and creditor,
it goes to the one due first, then the next (undated last, ties by id): :func:`fill_in_order`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.setoff.model import Obligation, SetoffProblem

I64 = npt.NDArray[np.int64]
UNDATED = 10**7
"""Rank of an obligation without a due date (above every date ordinal)."""


@dataclass(frozen=True)
class SetoffGraph:
    """Arrays of one problem: ``tails[e] → heads[e]`` carries ``amounts[e]`` satang."""

    coop_ids: tuple[str, ...]
    obligations: tuple[Obligation, ...]
    tails: I64
    heads: I64
    amounts: I64
    due_rank: I64
    """Order of set-off inside a group: due date ordinal (undated: after every date)."""

    @property
    def n_nodes(self) -> int:
        """Number of coops."""
        return len(self.coop_ids)

    def net_positions(self, amounts: I64 | None = None) -> I64:
        """b_v = Σ_{e into v} x_e − Σ_{e out of v} x_e for x = ``amounts`` (default: all debt).

        Positive: net creditor (is owed more than it owes); negative: net debtor.
        """
        x = self.amounts if amounts is None else amounts
        net = np.zeros(self.n_nodes, dtype=np.int64)
        np.add.at(net, self.heads, x)
        np.subtract.at(net, self.tails, x)
        return net


def build_graph(problem: SetoffProblem) -> SetoffGraph:
    """Sort coops and obligations by id and build the arc arrays (input already checked).

    >>> from matcher.domain import Coop
    >>> p = SetoffProblem(
    ...     (Coop("b", "ข", "B"), Coop("a", "ก", "A")),
    ...     (Obligation("o2", "b", "a", 7), Obligation("o1", "a", "b", 5)))
    >>> g = build_graph(p)
    >>> g.tails.tolist(), g.heads.tolist(), g.net_positions().tolist()
    ([0, 1], [1, 0], [2, -2])
    """
    coop_ids = tuple(sorted(c.id for c in problem.coops))
    index = {cid: k for k, cid in enumerate(coop_ids)}
    obligations = tuple(sorted(problem.obligations, key=lambda o: o.id))
    m = len(obligations)
    tails = np.fromiter((index[o.debtor] for o in obligations), dtype=np.int64, count=m)
    heads = np.fromiter((index[o.creditor] for o in obligations), dtype=np.int64, count=m)
    amounts = np.fromiter((o.amount_satang for o in obligations), dtype=np.int64, count=m)
    due = np.fromiter(
        (o.due_date.toordinal() if o.due_date else UNDATED for o in obligations),
        dtype=np.int64,
        count=m,
    )
    return SetoffGraph(coop_ids, obligations, tails, heads, amounts, due)


def net_internal_debt(net: I64) -> int:
    """Σ_v max(0, −b_v): what net debtors owe in net; no set-off can leave less.

    >>> net_internal_debt(np.array([5, -3, -2, 0]))
    5
    """
    return int(-net[net < 0].sum())


SMALL_FILL = 64
"""Up to this many elements :func:`fill_in_order` runs in plain Python (the same shares;
numpy's per-call cost dominates a season's few obligations)."""


def fill_in_order(group: I64, quota: I64, amounts: I64, due_rank: I64) -> I64:
    """Share ``quota[g]`` among the members of each group g: due first, then by index.

    ``group[e]`` is the group of element e; each member takes min(amount, what is left).

    >>> fill_in_order(np.array([0, 0, 1, 0]), np.array([7, 2]), np.array([5, 5, 5, 5]),
    ...               np.array([3, 1, 0, 1]))
    array([0, 5, 2, 2])
    """
    m = amounts.size
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if m <= SMALL_FILL:
        return _fill_small(group.tolist(), quota.tolist(), amounts.tolist(), due_rank.tolist())
    order = np.lexsort((np.arange(m), due_rank, group))
    g_sorted = group[order]
    a_sorted = amounts[order]
    cum = np.cumsum(a_sorted)
    starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    before_group = np.repeat(cum[starts] - a_sorted[starts], np.diff(np.r_[starts, m]))
    before = cum - a_sorted - before_group
    taken = np.clip(quota[g_sorted] - before, 0, a_sorted)
    out = np.zeros(m, dtype=np.int64)
    out[order] = taken
    return out


def _fill_small(group: list[int], quota: list[int], amounts: list[int], due: list[int]) -> I64:
    """:func:`fill_in_order` in plain Python: element e takes
    clip(quota[g] − amounts of the members before it, 0, amount[e])."""
    before: dict[int, int] = {}
    out = [0] * len(amounts)
    for e in sorted(range(len(amounts)), key=lambda e: (group[e], due[e], e)):
        g, a = group[e], amounts[e]
        prior = before.get(g, 0)
        out[e] = min(max(quota[g] - prior, 0), a)
        before[g] = prior + a
    return np.array(out, dtype=np.int64)
