"""Array form of a produce round: supply nodes (lots, processor outputs) and demand nodes
(orders, processor inputs), indexed in canonical id order so input order never matters.

Supply node ``s``: a lot when ``s < n_lots``, else processor ``s − n_lots`` (its output).
Demand node ``d``: an order when ``d < n_orders``, else processor ``d − n_orders`` (its input).

What depends only on the coops, networks and transport terms (coop order, distances, each
coop's network per level) is a :class:`Layout`; a caller that solves many rounds on the same
ones builds it once (:func:`layout_of`) and passes it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.domain import Coop, Network, NetworkLevel, NetworkTree
from matcher.produce.distance import I64, DistanceTable
from matcher.produce.model import Processor, ProduceProblem, PurchaseOrder, StockLot, Transport

FAR_DAY = 10**7
"""Ordinal far in the future: processors never expire and take no deliver-by date."""
PAIR_COOPS = 256
"""Up to this many coops, a layout may hold the distance of every pair of coops."""


@dataclass(frozen=True)
class Layout:
    """The part of a round's arrays that its coops, networks and transport terms fix.

    Its arrays are read-only, as rounds share them.
    """

    coops: tuple[Coop, ...]
    """The coops it was built from (the very tuple: see :meth:`fits`)."""
    networks: tuple[Network, ...]
    transport: Transport
    coop_ids: list[str]
    """Coop ids sorted; coop index ``i`` is ``coop_ids[i]``."""
    coop_index: dict[str, int]
    dist: DistanceTable
    levels: list[NetworkLevel]
    net_ids: list[str]
    coop_net_at: dict[NetworkLevel, I64]
    in_network: frozenset[str]
    """Ids of the coops that belong to some network."""
    pair_m: list[list[int]] | None
    """``pair_m[a][b]``: ``dist.between(a, b)`` for every pair of coop indices, when asked
    for and there are at most :data:`PAIR_COOPS` coops; else None."""

    def fits(self, p: ProduceProblem) -> bool:
        """Whether ``p`` has exactly these coops and networks and equal transport terms."""
        return (
            p.coops is self.coops and p.networks is self.networks and p.transport == self.transport
        )


def layout_of(
    coops: tuple[Coop, ...],
    networks: tuple[Network, ...],
    transport: Transport,
    tree: NetworkTree | None = None,
    *,
    pair_table: bool = False,
) -> Layout:
    """The layout of rounds on these coops, networks and transport terms.

    Args:
        coops: the rounds' coops (valid, as :func:`matcher.produce.checks.check_problem`
            requires).
        networks: their networks.
        transport: the transport terms (road factor and supplied lanes fix the distances).
        tree: the networks' tree, if already built (else built here).
        pair_table: also compute :attr:`Layout.pair_m` (worth it for many small rounds).
    """
    ordered = sorted(coops, key=lambda c: c.id)
    ids = [c.id for c in ordered]
    cidx = {c: i for i, c in enumerate(ids)}
    if tree is None:
        tree = NetworkTree.build(networks, ids)
    lat = np.array([c.lat_e5 or 0 for c in ordered], dtype=np.int64)
    lon = np.array([c.lon_e5 or 0 for c in ordered], dtype=np.int64)
    dist = DistanceTable(cidx, lat, lon, transport.road_factor_bps, transport.lanes)
    levels, net_ids, net_at = _components(tree, ids)
    pair_m = None
    if pair_table and len(ids) <= PAIR_COOPS:
        a, b = np.divmod(np.arange(len(ids) ** 2, dtype=np.int64), max(1, len(ids)))
        pair_m = dist.between(a, b).reshape(len(ids), len(ids)).tolist()
    for col in net_at.values():
        col.flags.writeable = False
    member = np.zeros(len(ids), dtype=bool)
    for col in net_at.values():
        member |= col >= 0
    inside = frozenset(c for c, m in zip(ids, member.tolist(), strict=True) if m)
    return Layout(
        coops, networks, transport, ids, cidx, dist, levels, net_ids, net_at, inside, pair_m
    )


@dataclass
class ProduceState:
    """Sorted entities, their numeric attributes and what is still open."""

    lots: list[StockLot]
    orders: list[PurchaseOrder]
    procs: list[Processor]
    coop_ids: list[str]
    products: list[str]
    grades: list[list[str]]
    round_day: int
    dist: DistanceTable
    levels: list[NetworkLevel]
    net_ids: list[str]
    coop_net_at: dict[NetworkLevel, I64]
    # supply side (lots then processors)
    s_coop: I64
    s_prod: I64
    s_grade: I64
    s_reserve: I64
    s_spoil: I64
    s_ship_day: I64
    s_expiry: I64
    s_age: I64
    """Dense rank of expiry (older stock first when all else is equal)."""
    # demand side (orders then processors)
    d_coop: I64
    d_prod: I64
    d_bid: I64
    """(demand, grade) highest price; −1 where the grade is not accepted."""
    d_due: I64
    lot_rem: I64
    order_rem: I64
    proc_rem: I64
    proc_cost: I64
    order_min: I64
    proc_yield: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    """Output units per 10,000 input units of each processor."""
    lot_qty: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    """Offered quantity of each lot (``lot_rem`` is what is still open)."""
    order_qty: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    stage_lot: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    stage_order: I64 = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_lots(self) -> int:
        return len(self.lots)

    @property
    def n_orders(self) -> int:
        return len(self.orders)

    @property
    def n_procs(self) -> int:
        return len(self.procs)


def build_state(
    p: ProduceProblem, tree: NetworkTree | None, layout: Layout | None = None
) -> ProduceState:
    """Sort the round's entities by id and lay them out as arrays.

    Args:
        p: a valid round.
        tree: its network tree (built here when None and no layout is given).
        layout: the layout of its coops, networks and transport (:func:`layout_of`), which
            must fit ``p``; built here when None.
    """
    if layout is None:
        layout = layout_of(p.coops, p.networks, p.transport, tree)
    cidx = layout.coop_index
    prods = sorted(p.products, key=lambda x: x.id)
    pidx = {x.id: i for i, x in enumerate(prods)}
    gidx = [{g: j for j, g in enumerate(x.grades)} for x in prods]
    n_grades = max((len(x.grades) for x in prods), default=1)
    lots = sorted(p.lots, key=lambda x: x.id)
    orders = sorted(p.orders, key=lambda x: x.id)
    procs = sorted(p.processors, key=lambda x: x.id)
    day0 = p.round_date.toordinal()

    def arr(values: list[int]) -> I64:
        return np.array(values, dtype=np.int64)

    s_prod = arr([pidx[x.product] for x in lots] + [pidx[x.out_product] for x in procs])
    s_grade = arr(
        [gidx[pidx[x.product]][x.grade] for x in lots]
        + [gidx[pidx[x.out_product]][x.out_grade] for x in procs]
    )
    expiry = arr([x.expiry_date.toordinal() for x in lots] + [FAR_DAY] * len(procs))
    bid = np.full((len(orders) + len(procs), n_grades), -1, dtype=np.int64)
    for i, o in enumerate(orders):
        for b in o.bids:
            bid[i, gidx[pidx[o.product]][b.grade]] = b.max_price_satang_per_unit
    for j, pr in enumerate(procs):
        bid[len(orders) + j, gidx[pidx[pr.in_product]][pr.in_grade]] = 0
    return ProduceState(
        lots=lots,
        orders=orders,
        procs=procs,
        coop_ids=layout.coop_ids,
        products=[x.id for x in prods],
        grades=[list(x.grades) for x in prods],
        round_day=day0,
        dist=layout.dist,
        levels=layout.levels,
        net_ids=layout.net_ids,
        coop_net_at=layout.coop_net_at,
        s_coop=arr([cidx[x.seller] for x in lots] + [cidx[x.coop] for x in procs]),
        s_prod=s_prod,
        s_grade=s_grade,
        s_reserve=arr([x.reserve_satang_per_unit for x in lots] + [0] * len(procs)),
        s_spoil=arr([x.spoilage_satang_per_unit_day for x in lots] + [0] * len(procs)),
        s_ship_day=arr([max(day0, x.ready_date.toordinal()) for x in lots] + [day0] * len(procs)),
        s_expiry=expiry,
        s_age=np.unique(expiry, return_inverse=True)[1].astype(np.int64),
        d_coop=arr([cidx[x.buyer] for x in orders] + [cidx[x.coop] for x in procs]),
        d_prod=arr([pidx[x.product] for x in orders] + [pidx[x.in_product] for x in procs]),
        d_bid=bid,
        d_due=arr([x.deliver_by.toordinal() for x in orders] + [FAR_DAY] * len(procs)),
        lot_rem=arr([x.quantity for x in lots]),
        order_rem=arr([x.quantity for x in orders]),
        lot_qty=arr([x.quantity for x in lots]),
        order_qty=arr([x.quantity for x in orders]),
        proc_rem=arr([x.capacity_units for x in procs]),
        proc_cost=arr([x.cost_satang_per_unit for x in procs]),
        proc_yield=arr([x.yield_bps for x in procs]),
        order_min=arr([x.min_lot_units for x in orders]),
        stage_lot=np.zeros(len(lots), np.int64),
        stage_order=np.zeros(len(orders), np.int64),
    )


def _components(
    tree: NetworkTree, coop_ids: list[str]
) -> tuple[list[NetworkLevel], list[str], dict[NetworkLevel, I64]]:
    """Levels to cascade over and, per level, each coop's network index (−1: none).

    Without any network the whole round is one national component named ``"*"``.
    """
    levels = tree.levels()
    if not levels:
        return (
            [NetworkLevel.NATIONAL],
            ["*"],
            {NetworkLevel.NATIONAL: np.zeros(len(coop_ids), dtype=np.int64)},
        )
    net_ids = sorted(tree.networks)
    nidx = {n: i for i, n in enumerate(net_ids)}
    at: dict[NetworkLevel, I64] = {}
    for level in levels:
        col = np.full(len(coop_ids), -1, dtype=np.int64)
        for i, cid in enumerate(coop_ids):
            net = tree.network_at_level(cid, level)
            if net is not None:
                col[i] = nidx[net]
        at[level] = col
    return levels, net_ids, at
