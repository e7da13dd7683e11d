"""Web pages of the daily round: the form, the preview (saves nothing), the run (saves the
round through :func:`api.services.round.service.run_round`), and the round's Excel / CSV files.

Both posts answer with an HTML fragment for HTMX: the result table, the explanations, the
unmatched orders with their reasons, and the picture. Each fragment also carries a fresh
form token (an out-of-band swap), so a later click is a new request while a double click
posts the same token twice and gets the first answer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db.audit_anchor import anchor_round
from api.db.tables import RoundRow
from api.db.tx import read_session
from api.schemas.dates import DateTextError, parse_date_text
from api.services.errors import ServiceError
from api.services.export import RoundReport, part_csv, report_sheets, report_xlsx, round_report
from api.services.round.calendar import RoundDateError, check_round_date
from api.services.round.service import RoundParams, Snapshot, run_round
from api.services.round.service import preview as preview_round
from api.services.sheets import shown
from api.web import core, queries
from api.web.round_view import result_view
from matcher.round.model import RoundResult

router = APIRouter(prefix="/web/round", include_in_schema=False)


@router.get("")
def round_form(request: Request) -> Response:
    """The round form: business date, Preview and Run."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    day = core.ctx_of(request).clock().date()
    values = {"day": day, **core.page_values(request, who, network)}
    return core.render(request, "round.html", values, who=who)


def _business_date(form: dict[str, str]) -> date | str:
    """The form's date, or the bilingual reason it is not one (a Buddhist-Era year shows
    the Gregorian date meant)."""
    try:
        return parse_date_text(form.get("business_date", ""))
    except DateTextError as exc:
        return f"business_date: {exc}"


def _params(request: Request) -> RoundParams:
    return RoundParams(proposal_ttl_hours=core.ctx_of(request).settings.proposal_ttl_hours)


def solve_snapshot(
    request: Request, network: str, day: date, new_version: bool = True
) -> tuple[Snapshot, RoundResult]:
    """The round's preview (:func:`api.services.round.service.preview`): nothing is saved.
    ``new_version`` is kept for the callers' signature: a preview is always a new version."""
    ctx = core.ctx_of(request)
    seen = preview_round(ctx.engine, network_id=network, business_date=day, params=_params(request))
    return seen.snapshot, seen.result


def _run(
    request: Request, who: core.Who, network: str, day: date, new_version: bool = False
) -> dict[str, Any]:
    """Run and save the combined round; the explanations are those of the result the run
    saved (returned by the service, solved once). A round that already existed shows only
    its saved tables. ``new_version`` re-runs a saved round (its un-accepted proposals are
    voided)."""
    ctx = core.ctx_of(request)
    out = run_round(
        ctx.engine,
        network_id=network,
        business_date=day,
        actor=who.principal,
        params=_params(request),
        clock=ctx.clock,
        retries=ctx.settings.round_retries,
        new_version=new_version,
    )
    if not out.reused:
        anchor_round(ctx.settings, ctx.engine, ctx.clock())
    report = round_report(ctx.engine, out.round_id, clock=ctx.clock)
    return {
        "outcome": out,
        "solved": out.solved,
        "report": report,
        "tables": saved_tables(report, core.lang_of(request)),
    }


def saved_tables(report: RoundReport, lang: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """The saved round's loans, sales and set-offs as the page shows them: headers in the
    page's language, baht with separators, statuses in words, Bangkok times."""
    tables = []
    for part, sheet in report_sheets(report).items():
        if part == "summary" or (part != "loans" and not sheet.rows):
            continue
        header = [c.header(lang) for c in sheet.columns]
        rows = [[shown(v, c, lang) for v, c in zip(row, sheet.columns, strict=True)]
                for row in sheet.rows]  # fmt: skip
        tables.append((part, header, rows))
    return tables


async def _post(request: Request, action: str) -> Response:
    """Shared by preview and run: session, CSRF token, network, date, then the action once."""
    posted = await core.network_form(request)
    if isinstance(posted, Response):
        return posted
    who, network, form, token = posted
    day = _business_date(form)
    again = form.get("new_version") == "1"
    force = form.get("force") == "1"
    return await core.once(
        request,
        who,
        action,
        token,
        lambda: _answer(request, who, network, day, action, again, force),
        changes=action == "run",  # a preview saves nothing
    )


def _answer(
    request: Request,
    who: core.Who,
    network: str,
    day: date | str,
    action: str,
    new_version: bool = False,
    force: bool = False,
) -> tuple[str, int]:
    lang = core.lang_of(request)
    values: dict[str, Any] = {"network": network, "action": action, "error": None, "day": day}
    status = 200
    if isinstance(day, str):
        values["error"], values["day"] = day, None
        status = 422
    else:
        try:
            ctx = core.ctx_of(request)
            engine = ctx.engine
            if action == "run":
                check_round_date(day, ctx.clock(), ctx.settings.round_date_window_days, force)
            if action == "preview":
                solved = solve_snapshot(request, network, day, True)[1]
                values.update(result_view(engine, solved, lang))
            else:
                ran = _run(request, who, network, day, new_version)
                values.update(ran)
                if ran["solved"] is not None:
                    values.update(result_view(engine, ran["solved"], lang))
        except RoundDateError as exc:
            values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
            status = 422
        except ServiceError as exc:
            values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
            status = 409
    return core.fragment(request, "round_result.html", values, status, who)


@router.post("/preview")
async def preview(request: Request) -> Response:
    """Solve without saving (HTMX fragment)."""
    return await _post(request, "preview")


@router.post("/run")
async def run(request: Request) -> Response:
    """Run and save the round (HTMX fragment)."""
    return await _post(request, "run")


@router.get("/{round_id}/export.{fmt}")
def export(request: Request, round_id: core.PageRowId, fmt: str) -> Response:
    """The saved round as an Excel workbook (summary, loans, sales, set-offs) or as CSV
    (``?part=loans|sales|setoffs``, UTF-8 with BOM)."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    engine = core.ctx_of(request).engine
    with read_session(engine) as s:
        rnd = s.get(RoundRow, round_id)
    if (
        rnd is None
        or fmt not in ("xlsx", "csv")
        or not queries.may_see(engine, who.principal, rnd.network_id)
    ):
        return core.not_found_page(request, who)
    report = round_report(engine, round_id, clock=core.ctx_of(request).clock)
    part = request.query_params.get("part", "loans")
    lang = core.lang_of(request)
    if fmt == "csv":
        name = f"round-{round_id}" + ("" if part == "loans" else f"-{part}")
        return core.download(part_csv(report, part, lang=lang), f"{name}.csv")
    data = report_xlsx(report, lang=lang, buddhist=core.buddhist_dates(request))
    return core.download(data, f"round-{round_id}.xlsx")
