"""The member's know-how page (การจับคู่ความรู้): the placements its coop is the learner or
the mentor of, with Accept / Decline, and what the coop posted to teach or to learn (the
forms are in :mod:`api.web.posting_pages`), each open posting with a Withdraw button behind
a confirmation page (:func:`api.services.knowhow.withdraw_posting`: its pending proposals
are voided).

A member sees only its own coop's proposals; any other id is a 404 like one that does not
exist. The buttons post through HTMX with the per-render form token and call the same
services as ``/v1`` (:mod:`api.services.knowhow`); a double click records one decision.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.errors import ServiceError
from api.services.knowhow import (
    accept_knowhow,
    decline_knowhow,
    knowhow_of_coop,
    knowhow_proposal_of_coop,
    withdraw_posting,
)
from api.services.posting_reads import knowhow_posting_of_coop, knowhow_postings_of_coop
from api.web import answers, core
from api.web.member_pages import service_message
from matcher.knowhow.topics import TOPICS

router = APIRouter(prefix="/web/member/knowhow", include_in_schema=False)
ACTIONS = {"accept": accept_knowhow, "decline": decline_knowhow}


def _values(request: Request, rows: list[Any]) -> dict[str, Any]:
    side = 0 if core.lang_of(request) == "th" else 1
    return {
        "rows": rows,
        "topic_name": lambda code: TOPICS.get(code, (code, code))[side],
    }


def _row(view: Any, coop: str) -> dict[str, Any]:
    role = "learner" if view.learner == coop else "mentor"
    return {
        "k": view,
        "role": role,
        "other": view.mentor if role == "learner" else view.learner,
        "km": f"{view.distance_m / 1000:.1f}",
        "accepted_by_me": coop in view.accepted,
    }


def page_values(request: Request, who: core.Who, notice: str | None = None) -> dict[str, Any]:
    """The whole page: the coop's proposals and its own postings, newest first."""
    engine, coop = core.ctx_of(request).engine, str(who.coop_id)
    rows = [_row(v, coop) for v in knowhow_of_coop(engine, coop)]
    postings = knowhow_postings_of_coop(engine, coop)
    return {**_values(request, rows), "postings": postings, "notice": notice}


@router.get("")
def knowhow_page(request: Request) -> Response:
    """The coop's know-how proposals and postings, newest first."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    return core.render(request, "knowhow.html", page_values(request, who), who=who)


@router.get("/postings/{posting_id}/withdraw")
def confirm_withdraw(request: Request, posting_id: str) -> Response:
    """Are you sure? The form that withdraws one of the coop's open postings."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    found = knowhow_posting_of_coop(core.ctx_of(request).engine, posting_id[:64], str(who.coop_id))
    if found is None or found.status != "open":
        return core.not_found_page(request, who)
    values = {**_values(request, []), "p": found, "network": None, "networks": []}
    return core.render(request, "knowhow_withdraw.html", values, who=who)


def _withdraw(request: Request, who: core.Who, posting_id: str) -> tuple[str, int]:
    ctx, lang, coop = core.ctx_of(request), core.lang_of(request), str(who.coop_id)
    if knowhow_posting_of_coop(ctx.engine, posting_id, coop) is None:
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    try:
        withdraw_posting(ctx.engine, posting_id, coop, actor=who.principal, clock=ctx.clock)
    except ServiceError as exc:
        values = {**page_values(request, who), "error": service_message(exc, lang)}
        return core.fragment(request, "knowhow.html", values, 409, who)
    values = page_values(request, who, "knowhow_withdrawn_now")
    return core.fragment(request, "knowhow.html", values, 200, who)


@router.post("/postings/{posting_id}/withdraw")
async def post_withdraw(request: Request, posting_id: str) -> Response:
    """Withdraw the posting (once per form token; its pending proposals are voided)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    pid = posting_id[:64]
    return await core.once(request, who, f"withdraw:{pid}", token,
                           lambda: _withdraw(request, who, pid))  # fmt: skip


@router.post("/{knowhow_proposal_id}/{action}")
async def decide(request: Request, knowhow_proposal_id: core.PageRowId, action: str) -> Response:
    """Accept or decline one of the coop's know-how proposals (HTMX row swap)."""
    return await answers.post_answer(
        request, knowhow_proposal_id, action, ACTIONS, "knowhow",
        lambda who, act: answers.answer_row(
            request, who, knowhow_proposal_id, act, load=knowhow_proposal_of_coop, row=_row,
            template="knowhow_row.html", values=_values(request, []),
        ),
    )  # fmt: skip
