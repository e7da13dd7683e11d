"""The member coop's page: its own proposals, each opening its full terms
(:mod:`api.web.proposal_pages`), where it accepts or declines.

A member logs in with its coop key and sees only proposals its coop is a party to; any
other proposal is a 404 exactly like one that does not exist. Answers post with the
per-render form token (CSRF token and idempotency key) and call the proposal services; a
double click records one decision. An HTMX post swaps in the updated row; a post from the
proposal's own page (``page=1``) answers with that page again; a decline may carry a reason
(at most :data:`~api.web.proposal_pages.REASON_MAX` characters).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.errors import ServiceError
from api.services.proposals import accept_proposal, decline_proposal
from api.web import core, i18n, queries
from api.web.proposal_pages import REASON_MAX, proposal_page

router = APIRouter(prefix="/web/member", include_in_schema=False)
ACTIONS = ("accept", "decline")


@router.get("")
def proposals_page(request: Request) -> Response:
    """The coop's proposals, newest first."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    rows = queries.coop_proposals(
        core.ctx_of(request).engine, str(who.coop_id), core.lang_of(request)
    )
    values = {"rows": rows, "network": None, "networks": []}
    return core.render(request, "member.html", values, who=who)


def service_message(exc: ServiceError, lang: str) -> str:
    """A service's refusal in the page's language."""
    return exc.message_th if lang == "th" and exc.message_th else exc.message_en


def _decide(
    request: Request, who: core.Who, proposal_id: int, action: str, form: dict[str, str]
) -> tuple[str, int]:
    engine, lang = core.ctx_of(request).engine, core.lang_of(request)
    coop = str(who.coop_id)
    whole_page = form.get("page") == "1"
    if queries.coop_proposal(engine, coop, proposal_id) is None:
        if whole_page:
            return proposal_page(request, who, proposal_id)
        return core.fragment(request, "member_row.html", {"p": None}, 404, who)
    reason = form.get("reason", "").strip() or None
    error, status = None, 200
    if reason is not None and len(reason) > REASON_MAX:
        error, status = i18n.text("reason_too_long", lang).format(n=REASON_MAX), 422
    else:
        try:
            actor, clock = who.principal, core.ctx_of(request).clock
            if action == "accept":
                accept_proposal(engine, proposal_id, coop, actor=actor, clock=clock)
            else:
                decline_proposal(engine, proposal_id, coop, actor=actor, clock=clock, reason=reason)
        except ServiceError as exc:
            error, status = service_message(exc, lang), 409
    if whole_page:
        return proposal_page(request, who, proposal_id, error=error, status=status)
    seen = queries.coop_proposal(engine, coop, proposal_id, lang)
    values: dict[str, Any] = {"error": error, "p": seen}
    return core.fragment(request, "member_row.html", values, status, who)


@router.post("/proposals/{proposal_id}/{action}")
async def decide(request: Request, proposal_id: core.PageRowId, action: str) -> Response:
    """Accept or decline one of the coop's proposals (HTMX row swap, or the whole page)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    if action not in ACTIONS:
        return Response("action: accept or decline", status_code=404)
    return await core.once(
        request, who, f"{action}:{proposal_id}", token,
        lambda: _decide(request, who, proposal_id, action, form),
    )  # fmt: skip
