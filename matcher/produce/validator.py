"""Independent check of a produce result: recomputes everything without the solver.

It rebuilds distances with :mod:`math` (not numpy), bids, floors and totals from the
problem and the matches alone, and lists every broken rule: each processor's mass balance
in each tier (units out = ⌊units in × yield⌋), no lot over-sold, no order over-filled,
minimum lots, no expired lot shipped, dates, reach, prices inside [floor, buyer max], a
processor's output price no lower than what it paid per output unit plus its costs (unless
the bid is lower), tiers inside the stated network, trucks and the objective terms.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from matcher.domain import Coop, NetworkLevel, NetworkTree
from matcher.money import div_round_half_even
from matcher.produce.model import (
    Processor,
    ProduceMatch,
    ProduceProblem,
    ProduceResult,
    PurchaseOrder,
    StockLot,
)

R_EARTH = 6_371_008.8


def distance_m(
    p: ProduceProblem,
    origin: str,
    destination: str,
    coops: dict[str, Coop] | None = None,
    road_factor_bps: int | None = None,
) -> int:
    """Road distance between two coops, recomputed from scratch (on the round's road
    factor, or on ``road_factor_bps``: a product's own)."""
    if p.transport.lanes:
        table = {(x.origin, x.destination): x.distance_m for x in p.transport.lanes}
        return table.get((origin, destination), -1)
    by_id = coops if coops is not None else {c.id: c for c in p.coops}
    a, b = by_id[origin], by_id[destination]
    la1, lo1 = math.radians((a.lat_e5 or 0) / 1e5), math.radians((a.lon_e5 or 0) / 1e5)
    la2, lo2 = math.radians((b.lat_e5 or 0) / 1e5), math.radians((b.lon_e5 or 0) / 1e5)
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    gc = round(2 * R_EARTH * math.asin(math.sqrt(min(max(h, 0.0), 1.0))))
    factor = p.transport.road_factor_bps if road_factor_bps is None else road_factor_bps
    return div_round_half_even(gc * factor, 10_000)


def validate(p: ProduceProblem, r: ProduceResult) -> list[str]:
    """Every rule the result breaks (empty when it is valid)."""
    errs: list[str] = []
    lots = {x.id: x for x in p.lots}
    orders = {x.id: x for x in p.orders}
    procs = {x.id: x for x in p.processors}
    tree = NetworkTree.build(p.networks, [c.id for c in p.coops]) if p.networks else None
    coops = {c.id: c for c in p.coops}
    lanes = {(x.origin, x.destination): x.distance_m for x in p.transport.lanes}
    sold: dict[str, int] = defaultdict(int)
    got: dict[str, int] = defaultdict(int)
    paid = _paid_per_unit(r, procs)
    for m in r.matches:
        errs += _check_match(p, m, (lots, orders, procs), tree, coops, lanes)
        errs += _check_processor_margin(p, m, procs, orders, paid)
        sold[m.source_id] += m.quantity
        got[m.target_id] += m.quantity
    for lot in p.lots:
        if sold[lot.id] > lot.quantity:
            errs.append(f"lot {lot.id} over-sold: {sold[lot.id]} > {lot.quantity}")
    for o in p.orders:
        if got[o.id] > o.quantity:
            errs.append(f"order {o.id} over-filled: {got[o.id]} > {o.quantity}")
        if 0 < got[o.id] < o.min_lot_units:
            errs.append(f"order {o.id} filled {got[o.id]} below its minimum lot")
    errs += _check_yields(p, r)
    for pr in p.processors:
        if got[pr.id] > pr.capacity_units:
            errs.append(f"processor {pr.id} over capacity")
    errs += _check_objective(p, r, lots, procs)
    errs += _check_stages(p, r, lots, procs)
    errs += _check_explanations(p, r, sold, got)
    return errs


def _check_match(
    p: ProduceProblem,
    m: ProduceMatch,
    index: tuple[dict[str, StockLot], dict[str, PurchaseOrder], dict[str, Processor]],
    tree: NetworkTree | None,
    coops: dict[str, Coop],
    lanes: dict[tuple[str, str], int],
) -> list[str]:
    lots, orders, procs = index
    e: list[str] = []
    tag = f"match {m.source_id}→{m.target_id}"
    if m.quantity <= 0:
        e.append(f"{tag}: non-positive quantity")
    lot, proc_s = lots.get(m.source_id), procs.get(m.source_id)
    order, proc_d = orders.get(m.target_id), procs.get(m.target_id)
    if (lot is None) == (proc_s is None) or (order is None) == (proc_d is None):
        return [f"{tag}: unknown source or target"]
    if lot is not None:
        if (lot.seller, lot.product, lot.grade) != (m.seller, m.product, m.grade):
            e.append(f"{tag}: seller/product/grade differ from the lot")
        if lot.expiry_date < p.round_date:
            e.append(f"{tag}: expired lot shipped")
        ready, expiry, reserve, spoil = (
            max(lot.ready_date, p.round_date),
            lot.expiry_date,
            lot.reserve_satang_per_unit,
            lot.spoilage_satang_per_unit_day,
        )
    else:
        assert proc_s is not None
        if (proc_s.coop, proc_s.out_product, proc_s.out_grade) != (m.seller, m.product, m.grade):
            e.append(f"{tag}: seller/product/grade differ from the processor output")
        ready, expiry, reserve, spoil = p.round_date, date.max, 0, 0
    due = order.deliver_by if order is not None else date.max
    if not ready <= m.delivery_date <= min(expiry, due):
        e.append(f"{tag}: delivery date {m.delivery_date} outside [{ready}, {min(expiry, due)}]")
    t = p.transport.of(m.product)
    known = lanes.get((m.seller, m.buyer), -1)
    dist = known if lanes else distance_m(p, m.seller, m.buyer, coops, t.road_factor_bps)
    if abs(dist - m.distance_m) > 1 or m.distance_m > t.max_distance_m:
        e.append(
            f"{tag}: distance {m.distance_m} m (recomputed {dist} m, reach {t.max_distance_m} m)"
        )
    per_km = div_round_half_even(m.distance_m * t.cost_satang_per_unit_km, 1000)
    if m.transport_satang != per_km * m.quantity:
        e.append(f"{tag}: transport {m.transport_satang} ≠ {per_km * m.quantity}")
    days = (m.delivery_date - p.round_date).days
    if m.spoilage_satang != spoil * days * m.quantity:
        e.append(f"{tag}: spoilage {m.spoilage_satang} ≠ {spoil * days * m.quantity}")
    floor = reserve + per_km + spoil * days + (proc_s.cost_satang_per_unit if proc_s else 0)
    if order is not None:
        bid = {b.grade: b.max_price_satang_per_unit for b in order.bids}.get(m.grade)
        if bid is None or order.product != m.product or order.buyer != m.buyer:
            return [*e, f"{tag}: order does not accept {m.product}/{m.grade}"]
        if m.value_satang != bid * m.quantity:
            e.append(f"{tag}: value {m.value_satang} ≠ {bid * m.quantity}")
        if not floor <= m.price_satang_per_unit <= bid:
            e.append(f"{tag}: price {m.price_satang_per_unit} outside [{floor}, {bid}]")
    else:
        assert proc_d is not None
        if (proc_d.coop, proc_d.in_product, proc_d.in_grade) != (m.buyer, m.product, m.grade):
            e.append(f"{tag}: processor does not take {m.product}/{m.grade}")
    if t.truck_capacity_units and m.trucks * t.truck_capacity_units < m.quantity:
        e.append(f"{tag}: {m.trucks} trucks cannot carry {m.quantity}")
    if tree is not None:
        net = tree.networks.get(m.network_id)
        if (
            net is None
            or net.level.name.lower() != m.tier
            or not (tree.contains(net.id, m.seller) and tree.contains(net.id, m.buyer))
        ):
            e.append(f"{tag}: not inside network {m.network_id} at tier {m.tier}")
    return e


def _check_yields(p: ProduceProblem, r: ProduceResult) -> list[str]:
    """Mass balance of every processor in every tier: units out = ⌊units in × yield_bps /
    10,000⌋ (one for one at a yield of 10,000)."""
    units_in: dict[tuple[str, str], int] = defaultdict(int)
    units_out: dict[tuple[str, str], int] = defaultdict(int)
    for m in r.matches:
        units_in[(m.target_id, m.tier)] += m.quantity
        units_out[(m.source_id, m.tier)] += m.quantity
    errs = []
    for pr in p.processors:
        tiers = sorted({t for i, t in (*units_in, *units_out) if i == pr.id})
        for tier in tiers:
            a, b = units_in[(pr.id, tier)], units_out[(pr.id, tier)]
            if b != pr.output_of(a):
                errs.append(
                    f"processor {pr.id} breaks its yield at {tier}: in {a} × "
                    f"{pr.yield_bps}/10,000 rounded down is {pr.output_of(a)} ≠ out {b}"
                )
    return errs


def _paid_per_unit(r: ProduceResult, procs: dict[str, Processor]) -> dict[str, int]:
    """What each processor paid per unit of its output: ⌈Σ_in q·price / Σ_out q⌉ (what it
    paid for its input over the units it sold; the input price over the yield)."""
    num: dict[str, int] = defaultdict(int)
    qty: dict[str, int] = defaultdict(int)
    for m in r.matches:
        if m.target_id in procs:
            num[m.target_id] += m.quantity * m.price_satang_per_unit
        if m.source_id in procs:
            qty[m.source_id] += m.quantity
    return {k: -(-num[k] // qty[k]) for k in qty if qty[k] > 0}


def _check_processor_margin(
    p: ProduceProblem,
    m: ProduceMatch,
    procs: dict[str, Processor],
    orders: dict[str, PurchaseOrder],
    paid: dict[str, int],
) -> list[str]:
    """A processor's output sells at no less than what it paid for its input plus its
    processing and transport, unless the buyer's bid is lower (then at the bid)."""
    proc, order = procs.get(m.source_id), orders.get(m.target_id)
    if proc is None or order is None or m.quantity <= 0:
        return []
    bid = {b.grade: b.max_price_satang_per_unit for b in order.bids}.get(m.grade)
    if bid is None:
        return []
    per_unit = m.transport_satang // m.quantity + proc.cost_satang_per_unit
    least = max(per_unit, min(bid, per_unit + paid.get(proc.id, 0)))
    if m.price_satang_per_unit < least:
        return [
            f"match {m.source_id}→{m.target_id}: processor output at "
            f"{m.price_satang_per_unit} below what it paid plus costs ({least})"
        ]
    return []


def _check_objective(
    p: ProduceProblem, r: ProduceResult, lots: dict[str, StockLot], procs: dict[str, Processor]
) -> list[str]:
    value = sum(m.value_satang for m in r.matches if m.target_id not in procs)
    reserve = sum(
        lots[m.source_id].reserve_satang_per_unit * m.quantity
        for m in r.matches
        if m.source_id in lots
    )
    processing = sum(
        procs[m.source_id].cost_satang_per_unit * m.quantity
        for m in r.matches
        if m.source_id in procs
    )
    trucks = sum(m.trucks * p.transport.of(m.product).truck_cost_satang for m in r.matches)
    gains = (
        value
        - reserve
        - sum(m.transport_satang for m in r.matches)
        - sum(m.spoilage_satang for m in r.matches)
        - processing
        - trucks
    )
    o = r.objective
    if (o.gains_satang, o.buyer_value_satang, o.reserve_satang, o.truck_satang) != (
        gains,
        value,
        reserve,
        trucks,
    ):
        return [f"objective terms differ: gains {o.gains_satang} vs recomputed {gains}"]
    return []


def _step_score(quantity: int, before: int, added: int, k: int) -> int:
    """The fairness score of one lot's sales straight to orders at one tier, from the stated
    rule alone: step j (1 … K) spans (⌈q·(j−1)/K⌉, ⌈q·j/K⌉] of the lot's quantity q, counted
    from what earlier tiers sold; each unit sold inside it scores K + 1 − j."""
    score = 0
    for j in range(1, k + 1):
        lo, hi = -((-quantity * (j - 1)) // k), -((-quantity * j) // k)
        score += (k + 1 - j) * max(0, min(hi, before + added) - max(lo, before))
    return score


def _check_stages(
    p: ProduceProblem, r: ProduceResult, lots: dict[str, StockLot], procs: dict[str, Processor]
) -> list[str]:
    """Each tier's fairness score and gains from trade, recomputed from its matches."""
    if not r.tiers:
        return []
    order = [lvl.name.lower() for lvl in NetworkLevel]
    present = {m.tier for m in r.matches}
    if [t.tier for t in r.tiers] != [t for t in order if t in present]:
        return ["stages: the tiers do not match the matches' tiers"]
    k = 0 if r.policy.value == "coverage" else p.fairness_steps
    bad: list[str] = []
    before: dict[str, int] = defaultdict(int)
    for stage in r.tiers:
        direct: dict[str, int] = defaultdict(int)
        sold: dict[str, int] = defaultdict(int)
        gains = 0
        for m in r.matches:
            if m.tier != stage.tier:
                continue
            gains += m.value_satang - m.transport_satang - m.spoilage_satang
            gains -= m.trucks * p.transport.of(m.product).truck_cost_satang
            if m.source_id in lots:
                gains -= lots[m.source_id].reserve_satang_per_unit * m.quantity
                sold[m.source_id] += m.quantity
                direct[m.source_id] += 0 if m.target_id in procs else m.quantity
            elif m.source_id in procs:
                gains -= procs[m.source_id].cost_satang_per_unit * m.quantity
        score = sum(_step_score(lots[i].quantity, before[i], x, k) for i, x in direct.items())
        if score != stage.fairness_score:
            bad.append(f"stages: {stage.tier} fairness score does not recompute")
        if gains != stage.gains_satang:
            bad.append(f"stages: {stage.tier} gains from trade do not recompute")
        for i, x in sold.items():
            before[i] += x
    if sum(t.gains_satang for t in r.tiers) != r.objective.gains_satang:
        bad.append("stages: the tiers' gains do not add up to the round's")
    return bad


def _check_explanations(
    p: ProduceProblem, r: ProduceResult, sold: dict[str, int], got: dict[str, int]
) -> list[str]:
    e: list[str] = []
    seen = {(x.side, x.order_id): x for x in r.explanations}
    want = [("lot", x.id, x.quantity, sold[x.id]) for x in p.lots]
    want += [("order", x.id, x.quantity, got[x.id]) for x in p.orders]
    if len(seen) != len(want):
        e.append("explanations are missing or duplicated")
    for side, ident, qty, matched in want:
        x = seen.get((side, ident))
        if x is None or x.matched != matched or x.quantity != qty or not x.reasons:
            e.append(f"explanation of {side} {ident} is wrong or missing")
    return e
