"""One season, day by day: a pure function of (scenario, policy, seed) → SeasonMetrics.

Each day ``t`` (business date = start + t):

1. Farmers deliver ``a_c`` units to collector ``c`` at today's farm price ``p_t``; the
   collector must pay ``a_c·p_t`` on delivery. Obligations due by today (buyers' payments
   for earlier sales, loan repayments) are collected; a late buyer's debts wait
   ``late_days`` more.
2. Need: ``max(0, a_c·p_t + payables_c − cash_c)`` is posted as a liquidity need (urgency
   5). Lenders offer their cash (the policy's share of idle funds, plus repayments); the
   joint fund offers what it has left. Yesterday's stock (one lot per collector and arrival
   day) meets the buyers' orders for today at up to ``p_t·(1 + margin)`` delivered.
3. :func:`matcher.round.combined.solve_round` runs set-off, lending and produce.
4. Applied in this order: set-off cancels obligations; loans move cash and become
   repayment obligations (principal + interest, due after the term); farmers are paid in
   whole units with what cash there is (the rest is turned away, a *day short*); due
   obligations are paid from cash as far as it goes; sales leave stock, the seller pays
   transport, the buyer resells (retail money in) and owes the seller (credit sales from the
   round); stock past its shelf life spoils.

Money is conserved: Σ cash_end = Σ cash_start + retail in − farmers paid − transport.
Goods: accepted = sold + held + spoiled.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.round.combined import solve_round
from scenarios.sim.daily import Day, bills_of, today_round
from scenarios.sim.draws import draw_season
from scenarios.sim.ledger import SeasonState
from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics, gini_bps
from scenarios.sim.schema import PolicySpec
from scenarios.sim.settle import settle
from scenarios.sim.setup import FUND_ID, RESERVE_SHARE_BPS, active_view, season_setup

__all__ = ["FUND_ID", "RESERVE_SHARE_BPS", "active_view", "simulate_season"]


def simulate_season(
    scenario: Scenario,
    policy: PolicySpec,
    seed: np.random.SeedSequence,
    run: int = 0,
    *,
    recheck: bool = False,
    observer: Callable[[int, SeasonState], None] | None = None,
) -> SeasonMetrics:
    """Simulate one season of ``scenario`` under ``policy``; deterministic for ``seed``.

    Args:
        scenario: a loaded scenario.
        policy: one of its funding policies.
        seed: the run's seed; every random draw of the season comes from it.
        run: the run number recorded in the metrics.
        recheck: check every round in full and solve every part, as for input from a
            file (slower; the same metrics). By default the rounds, which the simulator
            builds itself, are solved with ``solve_round(..., checked=True, explain=False)``
            (the season reads no explanation).
        observer: called with the day index and the state after each day is settled
            (read only; the funding plan records the daily uncovered needs with it).

    Returns:
        The season's metrics.
    """
    setup = season_setup(scenario, policy)
    sc = setup.scenario
    groups = sc.group_of
    draws = draw_season(sc, policy, setup.collector_rows, setup.buyer_rows, seed)
    cash = {c.id: g.cash_baht for c, g in zip(sc.coops, groups, strict=True)}
    for c, g in zip(sc.coops, groups, strict=True):
        cash[c.id] += g.idle_funds_baht * policy.idle_funds_bps // 10_000
    st = SeasonState(
        cash=cash, fund=policy.joint_fund_baht, late=setup.late, late_days=policy.stress.late_days
    )
    start_total = sum(cash.values()) + st.fund
    for collector in setup.collectors:
        cid = collector.coop_id
        st.stock[cid] = {}
        st.short[cid] = st.need[cid] = st.covered[cid] = 0
    prices, arrivals = draws.price_satang.tolist(), draws.arrivals.tolist()
    demand, credit = draws.demand.tolist(), draws.credit_days.tolist()
    for t in range(sc.spec.season.days):
        day = Day(t, prices[t], arrivals[t], demand[t], credit[t], st.open_day(t))
        bills = bills_of(setup, day)
        problem = today_round(setup, st, day, bills)
        result = None
        if problem is not None:
            if recheck:
                result = solve_round(problem)
            else:
                # The season reads no explanation: none are built.
                result = solve_round(problem, checked=True, layout=setup.layout, explain=False)
            st.add("rounds", 1)
        settle(setup, st, day, bills, result)
        if observer is not None:
            observer(t, st)
    return _metrics(policy, run, st, start_total)


def _metrics(policy: PolicySpec, run: int, st: SeasonState, start_total: int) -> SeasonMetrics:
    """The season's figures from its final state."""
    held = sum(sum(lots.values()) for lots in st.stock.values())
    fills = [10_000 if st.need[c] == 0 else st.covered[c] * 10_000 // st.need[c] for c in st.need]
    tot = st.totals.get
    return SeasonMetrics(
        policy=policy.name,
        run=run,
        need_satang=sum(st.need.values()),
        covered_satang=sum(st.covered.values()),
        loans_satang=tot("loans", 0),
        interest_satang=tot("interest", 0),
        setoff_cleared_satang=tot("setoff", 0),
        arrived_units=tot("arrived", 0),
        accepted_units=tot("accepted", 0),
        turned_away_units=tot("arrived", 0) - tot("accepted", 0),
        sold_units=tot("sold", 0),
        spoiled_units=tot("spoiled", 0),
        held_units=held,
        sales_satang=tot("sales", 0),
        paid_farmers_satang=tot("paid_farmers", 0),
        transport_satang=tot("transport", 0),
        retail_in_satang=tot("retail", 0),
        cash_start_satang=start_total,
        cash_end_satang=sum(st.cash.values()) + st.fund,
        receivables_end_satang=sum(d.remaining for d in st.debts.values()),
        rounds=tot("rounds", 0),
        min_fill_bps=min(fills, default=10_000),
        gini_fill_bps=gini_bps(fills),
        days_short=tuple(sorted(st.short.items())),
        loans_by_tier=tuple(sorted(st.loan_tiers.items())),
        sales_by_tier=tuple(sorted(st.sale_tiers.items())),
    )
