"""The web's own 404: a mistyped ``/web`` address gets a page in the reader's language with
a way back, not the API's JSON problem. Registered after every other web route."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.web import core

router = APIRouter(include_in_schema=False)


@router.get("/web/{rest:path}")
def missing(request: Request, rest: str) -> HTMLResponse:
    """Any ``/web`` address no page answers."""
    return core.render(request, "not_found.html", {"network": None, "networks": []}, 404)
