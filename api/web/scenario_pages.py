"""The Scenarios page: pick a scenario file and a few policy knobs, run a small Monte Carlo
(serial, few runs, a short season, so it stays within seconds), and see the chart and the
policies side by side, with the table as Excel or CSV.

Knobs: runs (1–5), season days (3–30), the root seed, the share of the lenders' idle
funds actually offered and the fair-sharing rule (both applied to every policy of the file,
so "what if idle funds drop 30 %" is one number). Bad input names the field and runs
nothing.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.schemas.common import parse_whole
from api.services.scenario_files import SCENARIO_DIR, scenario_files
from api.services.sheets import Column, Kind
from api.services.sim_columns import sim_column, sim_sheet
from api.web import core
from scenarios.sim.loader import Scenario, ScenarioError, load_scenario
from scenarios.sim.metrics import summarise
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days
from scenarios.sim.report import SUMMARY_COLUMNS, Cell, summary_rows

router = APIRouter(prefix="/web/scenarios", include_in_schema=False)
LIMITS = {"runs": (1, 5), "days": (3, 30), "seed": (0, 1_000_000), "idle_pct": (10, 100)}
DEFAULTS = {"runs": 2, "days": 10, "seed": 1, "idle_pct": 100}
FAIRNESS = ("", "maxmin", "proportional", "coverage")


@functools.cache
def scenario_titles() -> dict[str, tuple[str, str]]:
    """Each scenario file's Thai and English name, as the form lists them (the file name
    when a file cannot be read; the files ship with the package and do not change)."""
    titles = {}
    for name in scenario_files():
        try:
            spec = load_scenario(SCENARIO_DIR / name).spec
            titles[name] = (spec.name_th, spec.name_en)
        except ScenarioError:
            titles[name] = (name, name)
    return titles


@dataclass(frozen=True)
class Knobs:
    """A checked scenario request."""

    scenario: str
    runs: int
    days: int
    seed: int
    idle_pct: int
    fairness: str = ""
    """Override every policy's fair-sharing rule; empty keeps what each policy says."""


def parse_knobs(form: dict[str, str]) -> tuple[Knobs | None, list[str]]:
    """The knobs from the form, or the fields that are wrong (each named)."""
    errors: list[str] = []
    name = form.get("scenario", "")
    if name not in scenario_files():
        errors.append(f"scenario: {name!r} is not one of {', '.join(scenario_files())}")
    numbers: dict[str, int] = {}
    for field_name, (low, high) in LIMITS.items():
        raw = form.get(field_name, str(DEFAULTS[field_name])).strip()
        try:
            numbers[field_name] = parse_whole(raw, low, high)
        except ValueError:
            shown = raw if len(raw) <= 24 else raw[:24] + "…"
            errors.append(f"{field_name}: {shown!r} is not a whole number from {low} to {high}")
    fairness = form.get("fairness", "")
    if fairness not in FAIRNESS:
        errors.append(f"fairness: {fairness!r} is not one of {', '.join(FAIRNESS[1:])}")
    if errors:
        return None, errors
    return Knobs(name, **numbers, fairness=fairness), []


def with_knobs(scenario: Scenario, idle_pct: int, fairness: str = "") -> Scenario:
    """Every policy offers only ``idle_pct`` % of what it offered (integer basis points) and,
    when ``fairness`` is given, shares scarce funds by that rule."""
    policies = tuple(
        p.model_copy(
            update={
                "idle_funds_bps": p.idle_funds_bps * idle_pct // 100,
                "fairness": fairness or p.fairness,
            }
        )
        for p in scenario.spec.policies
    )
    return replace(scenario, spec=scenario.spec.model_copy(update={"policies": policies}))


def simulate(knobs: Knobs) -> tuple[Scenario, list[dict[str, Cell]]]:
    """Run the small Monte Carlo and return the policy rows."""
    scenario = load_scenario(SCENARIO_DIR / knobs.scenario)
    scenario = with_knobs(with_days(scenario, knobs.days), knobs.idle_pct, knobs.fairness)
    seasons = run_monte_carlo(scenario, knobs.runs, knobs.seed, Executor.SERIAL)
    return scenario, summary_rows(summarise(seasons))


def chart_uri(title: str, rows: list[dict[str, Cell]]) -> str | None:
    """The summary chart as a PNG data URI (None without matplotlib)."""
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from scenarios.sim.charts import summary_chart

    return "data:image/png;base64," + base64.b64encode(summary_chart(title, rows)).decode()


@router.get("")
def scenarios_form(request: Request) -> Response:
    """The scenario form."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who) or ""
    values = {
        "files": scenario_files(),
        "titles": scenario_titles(),
        "knobs": DEFAULTS,
        "limits": LIMITS,
        "fairness": FAIRNESS,
        **core.page_values(request, who, network),
    }
    return core.render(request, "scenarios.html", values, who=who)


def _header(column: Column, lang: str) -> str:
    """A policy-table header in the page's language; shares are shown in percent points."""
    return column.header(lang) + (" (%)" if column.kind == Kind.PERCENT else "")


def _answer(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    knobs, errors = parse_knobs(form)
    lang = core.lang_of(request)
    columns = [(key, _header(sim_column(key), lang)) for key, _label in SUMMARY_COLUMNS]
    values: dict[str, Any] = {"errors": errors, "columns": columns, "knobs": knobs}
    status = 422 if errors else 200
    if knobs is not None:
        try:
            scenario, rows = simulate(knobs)
        except ScenarioError as exc:
            values["errors"] = [str(i) for i in exc.issues]
            status = 422
        else:
            title = f"{scenario.spec.name_th}\n{scenario.spec.name_en}"
            values.update(scenario=scenario, rows=rows, chart=chart_uri(title, rows))
    return core.fragment(request, "scenario_result.html", values, status, who)


@router.post("/run")
async def run(request: Request) -> Response:
    """Run the Monte Carlo (HTMX fragment); a double post runs it once."""
    posted = await core.posted_form(request)
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(
        request, who, "scenario", token, lambda: _answer(request, who, form), changes=False
    )


@router.get("/export.{fmt}")
def export(request: Request, fmt: str) -> Response:
    """The policy table of the knobs in the query string, as Excel or CSV."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    knobs, errors = parse_knobs(dict(request.query_params))
    if knobs is None or fmt not in ("xlsx", "csv"):
        return Response("; ".join(errors) or "format: xlsx or csv", status_code=422)
    _scenario, rows = simulate(knobs)
    sheet = sim_sheet("policies", [key for key, _label in SUMMARY_COLUMNS], rows)
    name = f"policies-{knobs.scenario.removesuffix('.yaml')}"
    return core.table_download(sheet, request, fmt, name)
