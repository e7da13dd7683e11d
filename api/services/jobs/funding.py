"""The funding-plan job: check the request, then plan on a packaged scenario.

The request names a scenario file, the service target (basis points of season days), the
sampled seasons, the root seed, the fresh seasons of the out-of-sample check, an optional
shorter season, and optionally the sources and the scenario's networks to plan. The run is
:func:`scenarios.funding.run.plan_funding`, exactly as ``coopmatch plan funding``; the
result is :func:`scenarios.funding.report.funding_dict` (money in satang, no timings: the
same request gives the same bytes) with the sources' and networks' names, and the chart
of ``plan funding --out``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from api.services.jobs.checks import ids_in, refuse, whole_in
from api.services.jobs.store import Progress
from api.services.scenario_files import load_named
from matcher.errors import FieldIssue, InputError
from scenarios.funding.report import funding_dict
from scenarios.funding.run import PlanInputError, build_sources, check_request, plan_funding
from scenarios.funding.sampling import SampleCache
from scenarios.sim.loader import Scenario
from scenarios.sim.montecarlo import Executor, with_days

MAX_RUNS = 1_000
MAX_CHECK_RUNS = 200
MAX_SEED = 2**31 - 1
DEFAULTS: dict[str, Any] = {
    "target_bps": 9_500,
    "runs": 200,
    "seed": 1,
    "check_runs": None,
    "days": None,
    "sources": [],
    "networks": [],
}


def check_funding(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored request, with defaults filled in.

    Raises:
        ServiceError: a field is wrong (each one named, Thai and English).
    """
    given = {**DEFAULTS, **{k: v for k, v in raw.items() if v is not None}}
    issues: list[FieldIssue] = []
    name = given.get("scenario")
    if not isinstance(name, str) or not name:
        issues.append(FieldIssue("scenario", "ต้องระบุไฟล์ฉากทัศน์ / name a scenario file"))
    target = whole_in(issues, given, "target_bps", 1, 10_000)
    runs = whole_in(issues, given, "runs", 1, MAX_RUNS)
    seed = whole_in(issues, given, "seed", 0, MAX_SEED)
    check_runs = min(runs, MAX_CHECK_RUNS)
    if given["check_runs"] is not None:
        check_runs = whole_in(issues, given, "check_runs", 0, MAX_CHECK_RUNS)
    days = None if given["days"] is None else whole_in(issues, given, "days", 1, 366)
    sources, networks = ids_in(issues, given, "sources"), ids_in(issues, given, "networks")
    if issues:
        raise refuse(issues)
    scenario = load_named(str(name))
    season_days = scenario.spec.season.days
    if days is not None and days > season_days:
        issues.append(
            FieldIssue("days", f"ฤดูนี้มี {season_days} วัน / the season has {season_days} days")
        )
    try:
        check_request(scenario, target, sources, networks)
    except PlanInputError as exc:
        issues += [_renamed(i) for i in exc.issues]
    if issues:
        raise refuse(issues)
    return {
        "scenario": name,
        "target_bps": target,
        "runs": runs,
        "seed": seed,
        "check_runs": check_runs,
        "days": days,
        "sources": sources,
        "networks": networks,
    }


def _renamed(issue: FieldIssue) -> FieldIssue:
    """The plan's field names (``source[0]``) as the request's (``sources[0]``)."""
    for short, long in (
        ("source[", "sources["),
        ("network[", "networks["),
        ("target", "target_bps"),
    ):
        if issue.field.startswith(short):
            return FieldIssue(long + issue.field[len(short) :], issue.message)
    return issue


def scenario_of(params: dict[str, Any]) -> Scenario:
    """The request's scenario, with the shorter season when one is asked for."""
    scenario = load_named(params["scenario"])
    return scenario if params["days"] is None else with_days(scenario, params["days"])


def run_funding(
    params: dict[str, Any],
    sample_workers: int,
    progress: Callable[[Progress], None],
    cache: SampleCache | None = None,
) -> tuple[dict[str, Any], bytes | None]:
    """Plan on the checked request; returns the result and the chart (None without
    matplotlib). ``sample_workers`` > 1 samples on a process pool of that size; ``cache``
    keeps the samples for the next plan on the same scenario, runs and seed."""
    scenario = scenario_of(params)
    executor = Executor.PROCESS if sample_workers > 1 else Executor.SERIAL
    try:
        report = plan_funding(
            scenario,
            params["target_bps"],
            params["runs"],
            params["seed"],
            check_runs=params["check_runs"],
            sources=params["sources"],
            networks=params["networks"],
            executor=executor,
            workers=sample_workers,
            progress=lambda phase, done, total: progress(Progress(phase, done, total)),
            cache=cache,
        )
    except (PlanInputError, InputError) as exc:
        raise refuse(exc.issues) from exc
    result = funding_dict(report)
    result["days"] = scenario.spec.season.days
    result["names"] = {
        "scenario": [scenario.spec.name_th, scenario.spec.name_en],
        "sources": {s.id: [s.name_th, s.name_en] for s in build_sources(scenario, [])},
        "networks": {n.id: [n.name_th, n.name_en] for n in scenario.networks},
    }
    return result, _chart(report)


def _chart(report: Any) -> bytes | None:
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from scenarios.funding.charts import funding_chart

    return funding_chart(report)
