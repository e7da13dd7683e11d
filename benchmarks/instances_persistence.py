"""Seeded national instances for the persistence benchmark (loading and persisting a round).

A national tree (regions → provinces → areas), coops that either lend or borrow, 60,000
liquidity orders, and synthetic loan proposals paired greedily inside each area: the
benchmark measures the database, not the solver. :func:`national_every_kind` adds, in
every area, stock lots, purchase orders and a circle of debts, so that a round has every
order kind to snapshot and explain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from api.db.tables import CoopRow, CoordinatorRow, MembershipRow, NetworkRow
from api.db.tx import in_write_transaction
from api.services.orders import (
    NeedSpec,
    ObligationSpec,
    OfferSpec,
    insert_obligations,
    insert_orders,
)
from api.services.produce_orders import (
    LotSpec,
    PurchaseSpec,
    insert_produce_orders,
    upsert_products,
)
from benchmarks.registry import family
from matcher.domain import NetworkLevel
from matcher.liquidity.model import LoanProposal
from matcher.money import midpoint_rate_bps, simple_interest_satang
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
COORDINATOR = "national-office"
ROOT = "TH"


@dataclass(frozen=True)
class NationalInstance:
    """Rows to load plus the proposals a round would persist."""

    networks: list[dict[str, Any]]
    coops: list[dict[str, Any]]
    memberships: list[dict[str, Any]]
    offers: list[OfferSpec]
    needs: list[NeedSpec]
    proposals: list[LoanProposal]
    lots: list[LotSpec] = field(default_factory=list)
    purchases: list[PurchaseSpec] = field(default_factory=list)
    debts: list[ObligationSpec] = field(default_factory=list)

    @property
    def order_count(self) -> int:
        return (
            len(self.offers)
            + len(self.needs)
            + len(self.lots)
            + len(self.purchases)
            + len(self.debts)
        )


def build_national(
    seed: int,
    *,
    regions: int = 4,
    provinces: int = 19,
    areas: int = 4,
    coops: int = 40,
    orders_per_coop: int = 5,
) -> NationalInstance:
    """A seeded national instance: ``regions*provinces*areas*coops*orders_per_coop`` orders."""
    rng = random.Random(seed)
    nets: list[dict[str, Any]] = [_net(ROOT, NetworkLevel.NATIONAL, None)]
    rows: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    offers: list[OfferSpec] = []
    needs: list[NeedSpec] = []
    proposals: list[LoanProposal] = []
    for r in range(regions):
        rid = f"TH-R{r}"
        nets.append(_net(rid, NetworkLevel.REGION, ROOT))
        for p in range(provinces):
            pid = f"{rid}-P{p:02d}"
            nets.append(_net(pid, NetworkLevel.PROVINCE, rid))
            for a in range(areas):
                aid = f"{pid}-A{a}"
                nets.append(_net(aid, NetworkLevel.AREA, pid))
                area_offers: list[OfferSpec] = []
                area_needs: list[NeedSpec] = []
                for c in range(coops):
                    cid = f"{aid}-C{c:03d}"
                    rows.append(_coop(cid))
                    members.append({"coop_id": cid, "network_id": aid, "since": T0})
                    for k in range(orders_per_coop):
                        amount = rng.randrange(50_000, 5_000_000) * 100
                        if c % 2 == 0:
                            area_offers.append(
                                OfferSpec(f"{cid}-O{k}", cid, amount, rng.randrange(250, 450), 365)
                            )
                        else:
                            area_needs.append(
                                NeedSpec(
                                    f"{cid}-N{k}",
                                    cid,
                                    amount,
                                    rng.randrange(500, 800),
                                    rng.randrange(30, 180),
                                    urgency=rng.randrange(1, 6),
                                )
                            )
                proposals.extend(_pair(area_offers, area_needs, aid))
                offers.extend(area_offers)
                needs.extend(area_needs)
    return NationalInstance(nets, rows, members, offers, needs, proposals)


def _net(nid: str, level: NetworkLevel, parent: str | None) -> dict[str, Any]:
    return {
        "id": nid,
        "name_th": f"เครือข่าย {nid}",
        "name_en": nid,
        "level": int(level),
        "parent_id": parent,
        "posted_rate_bps": None,
        "created_at": T0,
    }


def _coop(cid: str) -> dict[str, Any]:
    return {
        "id": cid,
        "name_th": f"สหกรณ์ {cid}",
        "name_en": cid,
        "kind": "agricultural",
        "province_code": "",
        "district_code": "",
        "may_lend": True,
        "may_borrow": True,
        "outstanding_satang": 0,
        "reserve_satang": 0,
        "created_at": T0,
    }


def _pair(offers: list[OfferSpec], needs: list[NeedSpec], area: str) -> list[LoanProposal]:
    """Greedy pairing inside one area (a stand-in for the solver's answer)."""
    out: list[LoanProposal] = []
    left = [o.amount_satang for o in offers]
    i = 0
    for n in needs:
        want = n.amount_satang
        while want > 0 and i < len(offers):
            take = min(want, left[i])
            if take > 0:
                o = offers[i]
                rate = midpoint_rate_bps(o.min_rate_bps, n.max_rate_bps)
                out.append(
                    LoanProposal(
                        o.id,
                        n.id,
                        o.coop_id,
                        n.coop_id,
                        take,
                        rate,
                        n.term_days,
                        "area",
                        area,
                        simple_interest_satang(take, rate, n.term_days),
                    )
                )
                left[i] -= take
                want -= take
            if left[i] == 0:
                i += 1
    return out


def load_instance(engine: Engine, inst: NationalInstance) -> None:
    """Bulk-load the instance into a migrated, empty database."""

    def work(session: Any) -> None:
        session.execute(insert(NetworkRow), inst.networks)
        session.execute(insert(CoordinatorRow), [{"network_id": ROOT, "principal": COORDINATOR}])
        session.execute(insert(CoopRow), inst.coops)
        session.execute(insert(MembershipRow), inst.memberships)
        insert_orders(session, inst.offers, inst.needs, T0)
        if inst.lots or inst.purchases:
            upsert_products(session, [LONGAN])
            insert_produce_orders(session, inst.lots, inst.purchases, T0)
        insert_obligations(session, inst.debts, T0)

    in_write_transaction(engine, work)


LONGAN = Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A", "B"))
DAY = date(2026, 11, 21)


def with_every_kind(inst: NationalInstance, seed: int, per_area: int = 4) -> NationalInstance:
    """``inst`` plus, in every area, ``per_area`` stock lots and purchase orders of longan
    and a circle of ``2 * per_area`` debts due on the day between the area's coops."""
    rng = random.Random(seed)
    by_area: dict[str, list[str]] = {}
    for m in inst.memberships:
        by_area.setdefault(m["network_id"], []).append(m["coop_id"])
    lots: list[LotSpec] = []
    buys: list[PurchaseSpec] = []
    debts: list[ObligationSpec] = []
    for area, coops in sorted(by_area.items()):
        for k in range(per_area):
            seller, buyer = coops[(2 * k) % len(coops)], coops[(2 * k + 1) % len(coops)]
            qty = rng.randrange(200, 2_000)
            lots.append(
                LotSpec(
                    StockLot(
                        f"{area}-L{k}",
                        seller,
                        "longan",
                        "AA",
                        qty,
                        rng.randrange(1_500, 2_000),
                        DAY,
                        DAY + timedelta(4),
                    )
                )
            )
            buys.append(
                PurchaseSpec(
                    PurchaseOrder(
                        f"{area}-P{k}",
                        buyer,
                        "longan",
                        (GradeBid("AA", rng.randrange(2_500, 3_200)),),
                        rng.randrange(200, 2_000),
                        DAY + timedelta(3),
                    )
                )
            )
        ring = coops[: 2 * per_area]
        for i, debtor in enumerate(ring):
            creditor = ring[(i + 1) % len(ring)]
            amount = rng.randrange(10_000, 500_000) * 100
            debts.append(ObligationSpec(f"{area}-D{i}", debtor, creditor, amount, DAY))
    # produce needs places: every coop somewhere in Thailand (lat 6–20 °N, lon 98–105 °E)
    coops = [
        {
            **c,
            "lat_e5": rng.randrange(600_000, 2_000_000),
            "lon_e5": rng.randrange(9_800_000, 10_500_000),
        }
        for c in inst.coops
    ]
    return replace(inst, coops=coops, lots=lots, purchases=buys, debts=debts)  # fmt: skip


@family("persistence", "national-60k", seed=20261121, target_ms=5_000)
def national_60k(seed: int) -> NationalInstance:
    """4 regions × 19 provinces × 4 areas × 40 coops × 5 orders = 60,800 orders."""
    return build_national(seed)


@family("persistence", "national-every-kind", seed=20261121, target_ms=5_000)
def national_every_kind(seed: int) -> NationalInstance:
    """:func:`national_60k` plus 4 lots, 4 purchase orders and 8 debts in each of its 304
    areas (65,664 orders of five kinds)."""
    return with_every_kind(build_national(seed), seed)


def smoke_instance(seed: int = 7) -> NationalInstance:
    """A small stand-in built by the same generator (CI smoke runs)."""
    return build_national(seed, regions=1, provinces=2, areas=2, coops=6, orders_per_coop=3)
