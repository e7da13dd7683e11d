"""Input validation of a produce round: every problem is reported with its field path.

Nothing here solves; :func:`check_problem` raises :class:`matcher.errors.InputError` naming
fields such as ``lots[2].expiry_date`` and returns the validated network tree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from matcher.domain import NetworkTree
from matcher.errors import IssueCollector
from matcher.produce.model import (
    MAX_YIELD_BPS,
    Processor,
    ProduceProblem,
    PurchaseOrder,
    StockLot,
    Transport,
)

MAX_UNITS = 10**9
"""Largest quantity in one lot, order or capacity (base units)."""
MAX_PRICE = 10**8
"""Largest price per unit in satang (1,000,000 baht per unit)."""
MAX_DISTANCE_M = 50_000_000
UNITS = ("kg", "egg", "litre")
YIELD_MESSAGE = (
    f"ผลได้ต้องเป็นจำนวนเต็ม 1 … {MAX_YIELD_BPS:,} หน่วยผลผลิตต่อวัตถุดิบ 10,000 หน่วย / "
    f"yield must be a whole number of output units per 10,000 input units, 1 … {MAX_YIELD_BPS:,}"
)
"""The yield's rule in Thai and English (also used by the policy and file schemas)."""


def check_problem(p: ProduceProblem) -> NetworkTree:
    """Check the whole round; raise :class:`InputError` listing every bad field."""
    col = IssueCollector()
    coop_ids = _unique(col, "coops", [c.id for c in p.coops])
    for i, c in enumerate(p.coops):
        if c.lat_e5 is not None and not -9_000_000 <= c.lat_e5 <= 9_000_000:
            col.add(f"coops[{i}].lat_e5", "latitude must lie within ±90 degrees")
        if c.lon_e5 is not None and not -18_000_000 <= c.lon_e5 <= 18_000_000:
            col.add(f"coops[{i}].lon_e5", "longitude must lie within ±180 degrees")
    tree = NetworkTree.build(p.networks, coop_ids, col)
    grades = _check_products(col, p)
    _check_lots(col, p.lots, coop_ids, grades, p)
    _check_orders(col, p.orders, coop_ids, grades, p)
    _check_processors(col, p.processors, coop_ids, grades)
    _check_transport(col, p, coop_ids)
    col.require(1 <= p.time_limit_ms <= 3_600_000, "time_limit_ms", "must be 1 … 3,600,000")
    col.require(1 <= p.fairness_steps <= 100, "fairness_steps", "must be 1 … 100")
    col.require(1 <= p.max_lanes_per_order <= 100_000, "max_lanes_per_order", "must be 1 … 100,000")
    col.require(
        0 <= p.shadow_max_lanes <= 100_000_000, "shadow_max_lanes", "must be 0 … 100,000,000"
    )
    col.raise_if_any()
    return tree


def _unique(col: IssueCollector, prefix: str, ids: Sequence[str]) -> set[str]:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if not ident:
            col.add(f"{prefix}[{i}].id", "id must not be empty")
        elif ident in seen:
            col.add(f"{prefix}[{i}].id", f"duplicate id {ident!r}")
        seen.add(ident)
    return seen


