"""Strictness at the edge: unknown or repeated query parameters are a 422 (a typo such as
``?statu=`` must not silently list everything), and a 405 lists exactly the path's methods in
``Allow``."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.routing import Match

from api.http.errors import ApiError

_KNOWN: dict[int, frozenset[str]] = {}


def _query_names(dependant: Any) -> frozenset[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


async def reject_unknown_query(request: Request) -> None:
    """An app-wide dependency: every query parameter of ``/v1`` must be one the route
    declares (web pages are left alone). ``async``: no I/O, so no thread-pool hop."""
    route = request.scope.get("route")
    api_path = request.url.path.startswith("/v1/") or request.url.path == "/metrics"
    if not api_path or not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _KNOWN.get(id(route))
    if known is None:
        known = _KNOWN[id(route)] = _query_names(route.dependant)
    unknown = sorted(k for k in request.query_params if k not in known)
    if unknown:
        raise ApiError(422, "validation", f"query: unknown parameter(s) {', '.join(unknown)}")
    repeated = sorted(k for k in known if len(request.query_params.getlist(k)) > 1)
    if repeated:
        raise ApiError(422, "validation", f"query: {', '.join(repeated)} given more than once")


def allowed_methods(request: Request) -> str:
    """The methods every route on this path answers, for the ``Allow`` header of a 405."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE and isinstance(route, APIRoute):
            methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))
