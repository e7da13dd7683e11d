"""Today's round of a season: the needs, offers, due obligations and produce on offer.

Built from the season's fixed :class:`~scenarios.sim.setup.SeasonSetup` and its mutable
:class:`~scenarios.sim.ledger.SeasonState`; the rules are those of
:mod:`scenarios.sim.season` (step 2 of its day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matcher.liquidity.model import JointFund, LoanNeed, LoanOffer
from matcher.produce.model import GradeBid, ProduceProblem, PurchaseOrder, StockLot
from matcher.round.model import CreditTerms, RoundProblem
from matcher.setoff.model import Obligation
from scenarios.sim.ledger import Debt, SeasonState
from scenarios.sim.setup import FUND_ID, RESERVE_SHARE_BPS, SeasonSetup

URGENCY = 5
"""Urgency of every need: paying farmers on delivery."""


@dataclass(frozen=True)
class Day:
    """One day's inputs: the draws of the day and what is due."""

    t: int
    price: int
    arrivals: list[int]
    """Units delivered to each collector (collector order)."""
    demand: list[int]
    """Units each buyer takes (buyer order)."""
    credit_days: int
    due: dict[str, Debt]
    """Open debts due by today, in key order."""


def bills_of(setup: SeasonSetup, day: Day) -> dict[str, int]:
    """What each collector owes its farmers today: arrivals × farm price."""
    return {c.coop_id: day.arrivals[c.index] * day.price for c in setup.collectors}


def today_round(
    setup: SeasonSetup, st: SeasonState, day: Day, bills: dict[str, int]
) -> RoundProblem | None:
    """The round to solve today, or None when there is nothing to match.

    Records each collector's arrivals and posted need in the season totals.
    """
    t, policy = day.t, setup.policy
    payables: dict[str, int] = {}
    for d in day.due.values():
        if st.due_day(d) == t:  # overdue ones are posted once, on their day
            payables[d.debtor] = payables.get(d.debtor, 0) + d.remaining
    needs = []
    for c in setup.collectors:
        gap = bills[c.coop_id] + payables.get(c.coop_id, 0) - max(0, st.cash[c.coop_id])
        if gap > 0:
            needs.append(
                LoanNeed(
                    c.need_id, c.coop_id, gap, c.borrow_rate_bps, policy.loan_term_days, 0, URGENCY
                )
            )
            st.need[c.coop_id] += gap
        st.add("arrived", day.arrivals[c.index])
    dates = setup.dates
    obligations = tuple(
        _obligation(st.memo, k, d, dates) for k, d in day.due.items() if d.creditor != FUND_ID
    )
    produce = today_produce(setup, st, day)
    if not (needs or obligations or produce is not None):
        return None
    offers = _offers(setup, st, t) if needs else ()
    fund = None
    if st.fund > 0 and needs:
        fund = JointFund(FUND_ID, setup.root_id, st.fund, policy.joint_fund_rate_bps, 365)
    return RoundProblem(
        business_date=dates[t],
        coops=setup.scenario.coops,
        networks=setup.scenario.networks,
        obligations=obligations,
        offers=offers,
        needs=tuple(needs),
        rules=setup.rules,
        joint_fund=fund,
        policy=setup.fairness,
        rate_rule=setup.rate_rule,
        produce=produce,
        credit=CreditTerms(day.credit_days, setup.credit_buyers),
        curve_steps=0,
    )


def _offers(setup: SeasonSetup, st: SeasonState, t: int) -> tuple[LoanOffer, ...]:
    """Each lender still lending offers all its cash (an offer is built again only when the
    lender's cash has changed since it was last built)."""
    cash, memo, out = st.cash, st.memo, []
    for x in setup.lenders:
        amount = cash[x.coop_id]
        if amount > 0 and (x.dropped_from is None or t < x.dropped_from):
            offer = memo.get(x.offer_id)
            if not isinstance(offer, LoanOffer) or offer.amount_satang != amount:
                offer = memo[x.offer_id] = LoanOffer(x.offer_id, x.coop_id, amount, x.rate_bps, 365)
            out.append(offer)
    return tuple(out)


def _obligation(memo: dict[str, object], key: str, d: Debt, dates: tuple[date, ...]) -> Obligation:
    """The open debt as an obligation (built again only when what remains has changed)."""
    ob = memo.get(key)
    if not isinstance(ob, Obligation) or ob.amount_satang != d.remaining:
        ob = memo[key] = Obligation(key, d.debtor, d.creditor, d.remaining, dates[d.due])
    return ob


def today_produce(setup: SeasonSetup, st: SeasonState, day: Day) -> ProduceProblem | None:
    """Yesterday's stock against today's orders, or None when there is nothing to sell."""
    t, price = day.t, day.price
    season = setup.scenario.spec.season
    dates = setup.dates
    today, reserve, shelf = dates[t], price * RESERVE_SHARE_BPS // 10_000, season.shelf_life_days
    lots = tuple(
        StockLot(
            f"l-{cid}-{arrived}",
            cid,
            season.product_id,
            season.grade,
            units,
            reserve,
            today,
            dates[arrived + shelf - 1],
        )
        for cid, by_day in st.stock.items()
        for arrived, units in sorted(by_day.items())
        if units > 0
    )
    if not lots:
        return None
    orders = tuple(
        PurchaseOrder(
            b.order_id,
            b.coop_id,
            season.product_id,
            (GradeBid(season.grade, price * (10_000 + b.margin_bps) // 10_000),),
            day.demand[b.index],
            dates[t + 1],
        )
        for b in setup.buyers
        if day.demand[b.index] > 0
    )
    if not orders:
        return None
    return ProduceProblem(
        round_date=today,
        coops=setup.trade_coops,
        networks=setup.trade_networks,
        products=(setup.product,),
        lots=lots,
        orders=orders,
        transport=setup.transport,
        policy=setup.fairness,
        shadow_max_lanes=0,  # the season never reads shadow values: none are computed
    )
