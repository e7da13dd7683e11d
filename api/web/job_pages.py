"""The funding-plan and stress page: start a background job, watch its progress, read its
result (tables and chart) in Thai or English.

The forms post to the same services as ``/v1`` (:mod:`api.services.jobs`): the request is
checked first (a bad field is named and nothing is stored), the job is stored for the
chosen network and run by the process's runner, and the answer is a job card that polls
itself every second while the job is queued or running. A double click posts the same form
token and gets the first answer (one job). A job is shown only on a network whose subtree
holds it; any other is the uniform 404.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db.tables_jobs import AnalysisJobRow
from api.db.tx import in_write_transaction
from api.schemas.common import parse_whole
from api.services.errors import ServiceError
from api.services.jobs import store
from api.services.jobs.funding import check_funding
from api.services.jobs.stress import check_stress
from api.services.scenario_files import scenario_files
from api.services.stress_ledger import subtree_members
from api.web import core, i18n
from api.web.core import PageRowId
from api.web.scenario_pages import scenario_titles

router = APIRouter(prefix="/web/analysis", include_in_schema=False)
FUNDING_FIELDS = {  # form field → (request field, low, high, scale)
    "target_pct": ("target_bps", 1, 100, 100),
    "runs": ("runs", 1, 1_000, 1),
    "check_runs": ("check_runs", 0, 200, 1),
    "seed": ("seed", 0, 1_000_000, 1),
    "days": ("days", 1, 366, 1),
}
STRESS_FIELDS = {
    "day": ("day", 0, 365, 1),
    "seed": ("seed", 0, 1_000_000, 1),
    "price_fall_pct": ("price_fall_bps", 0, 100, 100),
}
FUNDING_DEFAULTS = {"target_pct": 95, "runs": 50, "check_runs": 20, "seed": 1, "days": ""}
STRESS_DEFAULTS = {"day": 60, "seed": 1, "price_fall_pct": 40}


@router.get("")
def analysis_page(request: Request) -> Response:
    """The two forms and the network's recent jobs."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    engine = core.ctx_of(request).engine
    values = {
        "files": scenario_files(),
        "titles": scenario_titles(),
        "funding": FUNDING_DEFAULTS,
        "stress": STRESS_DEFAULTS,
        "coops": sorted(subtree_members(engine, network).get(network, [])),
        "jobs": store.jobs_of_network(engine, network, None, 10)[:10],
        **core.page_values(request, who, network),
    }
    return core.render(request, "analysis.html", values, who=who)


def _numbers(
    form: dict[str, str],
    fields: dict[str, tuple[str, int, int, int]],
    errors: list[str],
    lang: str,
) -> dict[str, Any]:
    """The form's whole numbers as request fields (blank: left to the default)."""
    out: dict[str, Any] = {}
    for name, (field, low, high, scale) in fields.items():
        raw = form.get(name, "").strip()
        if not raw:
            continue
        try:
            out[field] = parse_whole(raw, low, high) * scale
        except ValueError:
            shown = raw if len(raw) <= 24 else raw[:24] + "…"
            rule = i18n.text("bad_whole_number", lang).format(low=low, high=high)
            errors.append(f"{name}: {shown!r} {rule}")
    return out


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _start(request: Request, who: core.Who, form: dict[str, str], kind: str) -> tuple[str, int]:
    """Check the form, store and submit the job; the job card or the errors."""
    ctx = core.ctx_of(request)
    network = core.chosen_network(request, who, form)
    if network is None:
        return _gone(request, who)
    errors: list[str] = []
    lang = core.lang_of(request)
    try:
        if kind == "funding":
            raw = {
                "scenario": form.get("scenario", ""),
                **_numbers(form, FUNDING_FIELDS, errors, lang),
            }
            params = None if errors else check_funding(raw)
        else:
            raw = {
                "ledger": form.get("ledger", "database"),
                "default": _ids(form.get("default", "")),
                "group": _ids(form.get("group", "")),
                **_numbers(form, STRESS_FIELDS, errors, lang),
            }
            if raw["ledger"] == "scenario":
                raw["scenario"] = form.get("scenario", "")
            else:
                raw.pop("day", None), raw.pop("seed", None)
            params = None if errors else check_stress(ctx.engine, network, raw)
    except ServiceError as exc:
        errors = exc.lines or [str(exc)]
        params = None
    if params is None:
        values = {"errors": errors, "network": network}
        return core.fragment(request, "analysis_job.html", values, 422, who)
    now, runner = ctx.clock(), ctx.jobs.runner_id
    row = in_write_transaction(
        ctx.engine,
        lambda s: store.create_job(s, network, kind, params, who.principal, now, runner),
    )
    ctx.jobs.submit(int(row.id or 0))
    return _card(request, who, row, network)


