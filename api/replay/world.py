"""Load a scenario into the database: networks, coops, the product, the policy, keys.

:func:`check_world` refuses, before anything is written, a scenario the database cannot take
(an id or name longer than its column, a coop whose network is unknown, money past the API's
limits, a grade the API refuses, networks or coops already in the database), naming the file,
the path in it and the field. :func:`load_world` then writes, in one transaction, the
network tree with one coordinator per network, the coops of the scenario's active view (the
coops that collect, buy or lend; coordinates from their district), the season's product and
every network's policy taken from the scenario's funding policy; then one API key per coop
and coordinator (argon2 with small costs: a replay database is a test database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.tables import CoopRow, NetworkRow
from api.db.tx import in_write_transaction, read_session
from api.http.keys import issue_key
from api.http.order_schemas import GRADE_PATTERN, MAX_ORDER_SATANG
from api.replay.behaviour import check_behaviours
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.produce_orders import upsert_products
from api.services.round.policy import set_policy
from matcher.domain import NetworkLevel
from matcher.errors import IssueCollector
from matcher.produce.checks import MAX_PRICE
from scenarios.sim.loader import Scenario, ScenarioError
from scenarios.sim.schema import PolicySpec
from scenarios.sim.setup import active_view, season_setup

KEY_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Small argon2 costs for the replay's keys (verification reads the costs from the hash)."""
ACTOR = "season-replay"
_GRADE = re.compile(GRADE_PATTERN)
_ID_MAX, _NAME_MAX = 64, 300


@dataclass(frozen=True)
class World:
    """What the replay loaded: the scenario's active view, its policy and the keys."""

    scenario: Scenario
    policy: PolicySpec
    tiers: tuple[tuple[str, ...], ...]
    """Networks in round order: the most local level first, then each parent level."""
    coordinator: dict[str, str]
    """Network id → its coordinator's principal."""
    tokens: dict[str, str]
    """Coop id or coordinator principal → API token."""


def coordinator_of(network_id: str) -> str:
    """The principal of a network's coordinator in the replay."""
    return f"office-{network_id}"[:_ID_MAX]


def check_world(engine: Engine | None, scenario: Scenario, source: str) -> None:
    """Refuse a scenario the database cannot take, before anything is written.

    Raises:
        ScenarioError: naming ``source`` and the path of every bad field.
    """
    spec, col_ = scenario.spec, IssueCollector()
    nets = {n.id for n in spec.networks}
    for i, n in enumerate(spec.networks):
        col_.require(len(n.name_th) <= _NAME_MAX, f"networks[{i}].name_th", "longer than 300")
        col_.require(len(n.name_en) <= _NAME_MAX, f"networks[{i}].name_en", "longer than 300")
    for i, g in enumerate(spec.groups):
        where = f"groups[{i}]"
        col_.require(
            g.network in nets,
            f"{where}.network",
            f"สหกรณ์ไม่อยู่ในเครือข่ายใด / coop in no network: unknown network {g.network!r}",
        )
        col_.require(
            len(f"{g.id}-{g.count:02d}") <= _ID_MAX, f"{where}.id", "coop ids would pass 64"
        )
        col_.require(
            len(g.name_th) + 40 <= _NAME_MAX, f"{where}.name_th", "coop names would pass 300"
        )
        for name in ("cash_baht", "idle_funds_baht", "borrowing_limit_baht"):
            value = getattr(g, name)
            col_.require(
                value is None or 0 <= value <= MAX_ORDER_SATANG,
                f"{where}.{name}",
                "ต้องไม่ติดลบและไม่เกินวงเงินสูงสุดของ API / must be 0 to the API's largest amount",
            )
    season = spec.season
    col_.require(bool(_GRADE.match(season.grade)), "season.grade", "not a grade the API takes")
    col_.require(
        0 < season.farm_price_baht * 2 <= MAX_PRICE,
        "season.farm_price_baht",
        "สินค้าราคาเกินที่ระบบรับได้ / above the largest unit price the API takes",
    )
    for i, p in enumerate(spec.policies):
        col_.require(
            p.joint_fund_baht <= MAX_ORDER_SATANG,
            f"policies[{i}].joint_fund_baht",
            "above the API's largest amount",
        )
    check_behaviours(scenario, col_)
    if engine is not None and not col_.issues:
        _check_fresh(engine, scenario, col_)
    if col_.issues:
        raise ScenarioError(source, col_.issues)


