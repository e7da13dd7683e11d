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

from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np

from matcher.liquidity.model import CoopRules, JointFund, LoanNeed, LoanOffer
from matcher.produce.model import GradeBid, ProduceProblem, Product, PurchaseOrder, StockLot
from matcher.produce.model import Transport as TransportTerms
from matcher.results import FairnessPolicy, RateRule
from matcher.round.combined import solve_round
from matcher.round.model import CreditTerms, RoundProblem, RoundResult
from matcher.setoff.model import Obligation
from scenarios.sim.draws import SeasonDraws, draw_season
from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import SeasonMetrics, gini_bps
from scenarios.sim.schema import PolicySpec

FUND_ID = "joint-fund"
RESERVE_SHARE_BPS = 5_000
"""Sellers' floor: half today's farm price (drain surplus rather than let it rot)."""


@dataclass
class _Debt:
    debtor: str
    creditor: str
    remaining: int
    due: int
    """Day index on which it falls due."""


@dataclass
class _State:
    """Mutable state of one season (local to :func:`simulate_season`)."""

    cash: dict[str, int]
    fund: int
    debts: dict[str, _Debt] = field(default_factory=dict)
    stock: dict[str, dict[int, int]] = field(default_factory=dict)
    """Collector → arrival day → units held."""
    totals: dict[str, int] = field(default_factory=dict)
    need: dict[str, int] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)
    loan_tiers: dict[str, int] = field(default_factory=dict)
    sale_tiers: dict[str, int] = field(default_factory=dict)
    seq: int = 0

    def add(self, key: str, amount: int) -> None:
        self.totals[key] = self.totals.get(key, 0) + amount


def simulate_season(
    scenario: Scenario, policy: PolicySpec, seed: np.random.SeedSequence, run: int = 0
) -> SeasonMetrics:
    """Simulate one season of ``scenario`` under ``policy``; deterministic for ``seed``."""
    scenario = active_view(scenario)
    groups = scenario.group_of
    ids = [c.id for c in scenario.coops]
    collectors = [i for i, g in enumerate(groups) if g.harvest_kg > 0]
    buyers = [i for i, g in enumerate(groups) if g.buy_kg_per_day > 0]
    draws = draw_season(scenario, policy, collectors, buyers, seed)
    cash = {c: g.cash_baht for c, g in zip(ids, groups, strict=True)}
    for c, g in zip(ids, groups, strict=True):
        cash[c] += g.idle_funds_baht * policy.idle_funds_bps // 10_000
    st = _State(cash=cash, fund=policy.joint_fund_baht)
    start_total = sum(cash.values()) + st.fund
    for i in collectors:
        st.stock[ids[i]] = {}
        st.short[ids[i]] = st.need[ids[i]] = st.covered[ids[i]] = 0
    for t in range(scenario.spec.season.days):
        _day(scenario, policy, draws, st, t, collectors, buyers)
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


def active_view(scenario: Scenario) -> Scenario:
    """Only the coops that collect, buy or lend (the others never enter a round).

    Networks keep their ids, levels and parents, so the tier of every match is unchanged;
    a smaller round is faster.
    """
    keep = [
        i
        for i, g in enumerate(scenario.group_of)
        if g.harvest_kg > 0 or g.buy_kg_per_day > 0 or g.idle_funds_baht > 0
    ]
    if len(keep) == len(scenario.coops):
        return scenario
    ids = {scenario.coops[i].id for i in keep}
    networks = tuple(
        replace(n, members=tuple(m for m in n.members if m in ids)) for n in scenario.networks
    )
    return replace(
        scenario,
        coops=tuple(scenario.coops[i] for i in keep),
        networks=networks,
        group_of=tuple(scenario.group_of[i] for i in keep),
    )


def _late_ids(scenario: Scenario, policy: PolicySpec) -> frozenset[str]:
    """Coops of the late-paying group (none unless the stress case is set)."""
    late = policy.stress.late_buyer
    return frozenset(
        c.id for c, g in zip(scenario.coops, scenario.group_of, strict=True) if g.id == late
    )


