"""The combined parts of a round's snapshot: obligations for set-off and the produce round.

Obligations enter when both the debtor and the creditor belong to the subtree (set-off
can only cancel debts between coops the round sees). Stock lots and purchase orders enter
when their coop has a location (the stored round has no distance matrix; transport is
great-circle × road factor): the coop's own coordinates, else the centroid of its district
(``scenarios/data/th_districts.csv``); the others are named in a note. Credit buyers outside the
subtree are ignored. Transport per product and the processors come from the network policy
(:func:`api.services.round.policy.round_params`); a processor at a coop without a location
is left out.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlmodel import Session

from api.db import repo
from api.db.bulk import versions_of
from api.services.snapshot import RoundParams, Snapshot, round_hash
from matcher.domain import Coop
from matcher.produce.model import PriceRule, ProduceProblem, PurchaseOrder, StockLot, Transport
from matcher.round.model import CreditTerms, RoundProblem
from matcher.setoff.model import Obligation
from scenarios.sim.loader import districts


def add_round_parts(
    session: Session,
    snap: Snapshot,
    *,
    network_ids: list[str],
    coops: list[Any],
    business_date: date,
    params: RoundParams,
) -> Snapshot:
    """``snap`` with its :class:`RoundProblem`, versions of every order and a new hash."""
    coop_ids = {c.id for c in coops}
    versions = dict(snap.versions)
    obligations = []
    for o in repo.open_obligation_orders(session, network_ids):
        if o.detail["creditor"] in coop_ids and o.detail["creditor"] != o.coop_id:
            versions[o.id] = o.version
            obligations.append(
                Obligation(o.id, o.coop_id, o.detail["creditor"], o.available, o.detail["due_date"])
            )
    produce, units, skipped = _produce(session, snap, network_ids, coops, business_date, params)
    if produce is not None:
        ids = [x.id for x in produce.lots] + [x.id for x in produce.orders]
        versions.update(versions_of(session, ids))
    lp = snap.problem
    rp = RoundProblem(
        business_date=business_date,
        coops=located_coops(lp.coops),
        networks=lp.networks,
        obligations=tuple(obligations),
        offers=lp.offers,
        needs=lp.needs,
        rules=lp.rules,
        joint_fund=lp.joint_fund,
        policy=params.policy,
        rate_rule=params.rate_rule,
        liquidity_time_limit_ms=params.time_limit_ms,
        produce=produce,
        credit=CreditTerms(
            params.sale_credit_days,
            tuple(sorted({b for b in params.credit_buyers if b in coop_ids})),
        ),
    )
    notes = snap.notes
    if skipped:
        notes = (
            *notes,
            "produce orders left out because their coop has no coordinates "
            f"(คำสั่งผลผลิตที่ไม่นำมาจับคู่เพราะสหกรณ์ไม่มีพิกัด): {', '.join(skipped)}",
        )
    return replace(
        snap,
        round_problem=rp,
        versions=versions,
        units=units,
        notes=notes,
        input_hash=round_hash(snap.input_hash, rp),
    )


def located_coops(coops: tuple[Coop, ...]) -> tuple[Coop, ...]:
    """Coops without coordinates get their district's centroid when the district is known."""
    table = districts()
    out = []
    for c in coops:
        d = table.get(c.district_code) if c.lat_e5 is None or c.lon_e5 is None else None
        out.append(c if d is None else replace(c, lat_e5=d.lat_e5, lon_e5=d.lon_e5))
    return tuple(out)


def _produce(
    session: Session,
    snap: Snapshot,
    network_ids: list[str],
    coops: list[Any],
    business_date: date,
    params: RoundParams,
) -> tuple[ProduceProblem | None, dict[str, str], list[str]]:
    """Today's produce round (None without both lots and orders), units, skipped ids."""
    lots, orders = repo.open_produce_orders(session, network_ids, business_date, snap.freed)
    domain = located_coops(snap.problem.coops)
    located = {c.id for c in domain if c.lat_e5 is not None and c.lon_e5 is not None}
    kept_lots: list[StockLot] = [x for x in lots if x.seller in located]
    kept_orders: list[PurchaseOrder] = [x for x in orders if x.buyer in located]
    skipped = sorted(
        [x.id for x in lots if x.seller not in located]
        + [x.id for x in orders if x.buyer not in located]
    )
    if not kept_lots or not kept_orders:
        return None, {}, skipped
    procs = tuple(x for x in params.processors if x.coop in located)
    used = {x.product for x in kept_lots} | {x.product for x in kept_orders}
    used |= {x.in_product for x in procs} | {x.out_product for x in procs}
    products = tuple(p for p in repo.products(session) if p.id in used)
    problem = ProduceProblem(
        round_date=business_date,
        coops=domain,
        networks=snap.problem.networks,
        products=products,
        lots=tuple(kept_lots),
        orders=tuple(kept_orders),
        transport=Transport(
            cost_satang_per_unit_km=params.transport_satang_per_unit_km,
            road_factor_bps=params.road_factor_bps,
            max_distance_m=params.reach_m,
            truck_cost_satang=params.truck_cost_satang,
            truck_capacity_units=params.truck_capacity_units,
            products=tuple(x for x in params.product_transport if x.product in used),
        ),
        processors=procs,
        policy=params.policy,
        price_rule=PriceRule(params.price_rule),
        time_limit_ms=params.time_limit_ms,
    )
    return problem, {p.id: p.base_unit for p in products}, skipped
