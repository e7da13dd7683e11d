"""``coopmatch import scenario FILE``: a scenario's networks, coops and network policies into
the database, in one transaction.

The scenario is read and checked by the season simulator's loader
(:func:`scenarios.sim.loader.load_scenario`), so the coops are the ones a simulation of the
same file has (ids ``<group>-01`` …, names, districts and coordinates); a network's
``coordinator`` is granted the network. Its
``network_policies`` section holds each network's round policy — fairness, rate and price
rules, transport per product and trucks, the joint fund, the processors — stored as a new
audited version (:func:`api.services.round.policy.store_policy`) only when it differs from
the stored one, so importing the same file again changes nothing. The season's product is
added when the database has none of that id, with the season's grade and the grades the
processors name. A ``knowhow`` section's teach and learn postings are stored at each coop's
district point for the know-how round (``coopmatch round run --kind knowhow``), each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import ProductRow
from api.db.tables_knowhow import KnowhowPostingRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import BadFileError
from api.services.knowhow import add_posting
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
    postings: int = 0
    """Know-how postings stored by this import (a coop's posting of the same side and topic
    already stored is kept, so importing the file again adds none)."""


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
        NetworkSpec(
            n.id, n.name_th, NetworkLevel[n.level.upper()], n.name_en, n.parent, n.coordinator
        )
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


def _documents(
    sc: Scenario, path: Path, policy_name: str | None
) -> list[tuple[str, dict[str, Any]]]:
    """(network, policy document) to store: the ``network_policies`` entries and, with
    ``policy_name``, the simulator policy of that name on the root network — its fairness,
    transport rate and joint fund (account ``<root>-fund``) — under the root's own entry,
    whose fields win."""
    docs = [(e.network, dict(e.policy)) for e in sc.spec.network_policies]
    if policy_name is None:
        return docs
    pol = next((p for p in sc.spec.policies if p.name == policy_name), None)
    if pol is None:
        names = ", ".join(p.name for p in sc.spec.policies)
        raise BadFileError(
            f"--policy: {path.name} has no policy {policy_name!r} ({names})",
            f"--policy: ไม่พบนโยบาย {policy_name!r} ในไฟล์ ({names})",
        )
    root = next(n.id for n in sc.spec.networks if n.parent is None)
    base: dict[str, Any] = {
        "fairness": pol.fairness,
        "transport": {"satang_per_unit_km": pol.transport_satang_per_kg_km},
    }
    if pol.joint_fund_baht > 0:
        base["joint_fund"] = {
            "account_id": f"{root}-fund",
            "balance_satang": pol.joint_fund_baht,
            "rate_bps": pol.joint_fund_rate_bps,
        }
    own = next((d for n, d in docs if n == root), None)
    if own is None:
        return [*docs, (root, base)]
    return [(n, base | d if n == root else d) for n, d in docs]


def _knowhow(session: Session, sc: Scenario, now: datetime, actor: str) -> int:
    """The ``knowhow`` section's postings, at each coop's district point; the ones a coop
    already has (same side and topic, whatever their state) are left as they are."""
    kh = sc.spec.knowhow
    if kh is None:
        return 0
    where = {c.id: (c.lat_e5, c.lon_e5) for c in sc.coops}
    have: set[tuple[str, str, str]] = {
        (str(c), str(sd), str(t))
        for c, sd, t in session.execute(
            select(
                col(KnowhowPostingRow.coop_id),
                col(KnowhowPostingRow.side),
                col(KnowhowPostingRow.topic),
            )
        ).all()
    }
    rows = [("teach", t.coop, t.topic, t.capacity, 0) for t in kh.teach]
    rows += [("learn", r.coop, r.topic, 1, r.max_distance_km * 1000) for r in kh.learn]
    added = 0
    for side, coop, topic, capacity, reach in rows:
        if (coop, side, topic) in have:
            continue
        lat, lon = where[coop]
        add_posting(session, side, coop, topic, capacity, reach, lat, lon, actor=actor, now=now)
        have.add((coop, side, topic))
        added += 1
    return added


def import_scenario(
    engine: Engine,
    path: Path,
    *,
    actor: str,
    policy_name: str | None = None,
    clock: UtcClock = system_clock,
) -> ScenarioImport:
    """Store the scenario's networks, coops, network policies and know-how postings (one
    transaction); with ``policy_name``, also that simulator policy's terms on the root
    (:func:`_documents`).

    Raises:
        BadFileError: the file is not a valid scenario, or a network policy breaks a rule
            (each line names ``network_policies[i].policy.<field>``); nothing is stored.
    """
    sc = _read(path)
    specs = []
    own = len(sc.spec.network_policies)
    for i, (network, doc) in enumerate(_documents(sc, path, policy_name)):
        label = f"network_policies[{i}].policy" if i < own else f"policies[{policy_name}]"
        try:
            specs.append((label, network, parse_policy(doc)))
        except PolicyError as exc:
            raise _policy_error(path, label, exc) from None
    nets, coops = _members(sc)

    def work(session: Session) -> ScenarioImport:
        now = clock()
        upsert_members(session, nets, coops, now, actor)
        _season_product(session, sc)
        session.flush()
        stored, new = {}, 0
        for label, network, spec in specs:
            before = stored_version(session, network)
            try:
                out = store_policy(
                    session, network, spec, actor=actor, now=now, only_if_changed=True
                )
            except PolicyError as exc:
                raise _policy_error(path, label, exc) from None
            new += int(out.version != before)
            stored[network] = out.version
        postings = _knowhow(session, sc, now, actor)
        append_event(
            session, now, actor, "scenario.imported", "scenario", sc.spec.id,
            {"file": path.name, "networks": len(nets), "coops": len(coops), "policies": stored,
             "postings": postings},
        )  # fmt: skip
        return ScenarioImport(sc.spec.id, len(nets), len(coops), stored, new, postings)

    return in_write_transaction(engine, work)


def _policy_error(path: Path, label: str, exc: PolicyError) -> BadFileError:
    return BadFileError(
        f"{path.name}: {label} is not valid",
        f"{path.name}: นโยบายเครือข่าย {label} ไม่ถูกต้อง",
        [f"{label}.{line}" for line in exc.lines],
    )


__all__ = ["ScenarioImport", "import_scenario"]