def _day(
    scenario: Scenario,
    policy: PolicySpec,
    draws: SeasonDraws,
    st: _State,
    t: int,
    collectors: list[int],
    buyers: list[int],
) -> None:
    """Build today's round, solve it, apply it."""
    season = scenario.spec.season
    coops, groups = scenario.coops, scenario.group_of
    today = season.start + timedelta(days=t)
    price = int(draws.price_satang[t])
    coop_ids = {c.id for c in coops}
    late, late_days = _late_ids(scenario, policy), policy.stress.late_days
    due = {
        k: d
        for k, d in sorted(st.debts.items())
        if d.remaining > 0 and d.due + (late_days if d.debtor in late else 0) <= t
    }
    payables: dict[str, int] = {}
    for d in due.values():
        if d.due + (late_days if d.debtor in late else 0) == t:  # overdue ones: posted once
            payables[d.debtor] = payables.get(d.debtor, 0) + d.remaining
    bills = {coops[i].id: int(draws.arrivals[t, k]) * price for k, i in enumerate(collectors)}
    needs = []
    for k, i in enumerate(collectors):
        cid = coops[i].id
        gap = bills[cid] + payables.get(cid, 0) - max(0, st.cash[cid])
        if gap > 0:
            needs.append(
                LoanNeed(
                    f"n-{cid}", cid, gap, groups[i].borrow_rate_bps, policy.loan_term_days, 0, 5
                )
            )
            st.need[cid] += gap
        st.add("arrived", int(draws.arrivals[t, k]))
    dropped = policy.stress.lender_drops_out
    offers = tuple(
        LoanOffer(f"o-{c.id}", c.id, st.cash[c.id], g.lend_rate_bps, 365)
        for c, g in zip(coops, groups, strict=True)
        if g.idle_funds_baht > 0
        and st.cash[c.id] > 0
        and not (dropped == g.id and t >= policy.stress.drop_day)
    )
    fund = None
    if st.fund > 0 and needs:
        root = next(n.id for n in scenario.networks if n.parent_id is None)
        fund = JointFund(FUND_ID, root, st.fund, policy.joint_fund_rate_bps, 365)
    obligations = tuple(
        Obligation(k, d.debtor, d.creditor, d.remaining, today - timedelta(days=t - d.due))
        for k, d in due.items()
        if d.creditor in coop_ids
    )
    produce = _produce(scenario, policy, draws, st, t, buyers, price)
    if not (needs or obligations or produce is not None):
        _settle(scenario, st, t, bills, price, due, collectors, None)
        return
    rules = tuple(
        CoopRules(c.id, borrowing_limit_satang=g.borrowing_limit_baht)
        for c, g in zip(coops, groups, strict=True)
        if g.borrowing_limit_baht is not None
    )
    problem = RoundProblem(
        business_date=today,
        coops=coops,
        networks=scenario.networks,
        obligations=obligations,
        offers=offers if needs else (),
        needs=tuple(needs),
        rules=rules,
        joint_fund=fund,
        policy=FairnessPolicy(policy.fairness),
        rate_rule=RateRule(policy.rate_rule),
        produce=produce,
        credit=CreditTerms(int(draws.credit_days[t]), tuple(coops[b].id for b in buyers)),
        curve_steps=0,
    )
    result = solve_round(problem)
    st.add("rounds", 1)
    _settle(scenario, st, t, bills, price, due, collectors, result, policy)


