"""Per-order explanations: filled, partly filled or unmatched, and the rule that stopped it.

Reasons are found after the solve from the final state, most basic first: no shared network,
bylaws, registrar limit, lender count or reserve floor, no counterpart with a compatible rate
or term, and only then a shortage. Compatibility against every counterpart in the same network
tree is answered for all orders at once with a sorted sweep (rate order, running best term),
so explanations stay near-linear at national size.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from matcher.liquidity import reasons as r
from matcher.liquidity.model import LiquidityProblem, OrderExplanation
from matcher.liquidity.records import build_many
from matcher.liquidity.state import BOOL, I64, UNLIMITED, LiquidityState
from matcher.money import MAX_RATE_BPS
from matcher.results import FairnessPolicy, FillState


def explain(problem: LiquidityProblem, state: LiquidityState) -> tuple[OrderExplanation, ...]:
    """One explanation per need, then one per offer, each sorted by id."""
    ctx = _Context(problem, state)
    return _need_explanations(state, ctx.need_codes()) + _offer_explanations(
        state, ctx.offer_codes()
    )


def _need_explanations(
    st: LiquidityState, codes_n: list[tuple[str, ...]]
) -> tuple[OrderExplanation, ...]:
    exhausted = [r.FUNDS_EXHAUSTED in codes for codes in codes_n]
    marginal = [u if e else None for u, e in zip(st.need_urgency.tolist(), exhausted, strict=True)]
    return _explanations(
        st.need_ids,
        "need",
        st.coop_ids,
        st.need_borrower,
        st.need_amount,
        st.need_filled,
        codes_n,
        marginal,
    )


def _offer_explanations(
    st: LiquidityState, codes_o: list[tuple[str, ...]]
) -> tuple[OrderExplanation, ...]:
    matched = st.off_amount - st.off_rem
    none: list[int | None] = [None] * len(st.offer_ids)
    return _explanations(
        st.offer_ids, "offer", st.coop_ids, st.off_lender, st.off_amount, matched, codes_o, none
    )


_FILL_STATES = (FillState.FILLED, FillState.PARTLY_FILLED, FillState.UNMATCHED)


def _explanations(
    order_ids: list[str],
    side: str,
    coop_ids: list[str],
    coop: I64,
    amount: I64,
    matched: I64,
    codes: list[tuple[str, ...]],
    marginal: list[int | None],
) -> tuple[OrderExplanation, ...]:
    """The explanations of one side, built column by column (the same as one at a time)."""
    fill = np.where(matched >= amount, 0, np.where(matched > 0, 1, 2)).tolist()
    ids = np.array(coop_ids, dtype=object)[coop].tolist()
    details = _details(codes, matched, amount)
    return tuple(
        build_many(
            OrderExplanation,
            order_ids,
            [side] * len(order_ids),
            ids,
            [_FILL_STATES[f] for f in fill],
            amount.tolist(),
            matched.tolist(),
            codes,
            details,
            marginal,
        )
    )


@dataclass(frozen=True)
class _Sweep:
    """Answers 'is there an item with rate ≤ q_rate and term ≥ q_term' per group, vectorised."""

    group: I64
    flat: I64
    """(group, rate) as one sortable key: group · RATE_SPAN + rate + MAX_RATE_BPS."""
    best_term: I64

    @classmethod
    def build(cls, group: I64, rate: I64, term: I64) -> _Sweep:
        order = np.lexsort((rate, group))
        g, rt, tm = group[order], rate[order], term[order]
        best = tm.copy()
        if best.size:
            # Running maximum of term within each group: groups are ascending and offset by
            # more than any term span, so a plain running maximum never crosses a group start.
            low = int(tm.min())
            span = int(tm.max()) - low + 1
            lifted = g * span + (tm - low)
            best = np.maximum.accumulate(lifted) - g * span + low
        return cls(g, g * _RATE_SPAN + rt + MAX_RATE_BPS, best)

    def query(self, group: I64, rate: I64, term: I64) -> tuple[BOOL, BOOL]:
        if self.group.size == 0:
            none = np.zeros(group.size, dtype=np.bool_)
            return none, none.copy()
        lo = np.searchsorted(self.group, group, side="left")
        # Position of the last item of the same group with rate ≤ query rate.
        k = np.searchsorted(self.flat, group * _RATE_SPAN + rate + MAX_RATE_BPS, side="right") - 1
        rate_ok = k >= lo
        safe = np.clip(k, 0, self.group.size - 1)
        term_ok = rate_ok & (self.best_term[safe] >= term)
        return rate_ok, term_ok


_RATE_SPAN = 2 * MAX_RATE_BPS + 1
"""Rates (and negated rates) lie in [−MAX_RATE_BPS, MAX_RATE_BPS]."""


class _Context:
    """Shared arrays for explaining one final state."""

    def __init__(self, problem: LiquidityProblem, st: LiquidityState) -> None:
        self.problem, self.st = problem, st
        self.root = _coop_roots(st)
        self.o_root = self.root[st.off_lender]
        self.n_root = self.root[st.need_borrower]
        n_roots = len(st.net_index) + 1
        # Per root: the highest urgency among needs that received funds.
        self.top_served = np.zeros(n_roots, dtype=np.int64)
        served = st.need_filled > 0
        np.maximum.at(self.top_served, self.n_root[served], st.need_urgency[served])
        # Per (root, urgency): how many needs stay short.
        self.short = np.zeros((n_roots, 6), dtype=np.int64)
        short = st.need_filled < st.need_amount
        np.add.at(self.short, (self.n_root[short], st.need_urgency[short]), 1)
        lender = st.off_lender
        capped_open = (st.off_rem > 0) & (st.lend_rem[lender] > 0) & (st.off_cap < UNLIMITED)
        self.capped_open = np.zeros(n_roots, dtype=np.bool_)
        self.capped_open[self.o_root[capped_open]] = True
        # Per root: whether any counterpart exists at all on the other side.
        self.has_offer = np.zeros(n_roots, dtype=np.bool_)
        self.has_offer[self.o_root[self.o_root >= 0]] = True
        self.has_need = np.zeros(n_roots, dtype=np.bool_)
        self.has_need[self.n_root[self.n_root >= 0]] = True

    def _at_root(self, table: BOOL, root: I64) -> BOOL:
        """``table[root]``, False where there is no root."""
        hit: BOOL = (root >= 0) & table[np.maximum(root, 0)]
        return hit

    def need_codes(self) -> list[tuple[str, ...]]:
        """Reason codes of every need, most basic first."""
        st = self.st
        lender = st.off_lender
        pool = (self.o_root >= 0) & st.may_lend[lender]
        open_pool = pool & (st.off_rem > 0) & (st.lend_rem[lender] > 0)
        # Offers query needs with negated rate/term: rate_o ≤ rate_n and term_o ≥ term_n.
        sweep = _Sweep.build(self.o_root[pool], st.off_rate[pool], st.off_term[pool])
        rate_ok, term_ok = sweep.query(self.n_root, st.need_rate, st.need_term)
        sweep_open = _Sweep.build(
            self.o_root[open_pool], st.off_rate[open_pool], st.off_term[open_pool]
        )
        _, left = sweep_open.query(self.n_root, st.need_rate, st.need_term)
        b = st.need_borrower
        limit = (st.borrow_cap0[b] < UNLIMITED) & (st.borrow_rem[b] <= 0)
        most = st.need_lenders >= st.max_lenders[b]
        root = np.maximum(self.n_root, 0)
        fresh_min = (st.need_filled == 0) & (st.need_min > 0)
        short_case = 10 + 2 * (self.top_served[root] > st.need_urgency)
        if self.problem.policy is not FairnessPolicy.COVERAGE:
            short_case += self.short[root, st.need_urgency] > 1
        # No offer in reach: ``no_network`` when the coop is in no network or offers exist
        # out of its reach; ``no_offer_in_reach`` when the round has no offer at all.
        no_offer = ~self._at_root(self.has_offer, self.n_root)
        case = _first_case(
            [
                st.need_filled >= st.need_amount,
                (self.n_root < 0) | (no_offer & (st.off_rem.size > 0)),
                no_offer,
                ~st.may_borrow[b],
                limit & most,
                limit,
                most,
                ~rate_ok,
                ~term_ok,
                left & (fresh_min | ~self._at_root(self.capped_open, self.n_root)),
                left,
            ],
            [0, 1, 14, 2, 5, 3, 4, 6, 7, 8, 9],
            short_case,
        )
        return [_NEED_CASES[c] for c in case.tolist()]

    def offer_codes(self) -> list[tuple[str, ...]]:
        """Reason codes of every offer, most basic first."""
        st = self.st
        bor = st.need_borrower
        pool = (self.n_root >= 0) & st.may_borrow[bor]
        open_pool = (
            pool
            & (st.need_filled < st.need_amount)
            & (st.borrow_rem[bor] > 0)
            & (st.need_lenders < st.max_lenders[bor])
        )
        # Needs are found by offers with negated values: −rate_n ≤ −rate_o, −term_n ≥ −term_o.
        any_need = _Sweep.build(self.n_root[pool], -st.need_rate[pool], -st.need_term[pool])
        open_need = _Sweep.build(
            self.n_root[open_pool], -st.need_rate[open_pool], -st.need_term[open_pool]
        )
        _, compatible = any_need.query(self.o_root, -st.off_rate, -st.off_term)
        _, still_open = open_need.query(self.o_root, -st.off_rate, -st.off_term)
        lender = st.off_lender
        no_need = ~self._at_root(self.has_need, self.o_root)  # as for needs, the other way
        case = _first_case(
            [
                st.off_rem <= 0,
                (self.o_root < 0) | (no_need & (st.need_amount.size > 0)),
                no_need,
                ~st.may_lend[lender],
                (st.lend_cap0[lender] < UNLIMITED) & (st.lend_rem[lender] <= 0),
                ~compatible,
                ~still_open,
                st.off_cap < UNLIMITED,
            ],
            [0, 1, 8, 2, 3, 4, 5, 6],
            7,
        )
        return [_OFFER_CASES[c] for c in case.tolist()]


_NEED_CASES: tuple[tuple[str, ...], ...] = (
    (r.FILLED,),
    (r.NO_NETWORK,),
    (r.BYLAWS_NO_BORROWING,),
    (r.BORROWING_LIMIT,),
    (r.MAX_LENDERS,),
    (r.BORROWING_LIMIT, r.MAX_LENDERS),
    (r.RATE_GAP,),
    (r.TERM_TOO_LONG,),
    (r.BELOW_MINIMUM,),
    (r.EXPOSURE_CAP,),
    (r.FUNDS_EXHAUSTED,),
    (r.FUNDS_EXHAUSTED, r.FAIR_SHARE),
    (r.FUNDS_EXHAUSTED, r.HIGHER_PRIORITY),
    (r.FUNDS_EXHAUSTED, r.HIGHER_PRIORITY, r.FAIR_SHARE),
    (r.NO_OFFER_IN_REACH,),
)
"""Reason codes by case: the order of the checks in :meth:`_Context.need_codes`."""

_OFFER_CASES: tuple[tuple[str, ...], ...] = (
    (r.FILLED,),
    (r.NO_NETWORK,),
    (r.BYLAWS_NO_LENDING,),
    (r.RESERVE_FLOOR,),
    (r.NO_COMPATIBLE_NEED,),
    (r.DEMAND_EXHAUSTED,),
    (r.EXPOSURE_CAP,),
    (r.BELOW_MINIMUM,),
    (r.NO_NEED_IN_REACH,),
)


def _first_case(conditions: list[BOOL], cases: list[int], default: I64 | int) -> I64:
    """Per element, the case of the first true condition (like ``np.select``, cheaper)."""
    out = np.asarray(default, dtype=np.int64)
    for cond, case in zip(reversed(conditions), reversed(cases), strict=True):
        out = np.where(cond, case, out)
    shaped: I64 = np.broadcast_to(out, conditions[0].shape).astype(np.int64)
    return shaped


def _coop_roots(st: LiquidityState) -> I64:
    tree = st.tree
    root_of_home = {home: st.net_index[chain[-1]] for home, chain in tree.chain.items() if chain}
    roots = np.array(
        [root_of_home.get(tree.home.get(cid, ""), -1) for cid in st.coop_ids], dtype=np.int64
    ).reshape(-1)
    if st.off_is_fund.any():
        for col in st.coop_net_at.values():
            if col[-1] >= 0:
                roots[-1] = col[-1]
    return roots


@lru_cache(maxsize=256)
def _reason_text(codes: tuple[str, ...]) -> str:
    th = "; ".join(r.TEXT[c][0] for c in codes)
    en = "; ".join(r.TEXT[c][1] for c in codes)
    return f"{th} / {en}"


def _detail(codes: tuple[str, ...], matched: int, amount: int) -> str:
    """``format_baht(matched) / format_baht(amount) บาท — reasons`` (both amounts ≥ 0)."""
    return (
        f"{matched // 100:,}.{matched % 100:02d} / {amount // 100:,}.{amount % 100:02d} บาท — "
        f"{_reason_text(codes)}"
    )


_CENTS = tuple(f"{c:02d}" for c in range(100))


def _details(codes: list[tuple[str, ...]], matched: I64, amount: I64) -> list[str]:
    """:func:`_detail` of every order: one format call per order, the baht split into whole
    baht and cents for all orders at once, the reason text looked up once per code tuple."""
    text = {c: _reason_text(c) for c in set(codes)}
    m_baht, m_cents = np.divmod(matched, 100)
    a_baht, a_cents = np.divmod(amount, 100)
    return list(
        map(
            "{:,}.{} / {:,}.{} บาท — {}".format,
            m_baht.tolist(),
            [_CENTS[c] for c in m_cents.tolist()],
            a_baht.tolist(),
            [_CENTS[c] for c in a_cents.tolist()],
            map(text.__getitem__, codes),
        )
    )
