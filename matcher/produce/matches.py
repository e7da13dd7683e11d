"""Turn the tiers' lane flows into priced matches and compute the objective terms."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from matcher.domain import NetworkLevel
from matcher.money import ratio_bps
from matcher.produce.distance import I64
from matcher.produce.flow import segment_caps
from matcher.produce.lanes import TierLanes
from matcher.produce.model import (
    PriceRule,
    ProduceMatch,
    ProduceObjective,
    ProduceProblem,
    ProduceTierStages,
)
from matcher.produce.prices import clearing_prices, split_prices
from matcher.produce.state import ProduceState

Part = tuple[TierLanes, I64, I64, NetworkLevel, I64 | None]
"""(used lanes, units, trucks, level, dual price per lane or None)."""


def lane_floor_bid(st: ProduceState, ln: TierLanes) -> tuple[I64, I64]:
    """Per-unit floor (seller side) and buyer's highest price of each lane."""
    is_lot = ln.s < st.n_lots
    proc_cost = st.proc_cost[np.where(is_lot, 0, ln.s - st.n_lots)] if st.n_procs else 0
    floor = np.where(
        is_lot,
        st.s_reserve[ln.s] + ln.transport + ln.spoil,
        ln.transport + np.where(is_lot, 0, proc_cost),
    )
    bid = np.where(ln.d < st.n_orders, st.d_bid[ln.d, st.s_grade[ln.s]], floor)
    return floor.astype(np.int64), bid.astype(np.int64)


