"""Operations: health (no key needed) and Prometheus ``/metrics`` (behind its own token
when one is set; absent in production without one)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.http import schemas as sc
from api.http.deps import Ctx
from api.http.errors import ApiError, not_found

router = APIRouter(tags=["operations"])
OPEN: dict[str, object] = {"security": []}
"""OpenAPI: these two need no API key (the document's default is the bearer key)."""


@router.get(
    "/v1/health",
    response_model=sc.Health,
    openapi_extra=OPEN,
    responses={
        503: {
            "content": {
                "application/json": {"example": {"status": "degraded", "database": "unreachable"}}
            }
        }
    },
)
def health(ctx: Ctx) -> JSONResponse:
    """Liveness and database reachability (สถานะระบบ)."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "degraded", "database": "unreachable"}, 503)
    return JSONResponse({"status": "ok", "database": "ok"})


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    openapi_extra=OPEN,
    responses={
        200: {
            "content": {
                "text/plain": {
                    "example": "coopmatch_http_requests_total"
                    '{method="GET",route="/v1/health",status="200"} 1\n'
                }
            }
        }
    },
)
def metrics(ctx: Ctx, request: Request) -> PlainTextResponse:
    """Prometheus text exposition of request counters and latency sums. With
    ``COOPMATCH_METRICS_TOKEN`` set it needs ``Authorization: Bearer <token>`` (401
    otherwise); without one it is open in development and absent (404) in production."""
    token = ctx.settings.metrics_token
    if token is None and ctx.settings.environment == "production":
        raise not_found("/metrics")
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        good = scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())
        if not good:
            raise ApiError(401, "unauthorized", "send Authorization: Bearer <metrics token>")
    return PlainTextResponse(ctx.metrics.render(), media_type="text/plain; version=0.0.4")
