"""A member's answer to one of its two-phase items (a group order, a know-how proposal):
accept or decline on the page, the item's row swapped in place (HTMX).

The item is read as the member's own first (another coop's is a 404 row); a refusal of the
service (already answered, expired, …) comes back as a 409 row with the message in the
page's language; a double click answers once (:func:`api.web.core.once`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from api.services.errors import ServiceError
from api.web import core

Action = Callable[..., Any]
"""``action(engine, item_id, coop_id, clock=…)``: the service that records the answer."""


def answer_row(
    request: Request,
    who: core.Who,
    item_id: int,
    act: Action,
    *,
    load: Callable[[Any, int, str], Any],
    row: Callable[[Any, str], dict[str, Any]],
    template: str,
    values: dict[str, Any],
) -> tuple[str, int]:
    """Record ``act`` on the member's item ``item_id``; the item's row, rendered again."""
    engine, coop = core.ctx_of(request).engine, str(who.coop_id)
    try:
        load(engine, item_id, coop)
    except ServiceError:
        return core.fragment(request, template, {**values, "r": None}, 404, who)
    status = 200
    values["error"] = None
    try:
        act(engine, item_id, coop, clock=core.ctx_of(request).clock)
    except ServiceError as exc:
        lang = core.lang_of(request)
        values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
        status = 409
    values["r"] = row(load(engine, item_id, coop), coop)
    return core.fragment(request, template, values, status, who)


async def post_answer(
    request: Request,
    item_id: int,
    action: str,
    actions: Mapping[str, Action],
    key: str,
    answer: Callable[[core.Who, Action], tuple[str, int]],
) -> Response:
    """The form post of an answer: the member signed in, a known action, answered once."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    if action not in actions:
        return Response("action: accept or decline", status_code=404)
    return await core.once(
        request, who, f"{key}-{action}:{item_id}", token, lambda: answer(who, actions[action])
    )
