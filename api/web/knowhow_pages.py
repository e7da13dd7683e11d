"""The member's know-how page (การจับคู่ความรู้): the placements its coop is the learner or
the mentor of, with Accept / Decline.

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
)
from api.web import core
from matcher.knowhow.topics import TOPICS

router = APIRouter(prefix="/web/member/knowhow", include_in_schema=False)
ACTIONS = {"accept": accept_knowhow, "decline": decline_knowhow}
TEXT: dict[str, tuple[str, str]] = {
    "title": ("การจับคู่ความรู้ของฉัน", "My know-how placements"),
    "topic": ("หัวข้อ", "Topic"),
    "role": ("บทบาท", "Role"),
    "learner": ("ผู้เรียน", "Learner"),
    "mentor": ("ผู้สอน", "Mentor"),
    "other": ("อีกฝ่าย", "Other party"),
    "distance": ("ระยะทาง (กม.)", "Distance (km)"),
    "answer_by": ("ตอบรับภายใน", "Answer by"),
    "accept": ("ตอบรับ", "Accept"),
    "you_accepted": ("คุณตอบรับแล้ว รออีกฝ่าย", "You accepted; waiting for the other side"),
    "pending": ("รอตอบรับ", "Waiting"),
    "accepted": ("ตกลงแล้ว", "Agreed"),
    "declined": ("ปฏิเสธแล้ว", "Declined"),
    "expired": ("หมดเวลาตอบรับ", "Expired"),
    "voided": ("ยกเลิกโดยรอบใหม่", "Voided"),
}


def _values(request: Request, rows: list[Any]) -> dict[str, Any]:
    side = 0 if core.lang_of(request) == "th" else 1
    return {
        "rows": rows,
        "pt": lambda k: TEXT[k][side],
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


@router.get("")
def knowhow_page(request: Request) -> Response:
    """The coop's know-how proposals, newest first."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    coop = str(who.coop_id)
    rows = [_row(v, coop) for v in knowhow_of_coop(core.ctx_of(request).engine, coop)]
    return core.render(request, "knowhow.html", _values(request, rows), who=who)


def _decide(request: Request, who: core.Who, pid: int, action: str) -> tuple[str, int]:
    engine, coop = core.ctx_of(request).engine, str(who.coop_id)
    values = _values(request, [])
    try:
        knowhow_proposal_of_coop(engine, pid, coop)
    except ServiceError:
        return core.fragment(request, "knowhow_row.html", {**values, "r": None}, 404, who)
    status = 200
    values["error"] = None
    try:
        ACTIONS[action](engine, pid, coop, clock=core.ctx_of(request).clock)
    except ServiceError as exc:
        lang = core.lang_of(request)
        values["error"] = exc.message_th if lang == "th" and exc.message_th else exc.message_en
        status = 409
    values["r"] = _row(knowhow_proposal_of_coop(engine, pid, coop), coop)
    return core.fragment(request, "knowhow_row.html", values, status, who)


@router.post("/{knowhow_proposal_id}/{action}")
async def decide(request: Request, knowhow_proposal_id: core.PageRowId, action: str) -> Response:
    """Accept or decline one of the coop's know-how proposals (HTMX row swap)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    if action not in ACTIONS:
        return Response("action: accept or decline", status_code=404)
    return await core.once(
        request, who, f"knowhow-{action}:{knowhow_proposal_id}", token,
        lambda: _decide(request, who, knowhow_proposal_id, action),
    )  # fmt: skip
