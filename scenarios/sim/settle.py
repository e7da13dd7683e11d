"""Apply a day's round to the season state (step 4 of :mod:`scenarios.sim.season`).

In this order: set-off cancels obligations; loans move cash and become repayment debts
(principal + interest, due after the term); farmers are paid in whole units with what cash
there is (the rest is turned away: a day short); due debts are paid from cash as far as it
goes; sales leave stock, the seller pays transport, the buyer resells and owes the seller;
stock past its shelf life spoils.
"""

from __future__ import annotations

from matcher.round.model import RoundResult
from scenarios.sim.daily import Day
from scenarios.sim.ledger import Debt, SeasonState
from scenarios.sim.setup import FUND_ID, SeasonSetup


def settle(
    setup: SeasonSetup,
    st: SeasonState,
    day: Day,
    bills: dict[str, int],
    result: RoundResult | None,
) -> None:
    """Apply the round (or, with no round, the day's payments and spoilage only)."""
    if result is not None:
        _apply_round(st, day.t, result)
    _pay_farmers(setup, st, day, bills)
    _pay_due(st, day)
    if result is not None and result.produce is not None:
        _apply_sales(setup, st, day.t, result)
    shelf = setup.scenario.spec.season.shelf_life_days
    for by_day in st.stock.values():
        for arrived in [a for a in by_day if a + shelf <= day.t + 1]:
            st.add("spoiled", by_day.pop(arrived))
    st.drop_settled()


def _apply_round(st: SeasonState, t: int, result: RoundResult) -> None:
    """Set-off notices, relief of needs, and loans (cash moves, repayment debts)."""
    cash = st.cash
    for notice in result.setoff.notices:
        if notice.set_off_satang:
            st.debts[notice.obligation_id].remaining -= notice.set_off_satang
            st.add("setoff", notice.set_off_satang)
    for ch in result.need_changes:
        st.covered[ch.borrower] += ch.relief_satang
    for loan in result.liquidity.proposals:
        if loan.lender == FUND_ID:
            st.fund -= loan.amount_satang
        else:
            cash[loan.lender] -= loan.amount_satang
        cash[loan.borrower] += loan.amount_satang
        st.covered[loan.borrower] += loan.amount_satang
        st.add("loans", loan.amount_satang)
        st.add("interest", loan.interest_satang)
        st.loan_tiers[loan.tier] = st.loan_tiers.get(loan.tier, 0) + loan.amount_satang
        st.seq += 1
        st.owe(
            f"r{st.seq:06d}-{loan.borrower}",
            Debt(
                loan.borrower,
                loan.lender,
                loan.amount_satang + loan.interest_satang,
                t + loan.term_days,
            ),
        )


def _pay_farmers(setup: SeasonSetup, st: SeasonState, day: Day, bills: dict[str, int]) -> None:
    """Each collector pays for as many whole units as its cash allows."""
    cash, price = st.cash, day.price
    for c in setup.collectors:
        cid = c.coop_id
        units = bills[cid] // price if price else 0
        take = min(units, max(0, cash[cid]) // price)
        cash[cid] -= take * price
        st.add("accepted", take)
        st.add("paid_farmers", take * price)
        if take < units:
            st.short[cid] += 1
        if take:
            st.stock[cid][day.t] = st.stock[cid].get(day.t, 0) + take


def _pay_due(st: SeasonState, day: Day) -> None:
    """Due debts, in key order, paid from the debtor's cash as far as it goes."""
    cash = st.cash
    for d in day.due.values():
        pay = min(d.remaining, max(0, cash[d.debtor]))
        if d.remaining <= 0 or pay <= 0:
            continue
        d.remaining -= pay
        cash[d.debtor] -= pay
        if d.creditor == FUND_ID:
            st.fund += pay
        else:
            cash[d.creditor] += pay


def _apply_sales(setup: SeasonSetup, st: SeasonState, t: int, result: RoundResult) -> None:
    """Stock leaves, seller pays transport, buyer resells and owes the seller."""
    assert result.produce is not None
    margin, stock, cash, tiers = setup.margin, st.stock, st.cash, st.sale_tiers
    retail_in = sold = sales = transport = 0
    for m in result.produce.matches:
        _, _, arrived = m.source_id.rpartition("-")
        stock[m.seller][int(arrived)] -= m.quantity
        value = m.price_satang_per_unit * m.quantity
        retail = value * (10_000 + margin[m.buyer]) // 10_000
        cash[m.seller] -= m.transport_satang
        cash[m.buyer] += retail
        retail_in += retail
        sold += m.quantity
        sales += value
        transport += m.transport_satang
        tiers[m.tier] = tiers.get(m.tier, 0) + value
    for key, amount in (
        ("retail", retail_in),
        ("sold", sold),
        ("sales", sales),
        ("transport", transport),
    ):
        st.add(key, amount)
    start = setup.scenario.spec.season.start
    for ob in result.new_obligations:
        due = (ob.due_date - start).days if ob.due_date else t
        st.owe(ob.id + f"@{t}", Debt(ob.debtor, ob.creditor, ob.amount_satang, due))
