"""The stress job: check the request, then clear the ledger after the shock.

The ledger is the network's own (``ledger: database``: its coops and subnetworks' coops and
the debts between them, :func:`api.services.stress_ledger.ledger_from_db` with ``within``)
or a simulated season day of a packaged scenario (``ledger: scenario``, with ``day`` and
``seed``). Shocks as ``coopmatch stress``: ``default`` coops stop paying, each ``group`` (a
network of the subtree, or a scenario group or network) loses ``price_fall_bps`` of its
liquid funds. The result is :func:`scenarios.funding.report.stress_dict` with the title,
and the chart of ``coopmatch stress --out`` (with the network map where coops have places).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from api.services.jobs.checks import ids_in, refuse, whole_in
from api.services.jobs.store import Progress
from api.services.scenario_files import load_named
from api.services.stress_ledger import coop_coordinates, ledger_from_db, subtree_members
from matcher.errors import FieldIssue, InputError
from matcher.stress.model import Claim, Position, StressProblem
from matcher.stress.run import run_stress
from scenarios.funding.report import stress_dict
from scenarios.funding.run import PlanInputError
from scenarios.funding.stress_day import group_members, shocks_for, simulated_ledger

LEDGERS = ("database", "scenario")
DEFAULTS: dict[str, Any] = {
    "ledger": "database",
    "scenario": None,
    "day": 60,
    "seed": 1,
    "default": [],
    "group": [],
    "price_fall_bps": 4_000,
}


def _names(
    engine: Engine, network_id: str, params: dict[str, Any]
) -> tuple[set[str], dict[str, list[str]]]:
    """The coops that may be named and the members of each group that may be named."""
    if params["ledger"] == "database":
        members = subtree_members(engine, network_id)
        return set(members.get(network_id, [])), members
    scenario = load_named(params["scenario"])
    groups = {g: group_members(scenario, g) for g in params["group"]}
    return {c.id for c in scenario.coops}, groups


def check_stress(engine: Engine, network_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The stored request, with defaults filled in (coops and groups checked against the
    network's subtree or the scenario).

    Raises:
        ServiceError: a field is wrong (each one named, Thai and English).
    """
    given = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    issues: list[FieldIssue] = []
    ledger = given["ledger"]
    if ledger not in LEDGERS:
        issues.append(
            FieldIssue(
                "ledger",
                f"ต้องเป็น database หรือ scenario / must be database or scenario (got {ledger!r})",
            )
        )
    scenario = given["scenario"]
    if ledger == "scenario" and not (isinstance(scenario, str) and scenario):
        issues.append(FieldIssue("scenario", "ต้องระบุไฟล์ฉากทัศน์ / name a scenario file"))
    if ledger == "database" and scenario is not None:
        issues.append(
            FieldIssue("scenario", "ใช้กับ ledger: scenario เท่านั้น / only with ledger: scenario")
        )
    day = whole_in(issues, given, "day", 0, 365)
    seed = whole_in(issues, given, "seed", 0, 2**31 - 1)
    fall = whole_in(issues, given, "price_fall_bps", 0, 10_000)
    defaults, groups = ids_in(issues, given, "default"), ids_in(issues, given, "group")
    if any(i.field in ("ledger", "scenario") for i in issues):
        raise refuse(issues)  # the names cannot be checked without the ledger
    params = {
        "ledger": ledger,
        "scenario": scenario if ledger == "scenario" else None,
        "day": day if ledger == "scenario" else None,
        "seed": seed if ledger == "scenario" else None,
        "default": defaults,
        "group": groups,
        "price_fall_bps": fall,
    }
    if ledger == "scenario":
        days = load_named(scenario).spec.season.days
        if day >= days:
            issues.append(
                FieldIssue("day", f"ต้องอยู่ระหว่าง 0 ถึง {days - 1} / must be 0 to {days - 1}")
            )
    known, members = _names(engine, network_id, params)
    try:
        shocks_for(known, members, defaults, groups, 0)  # the price fall is checked above
    except PlanInputError as exc:
        issues += exc.issues
    if issues:
        raise refuse(issues)
    return params


def _ledger(
    engine: Engine, network_id: str, params: dict[str, Any]
) -> tuple[tuple[Position, ...], tuple[Claim, ...], dict[str, tuple[float, float]], list[str]]:
    """Positions, claims, places and the Thai and English title of the request's ledger."""
    if params["ledger"] == "database":
        within = set(subtree_members(engine, network_id).get(network_id, []))
        positions, claims = ledger_from_db(engine, within)
        title = [f"บัญชีในฐานข้อมูล เครือข่าย {network_id}", f"database ledger, network {network_id}"]
        return positions, claims, coop_coordinates(engine, within), title
    scenario = load_named(params["scenario"])
    positions, claims = simulated_ledger(scenario, params["seed"], params["day"])
    coords = {
        c.id: (c.lat_e5 / 1e5, c.lon_e5 / 1e5)
        for c in scenario.coops
        if c.lat_e5 is not None and c.lon_e5 is not None
    }
    day = params["day"]
    title = [f"{scenario.spec.name_th} วันที่ {day}", f"{scenario.spec.name_en}, day {day}"]
    return positions, claims, coords, title


def run_stress_job(
    engine: Engine, network_id: str, params: dict[str, Any], progress: Callable[[Progress], None]
) -> tuple[dict[str, Any], bytes | None]:
    """Clear the ledger after the request's shocks; returns the result and the chart."""
    progress(Progress("ledger", 0, 2))
    positions, claims, coords, title = _ledger(engine, network_id, params)
    progress(Progress("clearing", 1, 2))
    if params["ledger"] == "database":
        members = subtree_members(engine, network_id)
    else:
        scenario = load_named(params["scenario"])
        members = {g: group_members(scenario, g) for g in params["group"]}
    known = {p.coop_id for p in positions}
    try:
        shocks = shocks_for(
            known, members, params["default"], params["group"], params["price_fall_bps"]
        )
        result = run_stress(
            StressProblem(positions, claims, shocks), tuple(s.coop_id for s in shocks)
        )
    except (PlanInputError, InputError) as exc:
        raise refuse(exc.issues) from exc
    out = stress_dict(result, [s.coop_id for s in shocks])
    out["title"] = title
    out["claims"] = len(claims)
    return out, _chart((title[0], title[1]), result, coords)


def _chart(
    title: tuple[str, str], result: Any, coords: dict[str, tuple[float, float]]
) -> bytes | None:
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from scenarios.funding.charts import stress_chart

    return stress_chart(title, result, coords or None)
