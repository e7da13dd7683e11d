"""The member coop's page: its own proposals, with Accept and Decline buttons.

A member logs in with its coop key and sees only proposals its coop is a party to; any
other proposal is a 404 exactly like one that does not exist. The buttons post through HTMX
with the per-render form token (CSRF token and idempotency key), call the proposal services,
and swap in the updated row; a double click records one decision.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.errors import ServiceError
from api.services.proposals import accept_proposal, decline_proposal
from api.web import core, queries

router = APIRouter(prefix="/web/member", include_in_schema=False)
ACTIONS = {"accept": accept_proposal, "decline": decline_proposal}


@router.get("")
def proposals_page(request: Request) -> Response:
    """The coop's proposals, newest first."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    rows = queries.coop_proposals(core.ctx_of(request).engine, str(who.coop_id))
    values = {"rows": rows, "network": None, "networks": []}
    return core.render(request, "member.html", values, who=who)


def _decide(request: Request, who: core.Who, proposal_id: int, action: str) -> tuple[str, int]:
    engine = core.ctx_of(request).engine
    coop = str(who.coop_id)
    if queries.coop_proposal(engine, coop, proposal_id) is None:
        return core.fragment(request, "member_row.html", {"p": None}, 404, who)
    values: dict[str, Any] = {"error": None}
    status = 200
    try:
        ACTIONS[action](
            engine, proposal_id, coop, actor=who.principal, clock=core.ctx_of(request).clock
        )
    except ServiceError as exc:
        lang = core.lang_of(request)
        values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
        status = 409
    values["p"] = queries.coop_proposal(engine, coop, proposal_id)
    return core.fragment(request, "member_row.html", values, status, who)


@router.post("/proposals/{proposal_id}/{action}")
async def decide(request: Request, proposal_id: core.PageRowId, action: str) -> Response:
    """Accept or decline one of the coop's proposals (HTMX row swap)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    if action not in ACTIONS:
        return Response("action: accept or decline", status_code=404)
    return await core.once(
        request, who, f"{action}:{proposal_id}", token,
        lambda: _decide(request, who, proposal_id, action),
    )  # fmt: skip
