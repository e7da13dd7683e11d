"""One error handler: every failure becomes RFC 9457 ``application/problem+json``.

Service errors carry no HTTP codes; they are mapped here. A :class:`ForbiddenError` from a
service is a 404 like a missing object (tenant isolation: another coop's object does not
exist for the caller). Titles and details are Thai or English by ``Accept-Language``. An unhandled
exception is a 500 ``internal`` problem, except a lost or refused database connection
(a restart, a failover): that is a 503 ``database_unavailable`` with ``Retry-After``, safe
to retry under the same ``Idempotency-Key``. Any other with no internals in it, logged once with its
traceback (:func:`log_unhandled`); :class:`api.http.app.EdgeMiddleware` answers it, so the
500 carries the request id like any other response.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import OperationalError as SqlOperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.http.language import prefers_thai
from api.http.problem_text import thai_detail
from api.http.validation_text import THAI as THAI_LETTER
from api.http.validation_text import error_text
from api.services.errors import ServiceError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://coopmatch.example/problems/"

TITLES: dict[str, tuple[str, str]] = {
    "not_found": ("Not found", "ไม่พบข้อมูล"),
    "unauthorized": ("Missing or invalid API key", "ไม่มีหรือคีย์ API ไม่ถูกต้อง"),
    "forbidden_role": ("This key's role may not do this", "สิทธิ์ของคีย์นี้ทำรายการนี้ไม่ได้"),
    "validation": ("The request is not valid", "คำขอไม่ถูกต้อง"),
    "invalid": ("The request is not valid", "คำขอไม่ถูกต้อง"),
    "bad_file": ("The file is not valid", "ไฟล์ไม่ถูกต้อง"),
    "invalid_state": ("Not possible in the current state", "ทำไม่ได้ในสถานะปัจจุบัน"),
    "conflict": ("Conflict", "ข้อมูลขัดแย้ง"),
    "database_unavailable": (
        "The database is unavailable; retry shortly",
        "ฐานข้อมูลไม่พร้อมใช้งานชั่วคราว กรุณาลองใหม่",
    ),
    "idempotency_mismatch": (
        "Idempotency-Key reused with another request",
        "ใช้ Idempotency-Key ซ้ำกับคำขออื่น",
    ),
    "idempotency_in_flight": (
        "A request with this Idempotency-Key is still running",
        "คำขอที่ใช้ Idempotency-Key นี้ยังทำงานอยู่",
    ),
    "idempotency_required": ("Idempotency-Key header is required", "ต้องระบุ Idempotency-Key"),
    "too_large": ("Request body too large", "คำขอมีขนาดใหญ่เกินไป"),
    "timeout": ("The request body arrived too slowly", "ส่งข้อมูลคำขอช้าเกินไป"),
    "rate_limited": ("Too many requests", "ส่งคำขอมากเกินไป"),
    "method_not_allowed": ("Method not allowed", "ไม่รองรับเมธอดนี้"),
    "internal": ("Internal error", "ระบบขัดข้อง"),
}
SERVICE_STATUS = {
    "not_found": 404,
    "forbidden": 404,
    "invalid_state": 409,
    "conflict": 409,
    "invalid": 422,
    "bad_file": 422,
}
log = structlog.get_logger("coopmatch.http")
LOGGED = "unhandled_error_logged"
"""Key in the request's scope state: its unhandled exception has been logged."""


class ApiError(Exception):
    """An HTTP-level refusal raised by the edge itself (auth, idempotency, limits)."""

    def __init__(
        self, status: int, code: str, detail: str = "", headers: dict[str, str] | None = None
    ) -> None:
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}
        super().__init__(detail or code)


def not_found(what: str) -> ApiError:
    """The uniform 404 for a missing object and another tenant's object alike."""
    return ApiError(404, "not_found", f"{what} does not exist")


def wants_thai(request: Request) -> bool:
    """Whether ``Accept-Language`` prefers Thai over English (see :mod:`api.http.language`)."""
    return prefers_thai(request.headers.get("accept-language", ""))


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str = "",
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A problem+json response with the title and the detail in the caller's language (an
    English detail of the edge's own is put into Thai by :mod:`api.http.problem_text`)."""
    en, th = TITLES.get(code, (code, code))
    thai = wants_thai(request)
    if thai and not THAI_LETTER.search(detail):
        detail = (thai_detail(detail) or f"{th}: {detail}") if detail else th
    body: dict[str, Any] = {
        "type": TYPE_BASE + code,
        "title": th if thai else en,
        "status": status,
        "detail": detail or en,
        "instance": request.url.path,
        "code": code,
    }
    rid = getattr(request.state, "request_id", None)
    if rid:
        body["request_id"] = rid
    body.update(extra or {})
    return Response(
        json.dumps(body, ensure_ascii=False), status, headers=headers, media_type=PROBLEM
    )


def _validation_errors(exc: RequestValidationError, thai: bool) -> list[dict[str, Any]]:
    """Each error with the field it names and its message in the caller's language."""
    out = []
    for e in exc.errors():
        loc = [str(p) for p in e.get("loc", ())]
        message = error_text(dict(e), thai)
        out.append({"field": ".".join(loc), "message": message, "type": e.get("type")})
    return out


async def handle(request: Request, exc: Exception) -> Response:
    """The one error handler."""
    if isinstance(exc, ApiError):
        return problem_response(request, exc.status, exc.code, exc.detail, headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        errors = _validation_errors(exc, wants_thai(request))
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(request, 422, "validation", detail, {"errors": errors})
    if isinstance(exc, ServiceError):
        status = SERVICE_STATUS.get(exc.code, 422)
        if status == 404:
            return problem_response(request, 404, "not_found", "the object does not exist")
        msg = exc.message_th if wants_thai(request) and exc.message_th else exc.message_en
        extra = {"lines": exc.lines} if exc.lines else None
        return problem_response(request, status, exc.code, msg, extra)
    if isinstance(exc, StarletteHTTPException) and exc.status_code == 400:
        # FastAPI's "error parsing the body" (not JSON at all): a validation error like any
        return problem_response(request, 422, "validation", f"body: {exc.detail}")
    if isinstance(exc, StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(
            exc.status_code, "invalid"
        )
        headers = dict(exc.headers) if exc.headers else None
        if exc.status_code == 405:
            from api.http.strict import allowed_methods

            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem_response(request, exc.status_code, code, str(exc.detail), headers=headers)
    if database_unreachable(exc):
        log.warning("database_unavailable", error=repr(exc))
        detail = "the database connection was lost or refused; retry with the same key"
        headers = {"Retry-After": "1"}
        return problem_response(request, 503, "database_unavailable", detail, headers=headers)
    log_unhandled(request.scope.setdefault("state", {}), exc)
    return problem_response(request, 500, "internal", "internal error")


def database_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` is a lost or refused database connection (not a bad statement)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, SqlOperationalError):
        exc = exc.orig or exc
    return isinstance(exc, psycopg.OperationalError)


def log_unhandled(state: dict[str, Any], exc: BaseException) -> None:
    """Log an unhandled exception with its traceback (call it while handling the exception),
    once per request: the edge and Starlette's last-resort handler may both see it. The
    request id comes from the bound context, as on every line."""
    if state.get(LOGGED):
        return
    state[LOGGED] = True
    log.exception("unhandled_error", error=repr(exc))


def install(app: FastAPI) -> None:
    """Register :func:`handle` for every exception the app can raise."""
    for exc_type in (ApiError, RequestValidationError, ServiceError, StarletteHTTPException):
        app.add_exception_handler(exc_type, handle)
    app.add_exception_handler(Exception, handle)
