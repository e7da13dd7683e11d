"""What every day of a season shares: the active coops, their roles and the fixed terms.

:func:`season_setup` derives, once per (scenario, policy), everything the day loop would
otherwise recompute each day: the coops that enter the rounds, the collectors, buyers and
lenders with their ids and rates, the borrowing-limit rules, the product, transport and
credit terms, the late payers and the calendar. It is cached per process, so a worker that
simulates many seasons of one scenario builds it once.

Produce rounds see only the coops that trade produce (collectors and buyers) and the
networks cut down to them: a coop with no lot and no order has no lane, so the matches,
prices, tiers and explanations are the same as with every coop, and the round is smaller.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from matcher.domain import Coop, Network
from matcher.liquidity.model import CoopRules
from matcher.produce.model import Product
from matcher.produce.model import Transport as TransportTerms
from matcher.produce.state import Layout, layout_of
from matcher.results import FairnessPolicy, RateRule
from scenarios.sim.loader import Scenario
from scenarios.sim.schema import PolicySpec

FUND_ID = "joint-fund"
RESERVE_SHARE_BPS = 5_000
"""Sellers' floor: half today's farm price (drain surplus rather than let it rot)."""
_CACHE_SIZE = 16


@dataclass(frozen=True, slots=True)
class Lender:
    """A coop with idle funds: it offers its cash each day."""

    coop_id: str
    offer_id: str
    rate_bps: int
    dropped_from: int | None
    """Day from which it no longer lends (the lender-drops-out stress case), else None."""


@dataclass(frozen=True, slots=True)
class Collector:
    """A coop that buys the farmers' harvest and may need cash to pay for it."""

    index: int
    """Its column in the season's arrival draws."""
    coop_id: str
    need_id: str
    borrow_rate_bps: int


@dataclass(frozen=True, slots=True)
class Buyer:
    """A coop that buys produce each day at up to the farm price plus its margin."""

    index: int
    """Its column in the season's demand draws."""
    coop_id: str
    order_id: str
    margin_bps: int


@dataclass(frozen=True)
class SeasonSetup:
    """The fixed part of every round of one (scenario, policy)."""

    scenario: Scenario
    """The active view: only coops that collect, buy or lend."""
    policy: PolicySpec
    collector_rows: list[int]
    """Rows of the collectors in ``scenario.coops`` (for the draws)."""
    buyer_rows: list[int]
    collectors: tuple[Collector, ...]
    buyers: tuple[Buyer, ...]
    lenders: tuple[Lender, ...]
    coop_ids: frozenset[str]
    late: frozenset[str]
    """Coops of the late-paying group."""
    rules: tuple[CoopRules, ...]
    root_id: str
    margin: dict[str, int]
    credit_buyers: tuple[str, ...]
    product: Product
    transport: TransportTerms
    fairness: FairnessPolicy
    rate_rule: RateRule
    dates: tuple[date, ...]
    """Day index → date, far enough for every lot's expiry and order's delivery."""
    trade_coops: tuple[Coop, ...] = ()
    """The coops of the produce rounds: collectors (sellers) and buyers."""
    trade_networks: tuple[Network, ...] = ()
    """The networks with only those coops as members (ids, levels and parents kept)."""
    layout: Layout | None = None
    """The produce rounds' coops, networks and transport, laid out once (with the distance
    of every pair of trading coops)."""


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
    return only_coops(scenario, keep)


_cache: dict[tuple[int, int], tuple[Scenario, PolicySpec, SeasonSetup]] = {}


def season_setup(scenario: Scenario, policy: PolicySpec) -> SeasonSetup:
    """The setup of (``scenario``, ``policy``), built once per process and reused.

    The cache is keyed by object identity; each entry keeps its scenario and policy alive,
    so a key cannot be reused by another object while it is cached.
    """
    key = (id(scenario), id(policy))
    hit = _cache.get(key)
    if hit is not None and hit[0] is scenario and hit[1] is policy:
        return hit[2]
    setup = build_setup(scenario, policy)
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[key] = (scenario, policy, setup)
    return setup


def only_coops(scenario: Scenario, keep: list[int]) -> Scenario:
    """The scenario with only the coops at rows ``keep``; networks keep ids and parents."""
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


def build_setup(scenario: Scenario, policy: PolicySpec) -> SeasonSetup:
    """Derive the setup of one (scenario, policy) (see the module docstring)."""
    scenario = active_view(scenario)
    season, stress = scenario.spec.season, policy.stress
    pairs = list(zip(scenario.coops, scenario.group_of, strict=True))
    collector_rows = [i for i, (_, g) in enumerate(pairs) if g.harvest_kg > 0]
    buyer_rows = [i for i, (_, g) in enumerate(pairs) if g.buy_kg_per_day > 0]
    horizon = season.days + season.shelf_life_days + 2
    trade = only_coops(scenario, sorted(set(collector_rows) | set(buyer_rows)))
    transport = TransportTerms(policy.transport_satang_per_kg_km)
    return SeasonSetup(
        scenario=scenario,
        policy=policy,
        collector_rows=collector_rows,
        buyer_rows=buyer_rows,
        collectors=tuple(
            Collector(k, pairs[i][0].id, f"n-{pairs[i][0].id}", pairs[i][1].borrow_rate_bps)
            for k, i in enumerate(collector_rows)
        ),
        buyers=tuple(
            Buyer(k, pairs[i][0].id, f"b-{pairs[i][0].id}", pairs[i][1].buy_margin_bps)
            for k, i in enumerate(buyer_rows)
        ),
        lenders=_lenders(scenario, policy),
        coop_ids=frozenset(c.id for c in scenario.coops),
        late=frozenset(c.id for c, g in pairs if g.id == stress.late_buyer),
        rules=tuple(
            CoopRules(c.id, borrowing_limit_satang=g.borrowing_limit_baht)
            for c, g in pairs
            if g.borrowing_limit_baht is not None
        ),
        root_id=next(n.id for n in scenario.networks if n.parent_id is None),
        margin={c.id: g.buy_margin_bps for c, g in pairs},
        credit_buyers=tuple(pairs[b][0].id for b in buyer_rows),
        product=_product(scenario),
        transport=transport,
        fairness=FairnessPolicy(policy.fairness),
        rate_rule=RateRule(policy.rate_rule),
        dates=tuple(season.start + timedelta(days=t) for t in range(horizon)),
        trade_coops=trade.coops,
        trade_networks=trade.networks,
        layout=layout_of(trade.coops, trade.networks, transport, pair_table=True),
    )


def _lenders(scenario: Scenario, policy: PolicySpec) -> tuple[Lender, ...]:
    """Coops with idle funds, in coop order; a dropped-out group stops on its day."""
    stress = policy.stress
    return tuple(
        Lender(
            c.id,
            f"o-{c.id}",
            g.lend_rate_bps,
            stress.drop_day if stress.lender_drops_out == g.id else None,
        )
        for c, g in zip(scenario.coops, scenario.group_of, strict=True)
        if g.idle_funds_baht > 0
    )


def _product(scenario: Scenario) -> Product:
    """The season's one product and grade."""
    season = scenario.spec.season
    return Product(
        season.product_id,
        season.product_th,
        season.product_en,
        season.unit,
        season.shelf_life_days,
        (season.grade,),
    )