def _int_in(col: IssueCollector, field: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        col.add(field, "must be an integer")
    elif not low <= value <= high:
        col.add(field, f"must be between {low:,} and {high:,} (got {value:,})")


def _check_products(col: IssueCollector, p: ProduceProblem) -> dict[str, set[str]]:
    _unique(col, "products", [x.id for x in p.products])
    grades: dict[str, set[str]] = {}
    for i, prod in enumerate(p.products):
        where = f"products[{i}]"
        col.require(prod.base_unit in UNITS, f"{where}.base_unit", f"must be one of {UNITS}")
        _int_in(col, f"{where}.shelf_life_days", prod.shelf_life_days, 1, 3650)
        col.require(bool(prod.grades), f"{where}.grades", "at least one grade is needed")
        if len(set(prod.grades)) != len(prod.grades):
            col.add(f"{where}.grades", "grades must be unique")
        grades.setdefault(prod.id, set(prod.grades))
    return grades


def _known_grade(
    col: IssueCollector, where: str, grades: dict[str, set[str]], product: str, grade: str
) -> None:
    if product not in grades:
        col.add(f"{where}.product", f"unknown product {product!r}")
    elif grade not in grades[product]:
        col.add(f"{where}.grade", f"unknown grade {grade!r} of product {product!r}")


def _check_lots(
    col: IssueCollector,
    lots: Iterable[StockLot],
    coops: set[str],
    grades: dict[str, set[str]],
    p: ProduceProblem,
) -> None:
    lots = list(lots)
    _unique(col, "lots", [x.id for x in lots])
    for i, lot in enumerate(lots):
        w = f"lots[{i}]"
        col.require(lot.seller in coops, f"{w}.seller", f"unknown coop {lot.seller!r}")
        _known_grade(col, w, grades, lot.product, lot.grade)
        _int_in(col, f"{w}.quantity", lot.quantity, 1, MAX_UNITS)
        _int_in(col, f"{w}.reserve_satang_per_unit", lot.reserve_satang_per_unit, 0, MAX_PRICE)
        _int_in(
            col, f"{w}.spoilage_satang_per_unit_day", lot.spoilage_satang_per_unit_day, 0, MAX_PRICE
        )
        if lot.expiry_date < lot.ready_date:
            col.add(f"{w}.expiry_date", "expiry date is before the ready date")


def _check_orders(
    col: IssueCollector,
    orders: Iterable[PurchaseOrder],
    coops: set[str],
    grades: dict[str, set[str]],
    p: ProduceProblem,
) -> None:
    orders = list(orders)
    _unique(col, "orders", [x.id for x in orders])
    for i, o in enumerate(orders):
        w = f"orders[{i}]"
        col.require(o.buyer in coops, f"{w}.buyer", f"unknown coop {o.buyer!r}")
        if o.product not in grades:
            col.add(f"{w}.product", f"unknown product {o.product!r}")
        col.require(bool(o.bids), f"{w}.bids", "at least one acceptable grade is needed")
        seen: set[str] = set()
        for j, bid in enumerate(o.bids):
            if o.product in grades and bid.grade not in grades[o.product]:
                col.add(f"{w}.bids[{j}].grade", f"unknown grade {bid.grade!r} of {o.product!r}")
            if bid.grade in seen:
                col.add(f"{w}.bids[{j}].grade", f"grade {bid.grade!r} listed twice")
            seen.add(bid.grade)
            _int_in(
                col,
                f"{w}.bids[{j}].max_price_satang_per_unit",
                bid.max_price_satang_per_unit,
                1,
                MAX_PRICE,
            )
        _int_in(col, f"{w}.quantity", o.quantity, 1, MAX_UNITS)
        _int_in(col, f"{w}.min_lot_units", o.min_lot_units, 0, max(o.quantity, 0))
        if o.deliver_by < p.round_date:
            col.add(f"{w}.deliver_by", f"deliver-by date is before the round date {p.round_date}")


def _check_processors(
    col: IssueCollector,
    procs: Sequence[Processor],
    coops: set[str],
    grades: dict[str, set[str]],
) -> None:
    _unique(col, "processors", [x.id for x in procs])
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for i, pr in enumerate(procs):
        w = f"processors[{i}]"
        col.require(pr.coop in coops, f"{w}.coop", f"unknown coop {pr.coop!r}")
        for side in ("in", "out"):
            prod, grade = getattr(pr, f"{side}_product"), getattr(pr, f"{side}_grade")
            if prod not in grades:
                col.add(f"{w}.{side}_product", f"unknown product {prod!r}")
            elif grade not in grades[prod]:
                col.add(f"{w}.{side}_grade", f"unknown grade {grade!r} of product {prod!r}")
        _int_in(col, f"{w}.capacity_units", pr.capacity_units, 1, MAX_UNITS)
        _int_in(col, f"{w}.cost_satang_per_unit", pr.cost_satang_per_unit, 0, MAX_PRICE)
        y = pr.yield_bps
        if isinstance(y, bool) or not isinstance(y, int) or not 1 <= y <= MAX_YIELD_BPS:
            col.add(f"{w}.yield_bps", YIELD_MESSAGE)
        key_in = (pr.in_product, pr.in_grade)
        edges.setdefault(key_in, set()).add((pr.out_product, pr.out_grade))
    cycle = _find_cycle(edges)
    if cycle is not None:
        idx = next(i for i, pr in enumerate(procs) if (pr.in_product, pr.in_grade) == cycle)
        col.add(
            f"processors[{idx}].out_product",
            f"supply chain has a cycle through processing of {cycle[0]}/{cycle[1]}",
        )


def _find_cycle(edges: dict[tuple[str, str], set[tuple[str, str]]]) -> tuple[str, str] | None:
    """A (product, grade) on a cycle of processing stages, or None (iterative DFS)."""
    state: dict[tuple[str, str], int] = {}
    for start in sorted(edges):
        if start in state:
            continue
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return nxt
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))
    return None


