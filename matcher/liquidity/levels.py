"""Which orders take part at one tier of the cascade, and their compatible pairs.

At level L every network of that level is one independent component: its members' open
offers and needs. A pair (offer o, need n) is compatible when

* rate:  ``min_rate(o) <= max_rate(n)`` — and, under the posted-rate rule at a network with a
  posted rate p, ``min_rate(o) <= p <= max_rate(n)``; the joint fund lends only at its rate;
* term:  ``term(n) <= max_term(o)``;
* exposure: the offer's cap towards the need's borrower is not used up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.domain import NetworkLevel
from matcher.liquidity.state import I64, UNLIMITED, LiquidityState, unique_sorted
from matcher.results import RateRule

CANDIDATES_PER_NEED = 16
"""Candidate offers per need in a network too large to enumerate every pair."""


@dataclass(frozen=True)
class LevelPairs:
    """The active orders of one level and their compatible pairs, grouped by component."""

    level: NetworkLevel
    pair_off: I64
    pair_need: I64
    pair_comp: I64
    """Network index where the pair would be matched."""
    pair_rate: I64
    """Agreed rate of the pair under the rate rule."""
    pruned_components: tuple[int, ...]


def active_offers(state: LiquidityState, level: NetworkLevel) -> I64:
    """Offers that can still lend at ``level``."""
    lender = state.off_lender
    ok = (
        (state.off_rem > 0)
        & state.may_lend[lender]
        & (state.lend_rem[lender] > 0)
        & (state.coop_net_at[level][lender] >= 0)
    )
    return np.flatnonzero(ok).astype(np.int64)


def active_needs(state: LiquidityState, level: NetworkLevel) -> I64:
    """Needs that can still borrow at ``level``."""
    b = state.need_borrower
    ok = (
        (state.need_rem() > 0)
        & state.may_borrow[b]
        & (state.borrow_rem[b] > 0)
        & (state.need_lenders < state.max_lenders[b])
        & (state.coop_net_at[level][b] >= 0)
    )
    return np.flatnonzero(ok).astype(np.int64)


def level_pairs(
    state: LiquidityState,
    level: NetworkLevel,
    rate_rule: RateRule,
    posted: dict[int, int],
    max_pairs: int,
) -> LevelPairs:
    """Compatible pairs of every component at ``level``.

    Args:
        state: current state of the cascade.
        level: the tier being solved.
        rate_rule: how agreed rates are set.
        posted: network index → posted rate, for networks that post one.
        max_pairs: per-component budget; above it each need keeps a bounded candidate set.
    """
    empty = np.zeros(0, dtype=np.int64)
    offs = active_offers(state, level)
    needs = active_needs(state, level) if offs.size else empty
    if needs.size == 0:
        return LevelPairs(level, empty, empty, empty, empty, ())
    off_comp = state.coop_net_at[level][state.off_lender[offs]]
    need_comp = state.coop_net_at[level][state.need_borrower[needs]]
    off_groups, need_groups = _Groups(offs, off_comp), _Groups(needs, need_comp)
    comps = np.intersect1d(off_comp, need_comp)
    p_rate = np.full(comps.size, -1, dtype=np.int64)
    if rate_rule is RateRule.POSTED:
        p_rate = np.array([posted.get(int(c), -1) for c in comps.tolist()], dtype=np.int64)
    o_lo, o_hi = off_groups.bounds(comps)
    n_lo, n_hi = need_groups.bounds(comps)
    cells = (o_hi - o_lo) * (n_hi - n_lo)
    parts: list[tuple[I64, I64]] = []
    pruned: list[int] = []
    for i, c in enumerate(comps.tolist()):
        o = off_groups.items[o_lo[i] : o_hi[i]]
        n = need_groups.items[n_lo[i] : n_hi[i]]
        posted_c = int(p_rate[i]) if p_rate[i] >= 0 else None
        if cells[i] > max_pairs:
            parts.append(_sparse_candidates(state, o, n, posted_c, CANDIDATES_PER_NEED))
            pruned.append(c)
        else:
            parts.append(_dense_pairs(state, o, n, posted_c))
    if not parts:
        return LevelPairs(level, empty, empty, empty, empty, ())
    sizes = [part[0].size for part in parts]
    po = np.concatenate([part[0] for part in parts])
    pn = np.concatenate([part[1] for part in parts])
    pc = np.repeat(comps, sizes)
    # Exposure and rates for the whole level at once.
    keep = _exposure_left(state, po, pn, state.exposure.table())
    po, pn, pc = po[keep], pn[keep], pc[keep]
    pair_posted = p_rate[np.searchsorted(comps, pc)]
    return LevelPairs(level, po, pn, pc, _agreed_rates(state, po, pn, pair_posted), tuple(pruned))


class _Groups:
    """Items grouped by component (one stable sort), each group in its original order."""

    def __init__(self, items: I64, comp: I64) -> None:
        order = np.argsort(comp, kind="stable")
        self.items, self.comp = items[order], comp[order]

    def of(self, comp: int) -> I64:
        """The items of component ``comp``, as ``items[comp_of_items == comp]`` gives them."""
        lo, hi = np.searchsorted(self.comp, [comp, comp + 1])
        return self.items[lo:hi]

    def bounds(self, comps: I64) -> tuple[I64, I64]:
        """Where the items of each component start and end in ``items``."""
        lo = np.searchsorted(self.comp, comps, side="left").astype(np.int64)
        return lo, np.searchsorted(self.comp, comps, side="right").astype(np.int64)


def _dense_pairs(state: LiquidityState, o: I64, n: I64, posted: int | None) -> tuple[I64, I64]:
    """Every compatible pair of a component small enough to enumerate."""
    o_rate, n_rate = state.off_rate[o][:, None], state.need_rate[n][None, :]
    fund = state.off_is_fund[o][:, None]
    ok = state.need_term[n][None, :] <= state.off_term[o][:, None]
    if posted is None:
        ok &= o_rate <= n_rate
    else:
        ok &= np.where(fund, o_rate <= n_rate, (o_rate <= posted) & (posted <= n_rate))
    oi, ni = np.nonzero(ok)
    return o[oi].astype(np.int64), n[ni].astype(np.int64)


def _sparse_candidates(
    state: LiquidityState, o: I64, n: I64, posted: int | None, k: int
) -> tuple[I64, I64]:
    """At most ``k`` compatible offers per need, without enumerating every pair.

    For each distinct need term, the offers long enough are sorted by rate; a need's
    compatible offers are then a prefix of that list. It takes the cheapest few and spreads
    the rest evenly over the prefix (offset per need), so every offer stays reachable.
    """
    need_rate = state.need_rate[n].copy()
    if posted is not None:
        # Under a posted rate only the fund's own rate matters; others need rate ≤ posted.
        o = o[state.off_is_fund[o] | (state.off_rate[o] <= posted)]
        need_rate = np.where(need_rate >= posted, need_rate, -1)

    def eff_rate(idx: I64) -> I64:
        if posted is None:
            return state.off_rate[idx]
        return np.where(state.off_is_fund[idx], state.off_rate[idx], 0).astype(np.int64)

    out_o: list[I64] = []
    out_n: list[I64] = []
    terms = state.need_term[n]
    head = min(3, k)
    cols = np.arange(k, dtype=np.int64)[None, :]
    for term in unique_sorted(terms).tolist():
        elig = o[state.off_term[o] >= term]
        if elig.size == 0:
            continue
        elig = elig[np.lexsort((elig, eff_rate(elig)))]
        group = np.flatnonzero(terms == term)
        length = np.searchsorted(eff_rate(elig), need_rate[group], side="right")[:, None]
        tail = np.maximum(length - head, 1)
        offset = (n[group] % 7)[:, None]
        spread = head + ((cols - head) * tail // max(k - head, 1) + offset) % tail
        pos = np.where(cols < head, cols, spread)
        rows, cc = np.nonzero(pos < length)
        out_o.append(elig[pos[rows, cc]])
        out_n.append(n[group][rows])
    if not out_o:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    po, pn = np.concatenate(out_o), np.concatenate(out_n)
    # Distinct (need, offer) pairs in (need, offer) order, as one integer key each.
    width = int(po.max()) + 1
    keys = unique_sorted(pn.astype(np.int64) * width + po)
    return (keys % width).astype(np.int64), (keys // width).astype(np.int64)


def _exposure_left(
    state: LiquidityState, po: I64, pn: I64, exposure: tuple[I64, I64]
) -> npt.NDArray[np.bool_]:
    """Pairs whose offer may still lend to the need's borrower under its exposure cap."""
    used_keys, used_vals = exposure
    if used_keys.size == 0 or po.size == 0:
        return np.ones(po.size, dtype=np.bool_)
    keys = po * len(state.coop_ids) + state.need_borrower[pn]
    pos = np.clip(np.searchsorted(used_keys, keys), 0, used_keys.size - 1)
    used = np.where(used_keys[pos] == keys, used_vals[pos], 0)
    left: npt.NDArray[np.bool_] = state.off_cap[po] - used > 0
    return left


def _agreed_rates(state: LiquidityState, po: I64, pn: I64, posted: I64) -> I64:
    """The rate rule per pair; ``posted`` is the posted rate of each pair's network or −1."""
    low, high = state.off_rate[po], state.need_rate[pn]
    # Midpoint, ties to even (same rule as matcher.money.midpoint_rate_bps).
    total = low + high
    mid = total // 2 + ((total % 2 == 1) & ((total // 2) % 2 == 1))
    mid = np.where(posted >= 0, posted, mid)
    rate: I64 = np.where(state.off_is_fund[po], low, mid).astype(np.int64)
    return rate


__all__ = ["UNLIMITED", "LevelPairs", "active_needs", "active_offers", "level_pairs"]
