"""A coordinator's form that runs one round kind of a network (joint purchase, know-how)
for a business date, from the kind's own page: the date is read (Buddhist-Era years
recognised) and checked against the round-date window, the kind's service runs, and the
answer is an HTMX fragment with the outcome or the error in the page's language. A double
click runs the round once (:func:`api.web.core.once`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.schemas.dates import DateTextError, parse_date_text
from api.services.errors import ServiceError
from api.services.round.calendar import check_round_date
from api.web import core

Runner = Callable[..., Any]
"""The kind's round service: ``(engine, *, network_id, business_date, actor, new_version,
clock)`` → its outcome."""


def _answer(
    request: Request,
    who: core.Who,
    network: str,
    form: dict[str, str],
    run: Runner,
    template: str,
    page_values: Callable[[], dict[str, Any]],
) -> tuple[str, int]:
    ctx = core.ctx_of(request)
    values: dict[str, Any] = {"error": None, "outcome": None, "network": network, "networks": []}
    try:
        day = parse_date_text(form.get("business_date", ""))
        check_round_date(day, ctx.clock(), ctx.settings.round_date_window_days, False)
        values["outcome"] = run(
            ctx.engine,
            network_id=network,
            business_date=day,
            actor=who.principal,
            new_version=form.get("new_version") == "1",
            clock=ctx.clock,
        )
    except DateTextError as exc:
        values["error"] = f"business_date: {exc}"
    except ServiceError as exc:
        lang = core.lang_of(request)
        values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
    values.update(page_values())
    status = 200 if values["error"] is None else 422
    return core.fragment(request, template, values, status, who)


async def run_round_form(
    request: Request,
    action: str,
    run: Runner,
    template: str,
    page_values: Callable[[str], dict[str, Any]],
) -> Response:
    """Run (or show) the network's round of one kind for the posted date.

    ``action`` names the form for the double-click guard; ``page_values(network)`` gives
    the rows the fragment lists after the run."""
    posted = await core.network_form(request)
    if isinstance(posted, Response):
        return posted
    who, network, form, token = posted
    return await core.once(
        request,
        who,
        action,
        token,
        lambda: _answer(request, who, network, form, run, template, lambda: page_values(network)),
    )
