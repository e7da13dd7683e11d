"""The Today page's data: the coordinator's network tree, each member coop with every kind of
open order (funds offered and needed, stock lots, purchase orders, debts owed), and money
totals per tier. Read only; limited to the chosen network's subtree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine

from api.db import repo
from api.db.tx import read_session
from api.web import i18n
from api.web.queries import coop_name


@dataclass(frozen=True)
class OrderLine:
    """One open order as the page shows it (money in satang, quantities in base units)."""

    id: str
    kind: str
    """liquidity_offer, liquidity_need, stock_lot, purchase_order or obligation."""
    open_satang: int | None = None
    quantity: int | None = None
    unit: str = ""
    rate_bps: int | None = None
    term_days: int | None = None
    what: str = ""
    """Product and grade(s) with prices, or the creditor of a debt."""
    day: date | None = None
    """Valid until, expiry, deliver-by or due date."""


@dataclass
class NetworkNode:
    """One network of the tree with its depth, member coops and their open orders."""

    id: str
    name_th: str
    name_en: str
    level: int
    depth: int
    coops: list[dict[str, Any]] = field(default_factory=list)
    offered_satang: int = 0
    needed_satang: int = 0
    owed_satang: int = 0


def _liquidity(order: Any) -> OrderLine:
    d = order.detail
    if order.kind == "liquidity_offer":
        return OrderLine(order.id, order.kind, order.available, rate_bps=d["min_rate_bps"],
                         term_days=d["max_term_days"])  # fmt: skip
    return OrderLine(order.id, order.kind, order.available, rate_bps=d["max_rate_bps"],
                     term_days=d["term_days"])  # fmt: skip


def _price(satang: int) -> str:
    return f"{satang // 100:,}.{satang % 100:02d}"


def order_lines(
    session: Any, network_ids: list[str], day: date, names: dict[str, str], lang: str = "th"
) -> dict[str, list[OrderLine]]:
    """Coop id → its open orders of every kind with something still open, by kind then id."""
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    for o in repo.open_liquidity_orders(session, network_ids, day):
        if o.available > 0:  # fully reserved orders wait for acceptance, not for a match
            lines[o.coop_id].append(_liquidity(o))
    products = {p.id: p for p in repo.products(session)}
    units = {pid: i18n.unit_name(p.base_unit, lang) for pid, p in products.items()}
    label = {pid: p.name_en if lang == "en" and p.name_en else p.name_th
             for pid, p in products.items()}  # fmt: skip
    lots, purchases = repo.open_produce_orders(session, network_ids, day)
    for lot in lots:
        name = label.get(lot.product, lot.product)
        what = f"{name} {lot.grade} ≥ {_price(lot.reserve_satang_per_unit)}"
        lines[lot.seller].append(OrderLine(lot.id, "stock_lot", quantity=lot.quantity,
                                           unit=units.get(lot.product, ""), what=what,
                                           day=lot.expiry_date))  # fmt: skip
    for po in purchases:
        bids = ", ".join(f"{b.grade} ≤ {_price(b.max_price_satang_per_unit)}" for b in po.bids)
        what = f"{label.get(po.product, po.product)} {bids}"
        line = OrderLine(po.id, "purchase_order", quantity=po.quantity,
                         unit=units.get(po.product, ""), what=what, day=po.deliver_by)  # fmt: skip
        lines[po.buyer].append(line)
    for ob in repo.open_obligation_orders(session, network_ids):
        creditor = names.get(ob.detail["creditor"], ob.detail["creditor"])
        lines[ob.coop_id].append(OrderLine(ob.id, "obligation", ob.available, what=creditor,
                                           day=ob.detail["due_date"]))  # fmt: skip
    order = ("liquidity_offer", "liquidity_need", "stock_lot", "purchase_order", "obligation")
    for items in lines.values():
        items.sort(key=lambda x: (order.index(x.kind), x.id))
    return lines


def network_tree(engine: Engine, network_id: str, day: date, lang: str = "th") -> list[NetworkNode]:
    """The subtree, parents before children, each with its members' open orders (products
    and units named in ``lang``)."""
    with read_session(engine) as s:
        nets = repo.subtree(s, network_id)
        ids = [n.id for n in nets]
        members = repo.members_of(s, ids)
        names = {c.id: coop_name(c, lang) for c in repo.coops_of(s, ids)}
        lines = order_lines(s, ids, day, names, lang)
    parent = {n.id: n.parent_id for n in nets}
    nodes = []
    for n in nets:
        depth, cur = 0, n.id
        while cur != network_id and parent.get(cur) is not None:
            depth, cur = depth + 1, str(parent[cur])
        node = NetworkNode(n.id, n.name_th, n.name_en, n.level, depth)
        for cid in sorted(members.get(n.id, [])):
            mine = lines.get(cid, [])
            node.coops.append({"id": cid, "name": names.get(cid, cid), "orders": mine})
            node.offered_satang += sum(x.open_satang or 0 for x in mine if x.kind.endswith("offer"))
            node.needed_satang += sum(x.open_satang or 0 for x in mine if x.kind.endswith("need"))
            node.owed_satang += sum(x.open_satang or 0 for x in mine if x.kind == "obligation")
        nodes.append(node)
    return _tree_order(nodes, parent, network_id)


def _tree_order(
    nodes: list[NetworkNode], parent: dict[str, str | None], root: str
) -> list[NetworkNode]:
    children: dict[str | None, list[NetworkNode]] = defaultdict(list)
    for n in nodes:
        children[parent[n.id] if n.id != root else None].append(n)
    out: list[NetworkNode] = []
    stack = sorted(children[None], key=lambda n: n.id, reverse=True)
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(sorted(children[node.id], key=lambda n: n.id, reverse=True))
    return out


def tier_totals(nodes: list[NetworkNode]) -> list[tuple[int, int, int, int]]:
    """(level, offered, needed, owed satang) per network level, most local first."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for n in nodes:
        sums[n.level][0] += n.offered_satang
        sums[n.level][1] += n.needed_satang
        sums[n.level][2] += n.owed_satang
    return [(level, v[0], v[1], v[2]) for level, v in sorted(sums.items())]