def _gone(request: Request, who: core.Who) -> tuple[str, int]:
    """The uniform not-found answer of a post (another network's job does not exist)."""
    errors = [i18n.text("not_found_title", core.lang_of(request))]
    return core.fragment(request, "analysis_job.html", {"errors": errors, "network": ""}, 404, who)


def _card(request: Request, who: core.Who, row: AnalysisJobRow, network: str) -> tuple[str, int]:
    values = {"job": job_view(row, core.lang_of(request)), "network": network, "errors": []}
    return core.fragment(request, "analysis_job.html", values, 200, who)


@router.post("/funding")
async def start_funding(request: Request) -> Response:
    """Start a funding plan (HTMX fragment: the job card)."""
    return await _post(request, "funding")


@router.post("/stress")
async def start_stress(request: Request) -> Response:
    """Start a stress run (HTMX fragment: the job card)."""
    return await _post(request, "stress")


async def _post(request: Request, kind: str) -> Response:
    posted = await core.posted_form(request)
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(
        request, who, f"job-{kind}", token, lambda: _start(request, who, form, kind)
    )


def _job_of(
    request: Request, who: core.Who, job_id: int, form: dict[str, str] | None = None
) -> tuple[AnalysisJobRow, str] | None:
    """The job and the network it is shown on, when that network's subtree holds it."""
    network = core.chosen_network(request, who, form)
    if network is None:
        return None
    ctx = core.ctx_of(request)
    row = store.job_of_network(ctx.engine, network, job_id)
    if row is not None and not ctx.jobs.fresh(row) and ctx.jobs.sweep(job_id):
        row = store.job_of_network(ctx.engine, network, job_id)
    return None if row is None else (row, network)


@router.get("/jobs/{job_id}")
def job_card(request: Request, job_id: PageRowId) -> Response:
    """A job's card: the page when opened, the fragment when HTMX polls it."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    found = _job_of(request, who, job_id)
    if found is None:
        return core.not_found_page(request, who)
    row, network = found
    values = {"job": job_view(row, core.lang_of(request)), "errors": []}
    if request.headers.get("hx-request"):
        return core.render(request, "analysis_job.html", {**values, "network": network}, who=who)
    page = {**values, **core.page_values(request, who, network)}
    return core.render(request, "analysis_one.html", page, who=who)


@router.get("/jobs/{job_id}/chart.png")
def job_chart(request: Request, job_id: PageRowId) -> Response:
    """The chart of a finished job."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    found = _job_of(request, who, job_id)
    if found is None or found[0].status != store.DONE or not found[0].chart_png:
        return core.not_found_page(request, who)
    return Response(found[0].chart_png, media_type="image/png")


@router.post("/jobs/{job_id}/retry")
async def retry(request: Request, job_id: PageRowId) -> Response:
    """Run a failed job again (HTMX fragment: the job card)."""
    posted = await core.posted_form(request)
    if isinstance(posted, Response):
        return posted
    who, form, token = posted

    def make() -> tuple[str, int]:
        found = _job_of(request, who, job_id, form)
        if found is None:
            return _gone(request, who)
        row, network = found
        ctx = core.ctx_of(request)
        try:
            fresh = in_write_transaction(
                ctx.engine,
                lambda s: store.retry(s, row, who.principal, ctx.clock(), ctx.jobs.runner_id),
            )
        except ServiceError as exc:
            values = {"errors": [str(exc)], "network": network}
            return core.fragment(request, "analysis_job.html", values, 409, who)
        ctx.jobs.submit(job_id)
        return _card(request, who, fresh, network)

    return await core.once(request, who, f"job-retry-{job_id}", token, make)