def with_input_cost(st: ProduceState, parts: Sequence[Part]) -> list[tuple[I64, I64]]:
    """(floor, bid) per lane of each part, a processor's output floor raised by what the
    processor paid per unit for its input.

    A leg into a processor is priced at its floor (what the processor pays); the
    processor's cost per *output* unit ``c_k = ⌈Σ_in q·price / Σ_out q⌉`` (what it paid for
    all its input over the units it sells: the input price divided by the yield, rounded
    up; with a yield of one, Σ_out q = Σ_in q). Its output's floor is
    ``max(transport + processing, min(bid, transport + processing + c_k))``, so the
    processor sells between what it paid (plus its costs) and the buyer's bid. Chains of
    processors (acyclic) settle in at most one pass per processor.
    """
    base = [lane_floor_bid(st, ln) for ln, *_ in parts]
    if not st.n_procs:
        return base
    paid = np.zeros(st.n_procs, np.int64)
    out = base
    for _ in range(st.n_procs + 1):
        num, got = np.zeros(st.n_procs, np.int64), np.zeros(st.n_procs, np.int64)
        out = []
        for (ln, qty, *_), (floor, bid) in zip(parts, base, strict=True):
            from_proc = ln.s >= st.n_lots
            raised = floor + np.where(from_proc, paid[np.where(from_proc, ln.s - st.n_lots, 0)], 0)
            into = ln.d >= st.n_orders
            f = np.where(into, raised, np.maximum(floor, np.minimum(raised, bid)))
            b = np.where(into, f, bid)
            np.add.at(num, ln.d[into] - st.n_orders, qty[into] * f[into])
            np.add.at(got, ln.s[from_proc] - st.n_lots, qty[from_proc])
            out.append((f.astype(np.int64), b.astype(np.int64)))
        new = -(-num // np.maximum(got, 1))
        if bool((new == paid).all()):
            break
        paid = new
    return out


def build_matches(
    p: ProduceProblem, st: ProduceState, parts: Sequence[Part]
) -> tuple[ProduceMatch, ...]:
    """Priced matches of every tier, in canonical order (source, target, tier)."""
    out: list[ProduceMatch] = []
    keys: list[tuple[I64, I64, str]] = []
    bounds = with_input_cost(st, parts)
    for (ln, qty, trucks, level, duals), (floor, bid) in zip(parts, bounds, strict=True):
        if ln.size == 0:
            continue
        keys.append((ln.s, ln.d, level.name.lower()))
        to_proc = ln.d >= st.n_orders
        if p.price_rule is PriceRule.CLEARING and duals is not None:
            group = (ln.comp * len(st.products) + st.s_prod[ln.s]) * 64 + st.s_grade[ln.s]
            price = np.where(to_proc, floor, clearing_prices(group, qty, duals, floor, bid))
        else:
            price = split_prices(floor, bid, to_proc)
        bid = np.where(to_proc, 0, bid)
        out.extend(_matches(st, ln, qty, trucks, level, price, bid))
    return tuple(out[i] for i in _canonical_order(st, keys))


def _canonical_order(st: ProduceState, keys: list[tuple[I64, I64, str]]) -> list[int]:
    """Positions of the matches sorted by (source id, target id, tier), stably.

    Sorted in numpy on dense ranks of the ids (equal ids, equal ranks); numpy compares
    strings by code point as Python does, except that it ignores trailing NULs, so ids
    holding a NUL are sorted by Python instead.
    """
    src = [x.id for x in st.lots] + [x.id for x in st.procs]
    dst = [x.id for x in st.orders] + [x.id for x in st.procs]
    tiers = [k[2] for k in keys]
    if not keys:
        return []
    if any("\x00" in x for x in (*src, *dst)):
        s_all = [src[i] for k in keys for i in k[0].tolist()]
        d_all = [dst[i] for k in keys for i in k[1].tolist()]
        t_all = [t for k in keys for t in [k[2]] * k[0].size]
        return sorted(range(len(s_all)), key=lambda i: (s_all[i], d_all[i], t_all[i]))
    s_rank = np.unique(np.array(src, dtype=str), return_inverse=True)[1].astype(np.int64)
    d_rank = np.unique(np.array(dst, dtype=str), return_inverse=True)[1].astype(np.int64)
    t_rank = {t: r for r, t in enumerate(sorted(set(tiers)))}
    s = np.concatenate([s_rank[k[0]] for k in keys])
    d = np.concatenate([d_rank[k[1]] for k in keys])
    t = np.concatenate([np.full(k[0].size, t_rank[k[2]], np.int64) for k in keys])
    out: list[int] = np.lexsort((t, d, s)).tolist()
    return out


def _matches(
    st: ProduceState,
    ln: TierLanes,
    qty: I64,
    trucks: I64,
    level: NetworkLevel,
    price: I64,
    bid: I64,
) -> list[ProduceMatch]:
    """Match records of one tier (arrays turned into Python ints once, column by column)."""
    src = [x.id for x in st.lots] + [x.id for x in st.procs]
    dst = [x.id for x in st.orders] + [x.id for x in st.procs]
    prod = st.s_prod[ln.s]
    tier = level.name.lower()
    cols = zip(
        ln.s.tolist(),
        ln.d.tolist(),
        st.s_coop[ln.s].tolist(),
        st.d_coop[ln.d].tolist(),
        prod.tolist(),
        st.s_grade[ln.s].tolist(),
        qty.tolist(),
        ln.dist_m.tolist(),
        price.tolist(),
        (bid * qty).tolist(),
        (ln.transport * qty).tolist(),
        (ln.spoil * qty).tolist(),
        trucks.tolist(),
        ln.comp.tolist(),
        ln.day.tolist(),
        strict=True,
    )
    return [
        ProduceMatch(
            source_id=src[s],
            target_id=dst[d],
            seller=st.coop_ids[sc],
            buyer=st.coop_ids[dc],
            product=st.products[pr],
            grade=st.grades[pr][g],
            quantity=q,
            distance_m=dist,
            price_satang_per_unit=pz,
            value_satang=val,
            transport_satang=tr,
            spoilage_satang=sp,
            trucks=tk,
            tier=tier,
            network_id=st.net_ids[c],
            delivery_date=date.fromordinal(day),
        )
        for s, d, sc, dc, pr, g, q, dist, pz, val, tr, sp, tk, c, day in cols
    ]


def objective_of(p: ProduceProblem, matches: Sequence[ProduceMatch]) -> ProduceObjective:
    """Objective terms from the matches alone (the validator recomputes the same way)."""
    lots = {x.id: x for x in p.lots}
    procs = {x.id: x for x in p.processors}
    reserve = sum(
        lots[m.source_id].reserve_satang_per_unit * m.quantity
        for m in matches
        if m.source_id in lots
    )
    processing = sum(
        procs[m.source_id].cost_satang_per_unit * m.quantity
        for m in matches
        if m.source_id in procs
    )
    value = sum(m.value_satang for m in matches)
    transport = sum(m.transport_satang for m in matches)
    spoil = sum(m.spoilage_satang for m in matches)
    trucks = sum(m.trucks * p.transport.of(m.product).truck_cost_satang for m in matches)
    sold_by: dict[str, int] = {}
    offered_by: dict[str, int] = {}
    for lot in p.lots:
        if lot.expiry_date >= p.round_date:
            offered_by[lot.seller] = offered_by.get(lot.seller, 0) + lot.quantity
    for m in matches:
        if m.source_id in lots:
            sold_by[m.seller] = sold_by.get(m.seller, 0) + m.quantity
    shares = [ratio_bps(sold_by.get(c, 0), q) for c, q in offered_by.items()]
    return ProduceObjective(
        gains_satang=value - reserve - transport - spoil - processing - trucks,
        buyer_value_satang=value,
        reserve_satang=reserve,
        transport_satang=transport,
        spoilage_satang=spoil,
        processing_satang=processing,
        truck_satang=trucks,
        units_sold=sum(sold_by.values()),
        units_offered=sum(offered_by.values()),
        min_seller_share_bps=min(shares, default=10_000),
    )


def tier_stages_of(
    p: ProduceProblem, matches: Sequence[ProduceMatch]
) -> tuple[ProduceTierStages, ...]:
    """Each tier's stage values: the fairness score of its lots' sales straight to orders
    (the flow's segments, from what earlier tiers sold, filled in order as an optimal flow
    fills them; a sale into a processor passes none) and its gains from trade."""
    lots = {x.id: x for x in p.lots}
    procs = {x.id: x for x in p.processors}
    k = p.fairness_steps if p.policy.value != "coverage" else 0
    sold_before: dict[str, int] = {}
    out: list[ProduceTierStages] = []
    for level in NetworkLevel:
        tier = level.name.lower()
        here = [m for m in matches if m.tier == tier]
        if not here:
            continue
        gains = 0
        direct: dict[str, int] = {}
        sold: dict[str, int] = {}
        for m in here:
            truck = m.trucks * p.transport.of(m.product).truck_cost_satang
            cost = m.transport_satang + m.spoilage_satang + truck
            if m.source_id in lots:
                cost += lots[m.source_id].reserve_satang_per_unit * m.quantity
                sold[m.source_id] = sold.get(m.source_id, 0) + m.quantity
                if m.target_id not in procs:  # sales into a processor pass no segment
                    direct[m.source_id] = direct.get(m.source_id, 0) + m.quantity
            elif m.source_id in procs:
                cost += procs[m.source_id].cost_satang_per_unit * m.quantity
            gains += m.value_satang - cost
        score = 0
        for lot_id, units in sorted(direct.items()) if k else ():
            before = np.array([sold_before.get(lot_id, 0)])
            caps = segment_caps(np.array([lots[lot_id].quantity]), before, k)[0]
            fill = np.minimum(caps, np.maximum(units - np.r_[0, np.cumsum(caps)[:-1]], 0))
            score += int(((k - np.arange(k)) * fill).sum())
        for lot_id, units in sold.items():
            sold_before[lot_id] = sold_before.get(lot_id, 0) + units
        out.append(ProduceTierStages(tier, score, gains))
    return tuple(out)
