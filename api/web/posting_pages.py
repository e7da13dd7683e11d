"""The member's know-how postings and start-up capital need on the web, and the
coordinator's list of them.

* ``/web/member/knowhow/new?side=teach|learn`` — what the coop can teach (a topic of the
  maintained list, learners per season) or wants to learn (a topic, how far it travels);
  :func:`api.services.knowhow.post_teach` / :func:`~api.services.knowhow.post_learn`.
* ``/web/member/startup/new`` — long-term start-up capital the coop asks of its network's
  joint fund for a business it starts, checked against the fund's network policy
  (:func:`api.services.startup_capital.post_startup_need`).
* ``/web/knowhow?network=`` — a coordinator's view of the postings and start-up needs of the
  coops of a network it sees (any other network is the uniform 404), the network's know-how
  proposals with their status, and the form that runs (or shows) the network's know-how
  round for a business date (``POST /web/knowhow/run``, HTMX fragment, once per form token;
  :func:`api.services.knowhow_round.run_knowhow_round`).

A member posts for its own coop only: the coop is the session's, never a form field. Every
post carries the page's form token (CSRF token and idempotency key: a double click posts
once). A refused form comes back with what the person typed and each error beside its
field, in Thai or English (:mod:`api.web.posting_form`). The proposals that follow are
answered on the know-how page (two-phase) and, for start-up loans, on the member's proposal
page like every loan.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.businesses import business_name
from api.services.errors import ServiceError
from api.services.knowhow import knowhow_of_network, post_learn, post_teach
from api.services.knowhow_round import run_knowhow_round
from api.services.order_ids import new_order_id
from api.services.orders import NeedSpec
from api.services.posting_reads import (
    knowhow_postings_of_network,
    startup_businesses,
    startup_needs_of_network,
)
from api.services.startup_capital import post_startup_need
from api.web import core, i18n, knowhow_pages, order_pages, posting_form, round_form
from matcher.knowhow.topics import TOPICS

router = APIRouter(prefix="/web/member", include_in_schema=False)
network_router = APIRouter(prefix="/web/knowhow", include_in_schema=False)


def _form_values(
    request: Request, who: core.Who, kind: str, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    lang = core.lang_of(request)
    side = 0 if lang == "th" else 1
    businesses = (
        startup_businesses(core.ctx_of(request).engine, str(who.coop_id))
        if kind == "startup"
        else ()
    )
    return {
        "kind": kind, "fields": posting_form.FIELDS[kind], "form": form, "errors": errors,
        "error_lines": posting_form.error_lines(errors, lang),
        "label": lambda name: posting_form.label(name, lang),
        "topics": [(code, names[side]) for code, names in TOPICS.items()],
        "businesses": [(code, business_name(code, lang)) for code in businesses],
        "network": None, "networks": [],
        "action": "/web/member/startup/new" if kind == "startup" else "/web/member/knowhow/new",
    }  # fmt: skip


def _form_page(request: Request, kind: str) -> Response:
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    if kind not in posting_form.FIELDS:
        return core.not_found_page(request, who)
    return core.render(request, "posting_form.html", _form_values(request, who, kind, {}, {}),
                       who=who)  # fmt: skip


@router.get("/knowhow/new")
def new_knowhow(request: Request) -> Response:
    """The form of a teach offer or a learn request (``?side=``, teach by default)."""
    side = request.query_params.get("side", "teach")
    return _form_page(request, side if side in posting_form.SIDES else "")


@router.get("/startup/new")
def new_startup(request: Request) -> Response:
    """The form of a start-up capital need."""
    return _form_page(request, "startup")


def _refused(
    request: Request, who: core.Who, kind: str, form: dict[str, str], errors: dict[str, str]
) -> tuple[str, int]:
    values = _form_values(request, who, kind, form, errors)
    return core.fragment(request, "posting_form.html", values, 422, who)


def _post_knowhow(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    lang, kind = core.lang_of(request), form.get("side", "")
    if kind not in posting_form.SIDES:
        return _refused(request, who, "teach", form, {"": i18n.text("bad_kind", lang)})
    body, errors = posting_form.check(kind, form, lang)
    if body is None:
        return _refused(request, who, kind, form, errors)
    ctx, coop = core.ctx_of(request), str(who.coop_id)
    try:
        if kind == "teach":
            post_teach(ctx.engine, coop, body.topic, body.capacity, actor=who.principal,
                       clock=ctx.clock)  # fmt: skip
        else:
            post_learn(ctx.engine, coop, body.topic, max_distance_m=body.max_distance_m,
                       actor=who.principal, clock=ctx.clock)  # fmt: skip
    except ServiceError as exc:
        fallback = exc.message_th if lang == "th" and exc.message_th else exc.message_en
        errors = posting_form.service_errors(kind, list(exc.lines), fallback, lang)
        return _refused(request, who, kind, form, errors)
    values = knowhow_pages.page_values(request, who, "knowhow_posted")
    return core.fragment(request, "knowhow.html", values, 200, who)


@router.post("/knowhow/new")
async def post_knowhow(request: Request) -> Response:
    """Post the teach offer or learn request (a double click posts it once)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(request, who, "knowhow-post", token,
                           lambda: _post_knowhow(request, who, form))  # fmt: skip