def job_view(row: AnalysisJobRow, lang: str) -> dict[str, Any]:
    """What the job card shows: state, progress and (when done) the result's tables."""
    th = lang == "th"
    params = json.loads(row.params_json)
    view: dict[str, Any] = {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "live": row.status in store.LIVE,
        "phase": row.phase,
        "done": row.done_count,
        "total": row.total_count,
        "params": params,
        "has_chart": row.status == store.DONE and bool(row.chart_png),
        "error": None,
    }
    if row.error_json:
        err = json.loads(row.error_json)
        view["error"] = err["message_th"] if th else err["message_en"]
    if row.status == store.DONE and row.result_json:
        result = json.loads(row.result_json)
        view.update(funding_view(result, th) if row.kind == "funding" else stress_view(result, th))
    return view


def _name(pair: list[str] | None, fallback: str, th: bool) -> str:
    return fallback if not pair else (pair[0] if th else pair[1] or pair[0])


def _pct(bps: int) -> str:
    return f"{bps / 100:.1f} %"


def funding_view(result: dict[str, Any], th: bool) -> dict[str, Any]:
    """The plan's sizes and its comparison with the simple rules, as table rows."""
    names = result.get("names", {})
    nets, srcs = names.get("networks", {}), names.get("sources", {})
    values = {v["source"]: v for v in result["sources"]}
    sizes: list[tuple[str, str | None, int, str]] = []
    for net, amount in sorted(result["fund_satang"].items()):
        sizes.append((_name(nets.get(net), net, th), None, amount, ""))
        for line in (x for x in result["lines_satang"] if x["network"] == net):
            v = values.get(line["source"], {})
            dual = v.get("limit_dual_per_baht", 0.0) * 1000
            reduced = v.get("reduced_cost_per_baht", {}).get(net, 0.0) * 1000
            sizes.append(
                (
                    _name(nets.get(net), net, th),
                    _name(srcs.get(line["source"]), line["source"], th),
                    line["amount_satang"],
                    f"{dual:.2f} · {reduced:.2f}",
                )
            )
    buffer = sum(result["fund_satang"].values()) + sum(
        x["amount_satang"] for x in result["lines_satang"]
    )
    oos = result["service_out_of_sample_bps"]
    rows = [
        (
            "plan",
            buffer,
            result["cost_satang"],
            ", ".join(_pct(v) for _, v in sorted(result["service_in_sample_bps"].items())),
            ", ".join(_pct(v) for _, v in sorted(oos.items())) or "-",
        )
    ]
    for r in result["rules"]:
        service = ", ".join(_pct(v) for _, v in sorted(r["service_in_sample_bps"].items()))
        rows.append((r["rule"], sum(r["fund_satang"].values()), r["cost_satang"], service, "-"))
    title = _name(names.get("scenario"), result["scenario"], th)
    return {"title": title, "sizes": sizes, "rules": rows, "target_bps": result["target_bps"]}


def stress_view(result: dict[str, Any], th: bool, top: int = 20) -> dict[str, Any]:
    """The losses (largest first) and the summary of a stress run."""
    coops = sorted(result["coops"], key=lambda c: (-c["loss_satang"], c["coop"]))[:top]
    title = result.get("title") or ["", ""]
    return {
        "title": title[0] if th else title[1],
        "coops": coops,
        "shocked": result["shocked"],
        "rounds": result["rounds"],
        "debtrank": f"{result['debtrank']:.4f}",
        "broken": result["reserve_broken"],
    }