def _produce(
    scenario: Scenario,
    policy: PolicySpec,
    draws: SeasonDraws,
    st: _State,
    t: int,
    buyers: list[int],
    price: int,
) -> ProduceProblem | None:
    """Yesterday's stock against today's orders, or None when there is nothing to sell."""
    season = scenario.spec.season
    today = season.start + timedelta(days=t)
    lots = tuple(
        StockLot(
            f"l-{cid}-{day}",
            cid,
            season.product_id,
            season.grade,
            units,
            price * RESERVE_SHARE_BPS // 10_000,
            today,
            season.start + timedelta(days=day + season.shelf_life_days - 1),
        )
        for cid, by_day in st.stock.items()
        for day, units in sorted(by_day.items())
        if units > 0
    )
    groups = scenario.group_of
    orders = tuple(
        PurchaseOrder(
            f"b-{scenario.coops[b].id}",
            scenario.coops[b].id,
            season.product_id,
            (GradeBid(season.grade, price * (10_000 + groups[b].buy_margin_bps) // 10_000),),
            int(draws.demand[t, k]),
            today + timedelta(days=1),
        )
        for k, b in enumerate(buyers)
        if draws.demand[t, k] > 0
    )
    if not lots or not orders:
        return None
    product = Product(
        season.product_id,
        season.product_th,
        season.product_en,
        season.unit,
        season.shelf_life_days,
        (season.grade,),
    )
    return ProduceProblem(
        round_date=today,
        coops=scenario.coops,
        networks=scenario.networks,
        products=(product,),
        lots=lots,
        orders=orders,
        transport=TransportTerms(policy.transport_satang_per_kg_km),
        policy=FairnessPolicy(policy.fairness),
    )


def _settle(
    scenario: Scenario,
    st: _State,
    t: int,
    bills: dict[str, int],
    price: int,
    due: dict[str, _Debt],
    collectors: list[int],
    result: RoundResult | None,
    policy: PolicySpec | None = None,
) -> None:
    """Apply the round: set-off, loans, farmer payments, debts, sales, spoilage."""
    cash = st.cash
    if result is not None:
        for notice in result.setoff.notices:
            if notice.set_off_satang:
                st.debts[notice.obligation_id].remaining -= notice.set_off_satang
                st.add("setoff", notice.set_off_satang)
        for ch in result.need_changes:
            st.covered[ch.borrower] += ch.relief_satang
        assert policy is not None
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
            st.debts[f"r{st.seq:06d}-{loan.borrower}"] = _Debt(
                loan.borrower,
                loan.lender,
                loan.amount_satang + loan.interest_satang,
                t + loan.term_days,
            )
    for i in collectors:
        cid = scenario.coops[i].id
        units = bills[cid] // price if price else 0
        take = min(units, max(0, cash[cid]) // price)
        cash[cid] -= take * price
        st.add("accepted", take)
        st.add("paid_farmers", take * price)
        if take < units:
            st.short[cid] += 1
        if take:
            st.stock[cid][t] = st.stock[cid].get(t, 0) + take
    for d in due.values():
        pay = min(d.remaining, max(0, cash[d.debtor]))
        if d.remaining <= 0 or pay <= 0:
            continue
        d.remaining -= pay
        cash[d.debtor] -= pay
        if d.creditor == FUND_ID:
            st.fund += pay
        else:
            cash[d.creditor] += pay
    if result is not None and result.produce is not None:
        _apply_sales(scenario, st, t, result)
    shelf = scenario.spec.season.shelf_life_days
    for by_day in st.stock.values():
        for day in [d for d in by_day if d + shelf <= t + 1]:
            st.add("spoiled", by_day.pop(day))
    for key in [key for key, d in st.debts.items() if d.remaining <= 0]:
        del st.debts[key]


def _apply_sales(scenario: Scenario, st: _State, t: int, result: RoundResult) -> None:
    """Stock leaves, seller pays transport, buyer resells and owes the seller."""
    assert result.produce is not None
    margin = {
        c.id: g.buy_margin_bps for c, g in zip(scenario.coops, scenario.group_of, strict=True)
    }
    for m in result.produce.matches:
        _, _, day = m.source_id.rpartition("-")
        st.stock[m.seller][int(day)] -= m.quantity
        value = m.price_satang_per_unit * m.quantity
        st.cash[m.seller] -= m.transport_satang
        st.cash[m.buyer] += value * (10_000 + margin[m.buyer]) // 10_000
        st.add("retail", value * (10_000 + margin[m.buyer]) // 10_000)
        st.add("sold", m.quantity)
        st.add("sales", value)
        st.add("transport", m.transport_satang)
        st.sale_tiers[m.tier] = st.sale_tiers.get(m.tier, 0) + value
    for ob in result.new_obligations:
        due = (ob.due_date - scenario.spec.season.start).days if ob.due_date else t
        st.debts[ob.id + f"@{t}"] = _Debt(ob.debtor, ob.creditor, ob.amount_satang, due)