def _check_transport(col: IssueCollector, p: ProduceProblem, coops: set[str]) -> None:
    t = p.transport
    _int_in(col, "transport.cost_satang_per_unit_km", t.cost_satang_per_unit_km, 0, MAX_PRICE)
    _int_in(col, "transport.road_factor_bps", t.road_factor_bps, 10_000, 30_000)
    _int_in(col, "transport.max_distance_m", t.max_distance_m, 1, MAX_DISTANCE_M)
    _int_in(col, "transport.km_per_day", t.km_per_day, 1, 10_000)
    _int_in(col, "transport.truck_cost_satang", t.truck_cost_satang, 0, 10**12)
    _int_in(col, "transport.truck_capacity_units", t.truck_capacity_units, 0, MAX_UNITS)
    if t.truck_cost_satang > 0 and t.truck_capacity_units == 0:
        col.add("transport.truck_capacity_units", "a truck cost needs a truck capacity")
    _check_product_transport(col, p)
    seen: set[tuple[str, str]] = set()
    for i, lane in enumerate(t.lanes):
        w = f"transport.lanes[{i}]"
        col.require(lane.origin in coops, f"{w}.origin", f"unknown coop {lane.origin!r}")
        col.require(
            lane.destination in coops, f"{w}.destination", f"unknown coop {lane.destination!r}"
        )
        _int_in(col, f"{w}.distance_m", lane.distance_m, 0, MAX_DISTANCE_M)
        key = (lane.origin, lane.destination)
        col.require(key not in seen, w, f"lane {key[0]} → {key[1]} listed twice")
        seen.add(key)
    if col.issues:
        return
    if t.lanes:
        _check_matrix(col, p, seen)
    else:
        _check_coordinates(col, p)


def _check_product_transport(col: IssueCollector, p: ProduceProblem) -> None:
    """Each product's own transport terms: in range, a known product listed once, and the
    same truck terms on both sides of a processor (its flow is one truck model)."""
    known = {x.id for x in p.products}
    listed: set[str] = set()
    for i, x in enumerate(p.transport.products):
        w = f"transport.products[{i}]"
        col.require(x.product in known, f"{w}.product", f"unknown product {x.product!r}")
        col.require(x.product not in listed, f"{w}.product", f"{x.product!r} listed twice")
        listed.add(x.product)
        _int_in(col, f"{w}.cost_satang_per_unit_km", x.cost_satang_per_unit_km, 0, MAX_PRICE)
        _int_in(col, f"{w}.road_factor_bps", x.road_factor_bps, 10_000, 30_000)
        _int_in(col, f"{w}.max_distance_m", x.max_distance_m, 1, MAX_DISTANCE_M)
        _int_in(col, f"{w}.truck_cost_satang", x.truck_cost_satang, 0, 10**12)
        _int_in(col, f"{w}.truck_capacity_units", x.truck_capacity_units, 0, MAX_UNITS)
        if x.truck_cost_satang > 0 and x.truck_capacity_units == 0:
            col.add(f"{w}.truck_capacity_units", "a truck cost needs a truck capacity")
    for i in truck_conflicts(p.transport, p.processors):
        pr = p.processors[i]
        col.add(
            f"processors[{i}]",
            f"{pr.in_product!r} and {pr.out_product!r} need the same truck terms "
            "(one truck model carries a processor's input and output)",
        )


def truck_conflicts(t: Transport, processors: Sequence[Processor]) -> list[int]:
    """Positions of the processors whose input and output products travel on different
    truck terms (capacity, cost per truck): one truck model carries a processor's flow."""
    out = []
    for i, pr in enumerate(processors):
        a, b = t.of(pr.in_product), t.of(pr.out_product)
        if (a.truck_capacity_units, a.truck_cost_satang) != (
            b.truck_capacity_units,
            b.truck_cost_satang,
        ):
            out.append(i)
    return out


def trading_pairs(p: ProduceProblem) -> set[tuple[str, str]]:
    """(seller coop, buyer coop) pairs that could trade some product/grade (not self)."""
    sellers: dict[tuple[str, str], set[str]] = {}
    for lot in p.lots:
        sellers.setdefault((lot.product, lot.grade), set()).add(lot.seller)
    for pr in p.processors:
        sellers.setdefault((pr.out_product, pr.out_grade), set()).add(pr.coop)
    pairs: set[tuple[str, str]] = set()
    wants: list[tuple[str, str, str]] = [
        (o.buyer, o.product, b.grade) for o in p.orders for b in o.bids
    ]
    wants += [(pr.coop, pr.in_product, pr.in_grade) for pr in p.processors]
    for buyer, prod, grade in wants:
        for seller in sellers.get((prod, grade), ()):
            if seller != buyer:
                pairs.add((seller, buyer))
    return pairs


def _check_matrix(col: IssueCollector, p: ProduceProblem, lanes: set[tuple[str, str]]) -> None:
    for seller, buyer in sorted(trading_pairs(p) - lanes)[:20]:
        col.add("transport.lanes", f"distance matrix is missing the lane {seller} → {buyer}")


def _check_coordinates(col: IssueCollector, p: ProduceProblem) -> None:
    used = {lot.seller for lot in p.lots} | {o.buyer for o in p.orders}
    used |= {pr.coop for pr in p.processors}
    for i, c in enumerate(p.coops):
        if c.id in used and (c.lat_e5 is None or c.lon_e5 is None):
            col.add(f"coops[{i}].lat_e5", "coordinates are needed when no distance matrix is given")
