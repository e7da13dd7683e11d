"""Declined pairs of the coordinator's network (ข้อเสนอที่ถูกปฏิเสธ): which offer and need, or
lot and purchase order, were declined, by which coop, when and why
(:func:`api.services.round.declines.declines_of_network`); a remembered pair is not proposed
again while neither order changed. The coordinator may ask for a pair to be proposed again
(:func:`~api.services.round.declines.forget_declined`, audited ``decline.forgotten``): the
next round of the network may propose it. A post checks the session, the CSRF token and the
origin; a double click forgets once; another network's pair is "not found".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.errors import NotFoundError, ServiceError
from api.services.round.declines import declines_of_network, forget_declined
from api.web import core, queries

router = APIRouter(prefix="/web/declines", include_in_schema=False)


def _values(request: Request, who: core.Who, network: str, **extra: Any) -> dict[str, Any]:
    engine = core.ctx_of(request).engine
    rows = declines_of_network(engine, network)
    places = queries.coop_places(
        engine, sorted({d.declined_by for d in rows}), core.lang_of(request)
    )
    return {
        **core.page_values(request, who, network),
        "rows": rows,
        "names": {c: place[0] for c, place in places.items()},
        "done": None,
        "lines": [],
        **extra,
    }


@router.get("")
def declines_page(request: Request) -> Response:
    """The network's declined pairs, newest first."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    return core.render(request, "declines.html", _values(request, who, network), who=who)


@router.post("/{proposal_id}/again")
async def propose_again(request: Request, proposal_id: core.PageRowId) -> Response:
    """Forget the decline of ``proposal_id``'s pair: the next round may propose it again."""
    posted = await core.network_form(request)
    if isinstance(posted, Response):
        return posted
    who, network, _form, token = posted

    def answer() -> tuple[str, int]:
        ctx = core.ctx_of(request)
        try:
            done = forget_declined(
                ctx.engine, network, proposal_id, actor=who.principal, clock=ctx.clock
            )
        except ServiceError as exc:
            lang = core.lang_of(request)
            line = exc.message_th if lang == "th" and exc.message_th else exc.message_en
            status = 404 if isinstance(exc, NotFoundError) else 409
            values = _values(request, who, network, lines=[line])
            return core.fragment(request, "declines.html", values, status, who)
        values = _values(request, who, network, done=done)
        return core.fragment(request, "declines.html", values, 200, who)

    return await core.once(request, who, f"again:{proposal_id}", token, answer)
