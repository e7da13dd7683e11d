"""Strictness at the edge: a control character in a path parameter or a query value is a
422 on every route, before any query runs; unknown or repeated query parameters are a 422 (a
typo such as ``?statu=`` must not silently list everything); a JSON body with a key given
twice is a 422 naming the key (:class:`StrictJsonRoute`: no silent "last one wins"); and a
405 lists exactly the path's methods in ``Allow``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import Response
from starlette.routing import Match

from api.http.errors import ApiError

_KNOWN: dict[int, frozenset[str]] = {}
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_REFUSERS: set[Callable[..., Any]] = set()
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
PLAIN_TEXT = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""The same rule as a ``pattern``, so parameters document it in OpenAPI."""
NO_CONTROL = "must not contain control characters (ห้ามมีอักขระควบคุม)"


def has_control(text: str) -> bool:
    """Whether ``text`` holds a C0 or C1 control character or DEL: never part of an id, a
    status, a cursor or a key, and NUL cannot even be stored in PostgreSQL text."""
    return _CONTROL.search(text) is not None


def _reject_control_characters(request: Request) -> None:
    """422 naming every path parameter and query value that holds a control character."""
    path = request.path_params.items()
    bad = [("path", k) for k, v in path if isinstance(v, str) and has_control(v)]
    query = request.query_params.multi_items()
    bad += sorted({("query", k) for k, v in query if has_control(v)})
    if bad:
        raise RequestValidationError(
            [{"loc": loc, "msg": NO_CONTROL, "type": "control_character"} for loc in bad]
        )


def _query_names(dependant: Any) -> frozenset[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


async def reject_unknown_query(request: Request) -> None:
    """An app-wide dependency, so it runs before every route's own dependencies: no path
    parameter or query value may hold a control character (on every route, web pages too),
    and every query parameter of ``/v1`` must be one the route declares (web pages are left
    alone there). ``async``: no I/O, so no thread-pool hop."""
    _reject_control_characters(request)
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


def only_refuses(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint that exists only to answer 405 on its path (``GET …/rounds/preview``,
    kept off ``GET …/rounds/{round_id}``): its method is not one the path allows."""
    _REFUSERS.add(endpoint)
    return endpoint


def allowed_methods(request: Request) -> str:
    """The methods this path answers, for the ``Allow`` header of a 405: each method a route
    on the path declares, unless the route routing picks first for it only refuses.

    Every route counts, inside included routers too (FastAPI keeps each one nested);
    :func:`~fastapi.routing.iter_route_contexts` walks them as FastAPI's own OpenAPI
    document does. A ``GET`` route answers ``GET`` only: FastAPI adds no ``HEAD``."""
    routes = iter_route_contexts(request.app.router.routes)
    on_path = [r for r in routes if r.matches({**request.scope, "method": "GET"})[0] != Match.NONE]
    allowed: set[str] = set()
    for method in set().union(*(r.methods or () for r in on_path)):
        probe = {**request.scope, "method": method}
        first = next(r for r in on_path if r.matches(probe)[0] == Match.FULL)
        if first.endpoint not in _REFUSERS:
            allowed.add(method)
    return ", ".join(sorted(allowed))


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKeyError(key)
        out[key] = value
    return out


def strict_json(body: bytes) -> Any:
    """``body`` as JSON, refusing a key given twice in one object.

    Raises:
        DuplicateKeyError: a repeated key.
        ValueError: not JSON at all.
    """
    return json.loads(body, object_pairs_hook=_no_duplicates)


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is parsed once, strictly (:func:`strict_json`): a key given
    twice is a 422 naming it; anything else that is not JSON is left to FastAPI's own
    ``json_invalid`` error. Every ``/v1`` router that takes a body uses it."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            body = await request.body()
            kind = request.headers.get("content-type", "application/json").lower()
            if body and "json" in kind:
                try:
                    request._json = strict_json(body)  # FastAPI reads this cached value
                except DuplicateKeyError as exc:
                    msg = f"{exc.key!r} given twice (ระบุคีย์ {exc.key!r} ซ้ำ)"
                    raise RequestValidationError(
                        [{"loc": ("body", exc.key), "msg": msg, "type": "duplicate_key"}]
                    ) from None
                except ValueError:
                    pass  # not JSON: FastAPI answers its json_invalid 422
            response: Response = await handler(request)
            return response

        return strict_handler
