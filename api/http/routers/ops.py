"""Operations: health (no key needed) and Prometheus ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.http import schemas as sc
from api.http.deps import Ctx

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
def metrics(ctx: Ctx) -> PlainTextResponse:
    """Prometheus text exposition of request counters and latency sums."""
    return PlainTextResponse(ctx.metrics.render(), media_type="text/plain; version=0.0.4")
