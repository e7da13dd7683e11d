"""``coopmatch import scenario FILE``: a scenario's networks, coops and network policies into
the database, in one transaction.

The scenario is read and checked by the season simulator's loader
(:func:`scenarios.sim.loader.load_scenario`), so the coops are the ones a simulation of the
same file has (ids ``<group>-01`` …, names, districts and coordinates). Its
``network_policies`` section holds each network's round policy — fairness, rate and price
rules, transport per product and trucks, the joint fund, the processors — stored as a new
audited version (:func:`api.services.round.policy.store_policy`) only when it differs from
the stored one, so importing the same file again changes nothing. The season's product is
added when the database has none of that id, with the season's grade and the grades the
processors name.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from api.db.audit import append_event
from api.db.tables import ProductRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import BadFileError
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.produce_orders import upsert_products
from api.services.round.policy import PolicyError, parse_policy, store_policy, stored_version
from matcher.domain import NetworkLevel
from matcher.produce.model import Product
from scenarios.sim.loader import Scenario, ScenarioError, load_scenario


@dataclass(frozen=True)
class ScenarioImport:
    """What an import stored."""

    scenario_id: str
    networks: int
    coops: int
    policies: dict[str, int]
    """Network id → the version of its policy now stored."""
    new_versions: int
    """Policies stored as a new version by this import (0 when the file was imported)."""


def _read(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        lines = [f"{i.field}: {i.message}" for i in exc.issues]
        raise BadFileError(
            f"{path.name}: the scenario is not valid", f"{path.name}: ไฟล์สถานการณ์ไม่ถูกต้อง", lines
        ) from None


def _members(sc: Scenario) -> tuple[list[NetworkSpec], list[CoopSpec]]:
    spec = sc.spec
    nets = [
        NetworkSpec(n.id, n.name_th, NetworkLevel[n.level.upper()], n.name_en, n.parent)
        for n in spec.networks
    ]
    coops = [
        CoopSpec(
            c.id,
            c.name_th,
            grp.network,
            c.name_en,
            c.kind,
            c.province_code,
            c.district_code,
            borrowing_limit_satang=grp.borrowing_limit_baht,
        )
        for c, grp in zip(sc.coops, sc.group_of, strict=True)
    ]
    return nets, coops


def _season_product(session: Session, sc: Scenario) -> None:
    """The season's product, when the database has none of that id."""
    season = sc.spec.season
    if session.get(ProductRow, season.product_id) is not None:
        return
    grades = [season.grade]
    for entry in sc.spec.network_policies:
        for p in entry.policy.get("processors", []) if isinstance(entry.policy, dict) else []:
            for side in ("in", "out"):
                if isinstance(p, dict) and p.get(f"{side}_product") == season.product_id:
                    grade = str(p.get(f"{side}_grade", ""))
                    if grade and grade not in grades:
                        grades.append(grade)
    upsert_products(
        session,
        [
            Product(
                season.product_id,
                season.product_th,
                season.product_en,
                season.unit,
                season.shelf_life_days,
                tuple(grades),
            )
        ],
    )


def import_scenario(
    engine: Engine, path: Path, *, actor: str, clock: UtcClock = system_clock
) -> ScenarioImport:
    """Store the scenario's networks, coops and network policies (one transaction).

    Raises:
        BadFileError: the file is not a valid scenario, or a network policy breaks a rule
            (each line names ``network_policies[i].policy.<field>``); nothing is stored.
    """
    sc = _read(path)
    specs = []
    for i, entry in enumerate(sc.spec.network_policies):
        try:
            specs.append((i, entry.network, parse_policy(entry.policy)))
        except PolicyError as exc:
            raise _policy_error(path, i, exc) from None
    nets, coops = _members(sc)

    def work(session: Session) -> ScenarioImport:
        now = clock()
        upsert_members(session, nets, coops, now, actor)
        _season_product(session, sc)
        session.flush()
        stored, new = {}, 0
        for i, network, spec in specs:
            before = stored_version(session, network)
            try:
                out = store_policy(
                    session, network, spec, actor=actor, now=now, only_if_changed=True
                )
            except PolicyError as exc:
                raise _policy_error(path, i, exc) from None
            new += int(out.version != before)
            stored[network] = out.version
        append_event(
            session, now, actor, "scenario.imported", "scenario", sc.spec.id,
            {"file": path.name, "networks": len(nets), "coops": len(coops), "policies": stored},
        )  # fmt: skip
        return ScenarioImport(sc.spec.id, len(nets), len(coops), stored, new)

    return in_write_transaction(engine, work)


def _policy_error(path: Path, i: int, exc: PolicyError) -> BadFileError:
    return BadFileError(
        f"{path.name}: network_policies[{i}] is not valid",
        f"{path.name}: นโยบายเครือข่ายรายการที่ {i + 1} ไม่ถูกต้อง",
        [f"network_policies[{i}].policy.{line}" for line in exc.lines],
    )


__all__ = ["ScenarioImport", "import_scenario"]