def _post_startup(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    lang = core.lang_of(request)
    body, errors = posting_form.check("startup", form, lang)
    if body is None:
        return _refused(request, who, "startup", form, errors)
    ctx, coop = core.ctx_of(request), str(who.coop_id)
    need = NeedSpec(
        new_order_id("sun"), coop, body.amount, body.max_rate_bps, body.term_days,
        0, body.urgency, body.repayment, body.instalments,
    )  # fmt: skip
    try:
        post_startup_need(ctx.engine, need, body.business, actor=who.principal, clock=ctx.clock)
    except ServiceError as exc:
        fallback = exc.message_th if lang == "th" and exc.message_th else exc.message_en
        errors = posting_form.service_errors("startup", list(exc.lines), fallback, lang)
        return _refused(request, who, "startup", form, errors)
    values = order_pages.list_values(request, who, "startup_posted")
    return core.fragment(request, "member_orders.html", values, 200, who)


@router.post("/startup/new")
async def post_startup(request: Request) -> Response:
    """Post the start-up capital need (a double click posts it once)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(request, who, "startup-post", token,
                           lambda: _post_startup(request, who, form))  # fmt: skip


def _proposal_values(request: Request, network: str) -> dict[str, Any]:
    engine = core.ctx_of(request).engine
    side = 0 if core.lang_of(request) == "th" else 1
    return {
        "proposals": [
            {"k": v, "km": f"{v.distance_m / 1000:.1f}"}
            for v in knowhow_of_network(engine, network)
        ],
        "topic_name": lambda code: TOPICS.get(code, (code, code))[side],
    }


@network_router.get("")
def network_page(request: Request) -> Response:
    """The postings, know-how proposals and start-up capital needs of the network's coops,
    and the form that runs the network's know-how round."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    engine = core.ctx_of(request).engine
    values = {
        **core.page_values(request, who, network),
        **_proposal_values(request, network),
        "postings": knowhow_postings_of_network(engine, network),
        "needs": startup_needs_of_network(engine, network),
        "business_name": lambda code: business_name(code, core.lang_of(request)),
        "day": core.ctx_of(request).clock().date(),
    }
    return core.render(request, "knowhow_network.html", values, who=who)


@network_router.post("/run")
async def run(request: Request) -> Response:
    """Run (or show) the network's know-how round for the date (HTMX fragment)."""
    return await round_form.run_round_form(
        request,
        "knowhow-run",
        run_knowhow_round,
        "knowhow_result.html",
        lambda network: _proposal_values(request, network),
    )