def _check_fresh(engine: Engine, scenario: Scenario, col_: IssueCollector) -> None:
    """The scenario's networks and coops must not be in the database yet."""
    with read_session(engine) as s:
        nets = set(s.execute(select(col(NetworkRow.id))).scalars())
        coops = set(s.execute(select(col(CoopRow.id))).scalars())
    for i, n in enumerate(scenario.spec.networks):
        col_.require(
            n.id not in nets,
            f"networks[{i}].id",
            f"เครือข่าย {n.id!r} มีในฐานข้อมูลแล้ว ใช้ฐานข้อมูลใหม่ / already in the database: "
            "replay into a fresh database",
        )
    taken = sorted(c.id for c in scenario.coops if c.id in coops)
    col_.require(not taken, "groups", f"coops already in the database: {', '.join(taken[:5])}")


def tiers_of(scenario: Scenario, one_round: bool = False) -> tuple[tuple[str, ...], ...]:
    """Networks whose coordinators run a round, grouped by level, most local first (areas,
    then their parents, …); with ``one_round`` only the root's (one round over the tree, as
    the simulator does).

    A network with no coop in its subtree has nothing to round; nor has a parent whose
    subtree holds exactly the coops of one child (that child's round already matched them,
    and the tiers above it add no coop): both are left out.
    """
    children: dict[str | None, list[str]] = {}
    for n in scenario.networks:
        children.setdefault(n.parent_id, []).append(n.id)
    members = {n.id: set(n.members) for n in scenario.networks}

    def coops(nid: str) -> set[str]:
        out = set(members[nid])
        for c in children.get(nid, []):
            out |= coops(c)
        return out

    root = children[None][0]
    if one_round:
        return ((root,),)
    by_level: dict[int, list[str]] = {}
    for n in scenario.networks:
        under = coops(n.id)
        kids = children.get(n.id, [])
        if not under or any(coops(k) == under for k in kids):
            continue
        by_level.setdefault(int(n.level), []).append(n.id)
    return tuple(tuple(sorted(by_level[k])) for k in sorted(by_level))


def network_policy(policy: PolicySpec) -> dict[str, object]:
    """The stored network policy equal to the simulator's round settings for ``policy``."""
    return {
        "fairness": policy.fairness,
        "rate_rule": policy.rate_rule,
        "transport": {"satang_per_unit_km": policy.transport_satang_per_kg_km},
        "proposal_ttl_business_days": 1,
    }


def load_world(
    engine: Engine, scenario: Scenario, policy: PolicySpec, now: datetime, one_round: bool = False
) -> World:
    """Write the scenario's world (see the module docstring) and issue the keys."""
    view = active_view(scenario)
    setup = season_setup(scenario, policy)
    levels = {n.id: n.level for n in view.networks}
    networks = [
        NetworkSpec(
            n.id,
            n.name_th,
            NetworkLevel(levels[n.id]),
            n.name_en,
            parent_id=n.parent_id,
            coordinator=coordinator_of(n.id),
        )
        for n in view.networks
    ]
    limits = {r.coop_id: r.borrowing_limit_satang for r in setup.rules}
    home = {m: n.id for n in view.networks for m in n.members}
    coops = [
        CoopSpec(
            c.id,
            c.name_th,
            home[c.id],
            c.name_en,
            c.kind,
            c.province_code,
            c.district_code,
            borrowing_limit_satang=limits.get(c.id),
        )
        for c in view.coops
    ]
    where = {c.id: (c.lat_e5, c.lon_e5) for c in view.coops}

    def work(session: Session) -> None:
        upsert_members(session, networks, coops, now, ACTOR)
        for row in session.execute(select(CoopRow)).scalars():
            if row.id in where:
                row.lat_e5, row.lon_e5 = where[row.id]
                session.add(row)
        upsert_products(session, [setup.product])

    in_write_transaction(engine, work)
    stored = network_policy(policy)
    root = setup.root_id
    set_policy(engine, root, stored, actor=coordinator_of(root), clock=lambda: now)
    tokens: dict[str, str] = {}
    for c in view.coops:
        tokens[c.id] = issue_key(
            engine, role="member", coop_id=c.id, hasher=KEY_HASHER, actor=ACTOR, clock=lambda: now
        ).token
    for n in view.networks:
        who = coordinator_of(n.id)
        tokens[who] = issue_key(
            engine,
            role="coordinator",
            principal=who,
            hasher=KEY_HASHER,
            actor=ACTOR,
            clock=lambda: now,
        ).token
    return World(
        scenario=view,
        policy=policy,
        tiers=tiers_of(view, one_round),
        coordinator={n.id: coordinator_of(n.id) for n in view.networks},
        tokens=tokens,
    )
