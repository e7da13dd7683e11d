"""A round's snapshot: the subtree's open orders as the matcher problem, with what the
persist step must re-check (order versions, the round key, proposals a new version voids).

The daily round is the combined round (:func:`matcher.round.combined.solve_round`): besides
the liquidity offers and needs it reads the open obligations between the subtree's coops
(loan instalments already promoted included) and the open stock lots and purchase orders.
Produce orders of a coop without coordinates are left out with a note (no distance matrix
is stored).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import canonical_json
from api.db.mapping import (
    OpenOrder,
    coop_rules_to_domain,
    coop_to_domain,
    need_to_domain,
    networks_to_domain,
    offer_to_domain,
)
from api.db.tables import OrderRow, ProposalRow
from matcher.domain import CoopKind, NetworkLevel
from matcher.liquidity.checks import MAX_TOTAL_SATANG
from matcher.liquidity.model import CoopRules, JointFund, LiquidityProblem
from matcher.produce.model import YIELD_ONE_BPS, Processor, ProductTransport
from matcher.results import FairnessPolicy, RateRule
from matcher.round.model import RoundProblem

FUND_KIND = CoopKind.JOINT_FUND.value
"""``coop.kind`` of a joint fund's account (:mod:`api.services.round.fund`)."""
KIND = "daily"
"""Round kind of the combined daily round (set-off, loans, produce) in the round key."""


