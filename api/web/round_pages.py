"""Web pages of the daily round: the form, the preview (saves nothing), the run (saves the
round through :func:`api.services.rounds.run_round`), and the round's Excel / CSV files.

Both posts answer with an HTML fragment for HTMX: the result table, the explanations, the
unmatched orders with their reasons, and the picture. Each fragment also carries a fresh
form token (an out-of-band swap), so a later click is a new request while a double click
posts the same token twice and gets the first answer.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db.tables import RoundRow
from api.db.tx import read_session
from api.services.errors import ServiceError
from api.services.export import PROPOSAL_HEADER, round_report, write_csv, write_xlsx
from api.services.rounds import RoundParams, load_snapshot, run_round
from api.web import core, i18n, queries
from api.web.picture import Flow, flow_svg
from matcher.errors import InputError
from matcher.liquidity.model import LiquidityProblem, LiquidityResult

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


def _business_date(form: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(form.get("business_date", ""))
    except ValueError:
        return None


def _params(request: Request) -> RoundParams:
    return RoundParams(proposal_ttl_hours=core.ctx_of(request).settings.proposal_ttl_hours)


def _preview(request: Request, network: str, day: date) -> LiquidityResult:
    """Solve the current open orders without saving anything."""
    from matcher.liquidity.solver import solve_liquidity

    with read_session(core.ctx_of(request).engine) as s:
        snap = load_snapshot(s, network, day, _params(request), True)
    try:
        return solve_liquidity(snap.problem, None)
    except InputError as exc:
        raise ServiceError(
            "the stored orders break a matcher rule", "ข้อมูลคำสั่งในระบบผิดกฎ",
            [str(i) for i in exc.issues],
        ) from exc  # fmt: skip


def _run(request: Request, who: core.Who, network: str, day: date) -> dict[str, Any]:
    """Run and save the round; the solver's result is kept for the explanations."""
    ctx = core.ctx_of(request)
    seen: list[LiquidityResult] = []

    def solve(problem: LiquidityProblem, clock: Any) -> LiquidityResult:
        from matcher.liquidity.solver import solve_liquidity

        seen.append(solve_liquidity(problem, clock))
        return seen[-1]

    out = run_round(
        ctx.engine,
        network_id=network,
        business_date=day,
        actor=who.principal,
        params=_params(request),
        clock=ctx.clock,
        retries=ctx.settings.round_retries,
        solve=solve,
    )
    report = round_report(ctx.engine, out.round_id)
    return {
        "outcome": out,
        "result": seen[-1] if seen else None,
        "report": report,
        "header": PROPOSAL_HEADER,
    }


def result_view(request: Request, result: LiquidityResult, lang: str) -> dict[str, Any]:
    """Rows of the result table, the unmatched orders and the picture."""
    coop_ids = sorted({e.coop_id for e in result.explanations})
    places = queries.coop_places(core.ctx_of(request).engine, coop_ids)
    name = {cid: p[0] for cid, p in places.items()}
    by_order = {e.order_id: e for e in result.explanations}
    rows = []
    for p in result.proposals:
        need = by_order.get(p.need_id)
        reasons = [r for r in (need.reasons if need is not None else ()) if r != "filled"]
        rows.append(
            {
                "lender": name.get(p.lender, p.lender),
                "borrower": name.get(p.borrower, p.borrower),
                "amount": p.amount_satang, "rate_bps": p.rate_bps, "term_days": p.term_days,
                "interest": p.interest_satang, "tier": p.tier,
                "state": need.state.value if need is not None else "",
                "reasons": [i18n.text(r, lang) for r in reasons],
                "detail": need.detail if need is not None else "",
            }
        )  # fmt: skip
    unmatched = [
        {
            "coop": name.get(e.coop_id, e.coop_id), "order_id": e.order_id, "side": e.side,
            "state": e.state.value, "amount": e.amount_satang, "matched": e.matched_satang,
            "reasons": [i18n.text(r, lang) for r in e.reasons], "detail": e.detail,
        }
        for e in result.explanations
        if e.state.value != "filled"
    ]  # fmt: skip
    flows = [Flow(p.lender, p.borrower, p.amount_satang) for p in result.proposals]
    svg = flow_svg(flows, places, i18n.text("picture", lang))
    return {"rows": rows, "unmatched": unmatched, "svg": svg, "result": result}


async def _post(request: Request, action: str) -> Response:
    """Shared by preview and run: session, CSRF token, network, date, then the action once."""
    posted = await core.posted_form(request)
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    network = core.chosen_network(request, who, form)
    if network is None:
        return core.not_found_page(request, who)
    day = _business_date(form)
    return await core.once(
        request, who, action, token, lambda: _answer(request, who, network, day, action)
    )


def _answer(
    request: Request, who: core.Who, network: str, day: date | None, action: str
) -> tuple[str, int]:
    lang = core.lang_of(request)
    values: dict[str, Any] = {"network": network, "action": action, "error": None, "day": day}
    status = 200
    if day is None:
        values["error"] = "business_date: YYYY-MM-DD"
        status = 422
    else:
        try:
            if action == "preview":
                values.update(result_view(request, _preview(request, network, day), lang))
            else:
                ran = _run(request, who, network, day)
                values.update(ran)
                if ran["result"] is not None:
                    values.update(result_view(request, ran["result"], lang))
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
def export(request: Request, round_id: int, fmt: str) -> Response:
    """The saved round as an Excel workbook (summary + proposals) or CSV."""
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
    report = round_report(engine, round_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"round-{round_id}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_csv)(report, path)
        data = path.read_bytes()
    media = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
    }[fmt]
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="round-{round_id}.{fmt}"'},
    )
