"""Indexed arrays of a liquidity problem and the remaining amounts as the cascade proceeds.

Offers, needs and coops are sorted by id, so every array (and so every solve) is the same
whatever order the input came in. The joint fund, when present, is the last offer and the
last coop (a pseudo-coop at the root network).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from matcher.domain import NetworkLevel, NetworkTree
from matcher.liquidity.exposure import ExposureBook
from matcher.liquidity.model import LiquidityProblem, LoanOffer, LoanProposal
from matcher.money import BPS_PER_UNIT, DAYS_PER_YEAR, simple_interest_satang

I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]
UNLIMITED = 2**62
"""Stands for 'no limit' in capacity arrays."""


def unique_sorted(values: I64) -> I64:
    """The distinct values of a 1-D integer array, ascending (same as ``np.unique``).

    A sort and a neighbour comparison: several times faster than ``np.unique`` on the large
    integer arrays of a national round (NumPy 2 hashes first, then sorts the result).

    >>> unique_sorted(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def unique_indices(values: I64, size: int) -> I64:
    """The distinct values of an array of indices in ``[0, size)``, ascending.

    Same as :func:`unique_sorted` for such arrays, by marking a table instead of sorting
    (linear time: the arrays of a level hold every pair, the range only the orders).

    >>> unique_indices(np.array([3, 1, 3, 2, 1]), 5).tolist()
    [1, 2, 3]
    """
    seen = np.zeros(size, dtype=np.bool_)
    seen[values] = True
    return np.flatnonzero(seen).astype(np.int64)


@dataclass
class LiquidityState:
    """Static order data as arrays plus what is still open after each tier."""

    tree: NetworkTree
    offers: list[LoanOffer]
    offer_ids: list[str]
    need_ids: list[str]
    coop_ids: list[str]
    off_lender: I64
    off_amount: I64
    off_rate: I64
    off_term: I64
    off_cap: I64
    off_is_fund: BOOL
    need_borrower: I64
    need_amount: I64
    need_rate: I64
    need_term: I64
    need_min: I64
    need_urgency: I64
    need_arrival: I64
    may_lend: BOOL
    may_borrow: BOOL
    max_lenders: I64
    net_index: dict[str, int]
    coop_net_at: dict[NetworkLevel, I64]
    """Per level: for each coop the index of its network at that level, or -1."""
    off_rem: I64 = field(init=False)
    need_filled: I64 = field(init=False)
    need_lenders: I64 = field(init=False)
    lend_rem: I64 = field(init=False)
    borrow_rem: I64 = field(init=False)
    lend_cap0: I64 = field(init=False)
    borrow_cap0: I64 = field(init=False)
    exposure: ExposureBook = field(init=False)
    """What each capped offer has lent to each borrower so far."""

    def need_rem(self) -> I64:
        """What each need still lacks."""
        return self.need_amount - self.need_filled

    def lend(self, o: int, n: int, x: int) -> None:
        """Record ``x`` satang from offer ``o`` to need ``n``: every remaining capacity shrinks."""
        lender, borrower = int(self.off_lender[o]), int(self.need_borrower[n])
        self.off_rem[o] -= x
        self.need_filled[n] += x
        self.need_lenders[n] += 1
        if self.lend_rem[lender] < UNLIMITED:
            self.lend_rem[lender] -= x
        if self.borrow_rem[borrower] < UNLIMITED:
            self.borrow_rem[borrower] -= x
        if self.off_cap[o] < UNLIMITED:
            self.exposure.add(o, borrower, x)

    def lend_many(self, po: I64, pn: I64, x: I64) -> None:
        """Record many loans at once (``po``/``pn`` offer and need indices, ``x`` amounts).

        Each (offer, need) pair appears at most once; the effect equals calling
        :meth:`lend` for each loan in turn.
        """
        lender, borrower = self.off_lender[po], self.need_borrower[pn]
        np.subtract.at(self.off_rem, po, x)
        np.add.at(self.need_filled, pn, x)
        np.add.at(self.need_lenders, pn, 1)
        np.subtract.at(self.lend_rem, lender, np.where(self.lend_rem[lender] < UNLIMITED, x, 0))
        np.subtract.at(
            self.borrow_rem, borrower, np.where(self.borrow_rem[borrower] < UNLIMITED, x, 0)
        )
        capped = self.off_cap[po] < UNLIMITED
        self.exposure.add_many(po[capped], borrower[capped], x[capped])

    def proposal(
        self, o: int, n: int, x: int, rate: int, level: NetworkLevel, network_id: str
    ) -> LoanProposal:
        """The proposal for a loan of ``x`` satang from offer ``o`` to need ``n``."""
        term = int(self.need_term[n])
        return LoanProposal(
            offer_id=self.offer_ids[o],
            need_id=self.need_ids[n],
            lender=self.coop_ids[self.off_lender[o]],
            borrower=self.coop_ids[self.need_borrower[n]],
            amount_satang=x,
            rate_bps=rate,
            term_days=term,
            tier=level.name.lower(),
            network_id=network_id,
            interest_satang=simple_interest_satang(x, rate, term),
        )


def interest_satang_many(amount: I64, rate: I64, days: I64) -> list[int]:
    """:func:`matcher.money.simple_interest_satang` of many loans (exact, half-even)."""
    top = int(amount.max(initial=0)) * int(rate.max(initial=0)) * int(days.max(initial=0))
    if top >= 2**62:
        return [
            simple_interest_satang(a, r, d)
            for a, r, d in zip(amount.tolist(), rate.tolist(), days.tolist(), strict=True)
        ]
    num = amount * rate * days
    den = BPS_PER_UNIT * DAYS_PER_YEAR
    q, rem = np.divmod(num, den)
    up = (2 * rem > den) | ((2 * rem == den) & (q % 2 == 1))
    out: list[int] = (q + up).tolist()
    return out


def exposure_used_of(state: LiquidityState, offers: I64, borrowers: I64) -> I64:
    """What each offer has already lent to each borrower (under its exposure cap)."""
    return state.exposure.of_many(offers, borrowers)


def build_state(problem: LiquidityProblem, tree: NetworkTree) -> LiquidityState:
    """Index the problem; the caller has already checked it."""
    offers = sorted(problem.offers, key=lambda o: o.id)
    fund = problem.joint_fund
    fund_coop: list[str] = []
    if fund is not None:
        offers.append(
            LoanOffer(fund.id, fund.id, fund.amount_satang, fund.rate_bps, fund.max_term_days)
        )
        fund_coop = [fund.id]
    needs = sorted(problem.needs, key=lambda n: n.id)
    coop_ids = sorted(c.id for c in problem.coops) + fund_coop
    cidx = {c: i for i, c in enumerate(coop_ids)}
    rules = {r.coop_id: r for r in problem.rules}
    n_coops = len(coop_ids)
    may_lend = np.ones(n_coops, dtype=np.bool_)
    may_borrow = np.ones(n_coops, dtype=np.bool_)
    lend_cap = np.full(n_coops, UNLIMITED, dtype=np.int64)
    borrow_cap = np.full(n_coops, UNLIMITED, dtype=np.int64)
    max_lenders = np.full(n_coops, UNLIMITED, dtype=np.int64)
    for cid, r in rules.items():
        i = cidx[cid]
        may_lend[i], may_borrow[i] = r.may_lend, r.may_borrow
        if r.liquid_funds_satang is not None:
            lend_cap[i] = max(0, r.liquid_funds_satang - r.reserve_satang)
        if r.borrowing_limit_satang is not None:
            borrow_cap[i] = max(0, r.borrowing_limit_satang - r.outstanding_satang)
        if r.max_lenders_per_need is not None:
            max_lenders[i] = r.max_lenders_per_need
    net_ids = sorted(tree.networks)
    net_index = {n: i for i, n in enumerate(net_ids)}
    coop_net_at = _coop_networks(tree, coop_ids, net_index, fund.network_id if fund else None)

    def arr(values: list[int]) -> I64:
        return np.asarray(values, dtype=np.int64).reshape(-1)

    state = LiquidityState(
        tree=tree,
        offers=offers,
        offer_ids=[o.id for o in offers],
        need_ids=[n.id for n in needs],
        coop_ids=coop_ids,
        off_lender=arr([cidx[o.lender] for o in offers]),
        off_amount=arr([o.amount_satang for o in offers]),
        off_rate=arr([o.min_rate_bps for o in offers]),
        off_term=arr([o.max_term_days for o in offers]),
        off_cap=arr(
            [
                UNLIMITED if o.cap_per_borrower_satang is None else o.cap_per_borrower_satang
                for o in offers
            ]
        ),
        off_is_fund=np.asarray(
            [fund is not None and i == len(offers) - 1 for i in range(len(offers))],
            dtype=np.bool_,
        ).reshape(-1),
        need_borrower=arr([cidx[n.borrower] for n in needs]),
        need_amount=arr([n.amount_satang for n in needs]),
        need_rate=arr([n.max_rate_bps for n in needs]),
        need_term=arr([n.term_days for n in needs]),
        need_min=arr([n.min_amount_satang for n in needs]),
        need_urgency=arr([n.urgency for n in needs]),
        need_arrival=arr([n.arrival for n in needs]),
        may_lend=may_lend,
        may_borrow=may_borrow,
        max_lenders=max_lenders,
        net_index=net_index,
        coop_net_at=coop_net_at,
    )
    state.off_rem = state.off_amount.copy()
    state.need_filled = np.zeros(len(needs), dtype=np.int64)
    state.need_lenders = np.zeros(len(needs), dtype=np.int64)
    state.lend_rem, state.lend_cap0 = lend_cap.copy(), lend_cap
    state.borrow_rem, state.borrow_cap0 = borrow_cap.copy(), borrow_cap
    state.exposure = ExposureBook(n_coops)
    return state


def _coop_networks(
    tree: NetworkTree, coop_ids: list[str], net_index: dict[str, int], fund_net: str | None
) -> dict[NetworkLevel, I64]:
    levels = list(NetworkLevel)
    # Per home network: the index of the network of each level on its chain (nearest first).
    rows: dict[str, list[int]] = {}
    for home, chain in tree.chain.items():
        row = [-1] * len(levels)
        for net_id in chain:
            pos = levels.index(tree.networks[net_id].level)
            if row[pos] < 0:
                row[pos] = net_index[net_id]
        rows[home] = row
    none = [-1] * len(levels)
    table = np.array(
        [rows.get(tree.home.get(cid, ""), none) for cid in coop_ids], dtype=np.int64
    ).reshape(len(coop_ids), len(levels))
    out = {level: table[:, j].copy() for j, level in enumerate(levels)}
    if fund_net is not None:
        # The joint fund is a member of its root network only.
        level = tree.networks[fund_net].level
        out[level][-1] = net_index[fund_net]
    return out