@dataclass(frozen=True)
class RoundParams:
    """Solver parameters recorded with the round."""

    policy: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    time_limit_ms: int = 10_000
    fairness_steps: int = 20
    proposal_ttl_hours: int = 24
    transport_satang_per_unit_km: int = 1
    """Produce transport cost (satang per base unit per km, great-circle × road factor)."""
    sale_credit_days: int = 30
    credit_buyers: tuple[str, ...] = ()
    """Coops that buy on credit: their purchases become obligations when committed."""
    price_rule: str = "split"
    """Produce sale price: ``split`` of the gap or ``clearing`` (uniform, from the duals)."""
    road_factor_bps: int = 13_000
    reach_m: int = 300_000
    truck_capacity_units: int = 0
    """Above 0: an integer number of trucks per lane of this capacity."""
    truck_cost_satang: int = 0
    proposal_ttl_business_days: int = 0
    """Above 0: proposals expire at the end (Bangkok) of this business day after the
    round's date; 0: ``proposal_ttl_hours`` after the round ran."""
    posted_rates: tuple[tuple[str, int], ...] = ()
    """(network id, posted rate bps) from the policies of the subtree's networks."""
    overdue_loans: str = "allow"
    """A borrower with an overdue debt: ``allow``, ``refuse`` or ``cap`` new loans."""
    overdue_cap_satang: int = 0
    product_transport: tuple[ProductTransport, ...] = ()
    """Products with their own transport terms (the others: the fields above)."""
    processors: tuple[Processor, ...] = ()
    """Midstream stages (grading, feed milling, packing) of the subtree's coops."""
    joint_fund: JointFund | None = None
    """The joint fund's terms (account id, network, rate, term; its ``amount_satang`` is 0
    here: the round lends what the account's offer has still free)."""
    policy_network_id: str = ""
    policy_version: int = 0
    """Which stored policy the round took (network and version; "" and 0: defaults)."""

    def as_json(self) -> dict[str, Any]:
        return {k: (v.value if isinstance(v, Enum) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Snapshot:
    """What a round solves: the problem plus what the persist step must re-check."""

    problem: LiquidityProblem
    versions: dict[str, int]
    tier_cascade: list[str]
    prev_round_id: int | None
    prev_version: int
    new_version: bool
    """Asked for a new version; otherwise persisting must find no round with this key."""
    void_ids: list[int]
    freed: dict[str, int]
    input_hash: str
    notes: tuple[str, ...] = ()
    repayments: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Need id → (repayment kind, instalments): proposals quote the schedule's interest."""
    round_problem: RoundProblem | None = None
    """The combined round (set-off, liquidity, produce) the daily round solves."""
    units: dict[str, str] = field(default_factory=dict)
    """Product id → base unit (the unit of a sale proposal)."""

    @property
    def order_count(self) -> int:
        """Orders the round saw: offers, needs, obligations, lots and purchase orders."""
        n = len(self.problem.offers) + len(self.problem.needs)
        rp = self.round_problem
        if rp is None:
            return n
        n += len(rp.obligations)
        return n + (0 if rp.produce is None else len(rp.produce.lots) + len(rp.produce.orders))


def _rows(items: tuple[Any, ...]) -> list[list[Any]]:
    """Dataclass instances → lists of their field values (enums are str/int subclasses)."""
    if not items:
        return []
    names = [f.name for f in fields(items[0])]
    return [[getattr(x, n) for n in names] for x in items]


def problem_hash(problem: LiquidityProblem) -> str:
    """SHA-256 of the canonical JSON of the round's input (every field of every part)."""
    data = {
        "coops": _rows(problem.coops),
        "networks": _rows(problem.networks),
        "offers": _rows(problem.offers),
        "needs": _rows(problem.needs),
        "rules": _rows(problem.rules),
        "joint_fund": _rows((problem.joint_fund,)) if problem.joint_fund else None,
        "params": [
            problem.policy.value,
            problem.rate_rule.value,
            problem.time_limit_ms,
            problem.fairness_steps,
            problem.max_pairs_per_network,
        ],
    }
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def _plain(value: Any) -> Any:
    """Dataclasses, tuples and dates → JSON-ready lists and ISO strings (for hashing)."""
    if is_dataclass(value) and not isinstance(value, type):
        return [_plain(getattr(value, f.name)) for f in fields(value)]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def round_hash(liquidity_hash: str, rp: RoundProblem) -> str:
    """SHA-256 of the liquidity part's hash (:func:`problem_hash`) plus obligations,
    produce orders, credit terms and the coops' locations."""
    produce = rp.produce
    data = {
        "liquidity": liquidity_hash,
        "locations": [[c.id, c.lat_e5, c.lon_e5] for c in rp.coops],
        "obligations": _plain(rp.obligations),
        "credit": _plain(rp.credit),
        "produce": None
        if produce is None
        else [
            *_plain((produce.products, produce.lots, produce.orders)),
            _plain(produce.transport)[:-1],  # its per-product terms apart, below
        ],
        "price_rule": None if produce is None else produce.price_rule.value,
    }
    # Only where present, so the hash of a round without them is as it always was.
    if produce is not None and produce.transport.products:
        data["product_transport"] = _plain(produce.transport.products)
    if produce is not None and produce.processors:
        # A yield of one is left out, so the hash of such a round is as it was before yields.
        data["processors"] = [
            _plain(x)[:-1] if x.yield_bps == YIELD_ONE_BPS else _plain(x)
            for x in produce.processors
        ]
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def overdue_rules(
    rules: tuple[CoopRules, ...], late: set[str], params: RoundParams
) -> tuple[tuple[CoopRules, ...], list[str]]:
    """Rules of borrowers with an overdue debt under the policy: ``refuse`` — they may not
    borrow; ``cap`` — their borrowing limit becomes what they owe now plus the cap. Returns
    the rules and the coops affected."""
    out, hit = [], []
    for r in rules:
        if r.coop_id in late and r.may_borrow:
            hit.append(r.coop_id)
            if params.overdue_loans == "refuse":
                r = replace(r, may_borrow=False)
            else:
                cap = r.outstanding_satang + params.overdue_cap_satang
                limit = r.borrowing_limit_satang
                r = replace(r, borrowing_limit_satang=cap if limit is None else min(limit, cap))
        out.append(r)
    return tuple(out), sorted(hit)


def fit_one_round(
    offers: list[OpenOrder], needs: list[OpenOrder]
) -> tuple[list[OpenOrder], list[OpenOrder], list[str]]:
    """(offers, needs, held-back ids): while the open amounts add up to more than one
    liquidity round takes (:data:`~matcher.liquidity.checks.MAX_TOTAL_SATANG`), hold back
    the largest order (ties: the smaller id), so that one member's huge orders cannot stop
    every other coop's round. Nothing is held back in any real network."""
    total = sum(o.available for o in offers) + sum(o.available for o in needs)
    if total <= MAX_TOTAL_SATANG:
        return offers, needs, []
    out: set[str] = set()
    for o in sorted([*offers, *needs], key=lambda o: (-o.available, o.id)):
        if total <= MAX_TOTAL_SATANG:
            break
        out.add(o.id)
        total -= o.available
    keep = [o for o in offers if o.id not in out], [o for o in needs if o.id not in out]
    return keep[0], keep[1], sorted(out)


def _joint_fund(
    params: RoundParams,
    net_ids: list[str],
    offers: list[OpenOrder],
    coops: list[Any],
    members: dict[str, list[str]],
) -> tuple[JointFund | None, list[OpenOrder], list[Any], dict[str, list[str]]]:
    """The joint fund of the round (its account's free offer, at the policy's terms) and
    the offers, coops and members without fund accounts (a fund is no coop to the engine;
    an account whose network's policy no longer has a fund lends nothing)."""
    accounts = {c.id for c in coops if c.kind == FUND_KIND}
    if not accounts:
        return None, offers, coops, members
    terms = params.joint_fund
    fund = None
    if terms is not None and terms.network_id in net_ids and terms.id in accounts:
        free = sum(o.available for o in offers if o.id == terms.id and o.coop_id == terms.id)
        fund = replace(terms, amount_satang=free) if free > 0 else None
    return (
        fund,
        [o for o in offers if o.coop_id not in accounts],
        [c for c in coops if c.id not in accounts],
        {k: [m for m in v if m not in accounts] for k, v in members.items()},
    )


def load_snapshot(
    session: Session,
    network_id: str,
    business_date: date,
    params: RoundParams,
    new_version: bool,
) -> Snapshot:
    """Read the subtree, its coops and open orders as the matcher problem."""
    nets = repo.subtree(session, network_id)
    net_ids = [n.id for n in nets]
    members = repo.members_of(session, net_ids)
    coops = repo.coops_of(session, net_ids)
    orders = repo.open_liquidity_orders(session, net_ids, business_date)
    startup = repo.startup_need_ids(session)  # only the fund's start-up round lends to them
    orders = [o for o in orders if o.id not in startup]
    engaged = repo.engaged_by_coop(session, net_ids)
    prev = repo.latest_round(session, network_id, KIND, business_date)
    void_ids: list[int] = []
    freed: dict[str, int] = defaultdict(int)
    if prev is not None and new_version:
        for pid, sup, dem, amount in session.execute(
            select(
                col(ProposalRow.id),
                col(ProposalRow.supply_order_id),
                col(ProposalRow.demand_order_id),
                col(ProposalRow.amount),
            )
            .where(
                col(ProposalRow.round_id) == prev.id,
                col(ProposalRow.status) == "pending",
                col(ProposalRow.supply_accepted_at).is_(None),
                col(ProposalRow.demand_accepted_at).is_(None),
            )
            .order_by(col(ProposalRow.id))
        ):
            void_ids.append(int(pid))
            freed[sup] += int(amount)
            freed[dem] += int(amount)
    offers: list[OpenOrder] = []
    needs: list[OpenOrder] = []
    versions: dict[str, int] = {}
    for o in orders:
        avail = o.available + freed.get(o.id, 0)
        versions[o.id] = o.version
        if avail <= 0:
            continue
        if avail != o.available:
            o = OpenOrder(o.id, o.kind, o.coop_id, avail, o.version, o.arrival, o.detail)
        (offers if o.kind == "liquidity_offer" else needs).append(o)
    fund, offers, coops, members = _joint_fund(params, net_ids, offers, coops, members)
    borrowers = {o.coop_id for o in needs}
    held_back = sorted(o.id for o in offers if o.coop_id in borrowers)
    offers = [o for o in offers if o.coop_id not in borrowers]
    offers, needs, too_large = fit_one_round(offers, needs)
    missing = sorted(oid for oid in freed if oid not in versions)
    if missing:
        versions.update(
            session.execute(
                select(col(OrderRow.id), col(OrderRow.version)).where(col(OrderRow.id).in_(missing))
            ).all()
        )
    freed_by_coop: dict[tuple[str, str], int] = defaultdict(int)
    owner = {o.id: (o.coop_id, o.kind) for o in orders}
    for oid, amount in freed.items():
        if oid in owner:
            freed_by_coop[owner[oid]] += amount
    posted = dict(params.posted_rates)
    rules = tuple(
        coop_rules_to_domain(
            c,
            borrowed_satang=engaged.get((c.id, "liquidity_need"), 0)
            - freed_by_coop.get((c.id, "liquidity_need"), 0),
            lent_satang=engaged.get((c.id, "liquidity_offer"), 0)
            - freed_by_coop.get((c.id, "liquidity_offer"), 0),
        )
        for c in coops
    )
    overdue: list[str] = []
    if params.overdue_loans != "allow":
        from api.services.payments import overdue_in  # it builds on the db layer only

        late = {  # a borrower that missed a loan instalment (debts set-off may clear do not count)
            d.debtor
            for d in overdue_in(session, business_date, network_id=network_id)
            if d.source == "instalment"
        }
        rules, overdue = overdue_rules(rules, late, params)
    problem = LiquidityProblem(
        coops=tuple(coop_to_domain(c) for c in coops),
        networks=tuple(
            replace(n, posted_rate_bps=posted.get(n.id, n.posted_rate_bps))
            for n in networks_to_domain(nets, members, network_id)
        ),
        offers=tuple(offer_to_domain(o) for o in offers),
        needs=tuple(need_to_domain(o) for o in needs),
        rules=rules,
        joint_fund=fund,
        policy=params.policy,
        rate_rule=params.rate_rule,
        time_limit_ms=params.time_limit_ms,
        fairness_steps=params.fairness_steps,
    )
    levels = sorted({NetworkLevel(n.level) for n in nets})
    snap = Snapshot(
        problem=problem,
        versions=versions,
        tier_cascade=[lv.name.lower() for lv in levels],
        prev_round_id=None if prev is None else prev.id,
        prev_version=0 if prev is None else prev.version,
        new_version=new_version,
        void_ids=void_ids,
        freed=dict(freed),
        input_hash=problem_hash(problem),
        repayments={
            o.id: (str(o.detail.get("repayment", "bullet")), int(o.detail.get("instalments", 1)))
            for o in needs
        },
        notes=(
            *(
                (
                    "offers held back because their coop also needs funds "
                    f"(ข้อเสนอให้กู้ที่พักไว้เพราะสหกรณ์เดียวกันต้องการเงินกู้): {', '.join(held_back)}",
                )
                if held_back
                else ()
            ),
            *(
                (
                    f"borrowers with an overdue debt, new loans {params.overdue_loans} by policy "
                    f"(ผู้กู้ที่มีหนี้ค้างชำระเกินกำหนด): {', '.join(overdue)}",
                )
                if overdue
                else ()
            ),
            *(
                (
                    "orders held back because the round's amounts would add up to more than one "
                    "round takes, largest first (คำสั่งที่พักไว้เพราะยอดรวมของรอบเกินที่ระบบรับได้): "
                    f"{', '.join(too_large)}",
                )
                if too_large
                else ()
            ),
        ),
    )
    from api.services.snapshot_round import add_round_parts  # it builds on this module

    return add_round_parts(
        session, snap, network_ids=net_ids, coops=coops, business_date=business_date, params=params
    )
