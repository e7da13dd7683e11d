"""``create_app(settings)``: the one wiring place of the HTTP API. Nothing is created at
import time; the engine, clock and limits are built (or passed in) here.

Middleware (outermost first): request id + structured access log + metrics + security
headers (:mod:`api.http.headers`), then the request size limit and the body's time limit.
The API documentation is served only where the settings say so. Errors of every kind go
through :func:`api.http.errors.handle`; an unhandled exception is answered at the edge
(inside Starlette's ``ServerErrorMiddleware``), so its 500 problem carries the request id
and the access log records it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import structlog
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.db.pg_async import AsyncPg
from api.db.tx import is_postgres
from api.http import errors
from api.http.context import AppContext, HttpConfig
from api.http.docs import install_docs
from api.http.headers import with_security_headers
from api.http.openapi_examples import restore_nulls
from api.http.reminder_loop import reminder_loop
from api.http.routers import (
    admin,
    catalogue,
    debts,
    jobs,
    knowhow,
    members,
    ops,
    purchase,
    rounds,
    startup,
)
from api.http.strict import reject_unknown_query
from api.services.clock import UtcClock, system_clock
from api.settings import Settings, create_engine_from
from api.web import mount_web

log = structlog.get_logger("coopmatch.http")
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}


async def _read_body(receive: Receive, limit: int, timeout_s: float) -> bytes | None:
    """The whole request body, or None once it passes ``limit`` bytes (chunked too).

    Raises:
        TimeoutError: the body did not arrive within ``timeout_s`` (a client that sends half
            a request and waits holds nothing for long).
    """
    chunks, size, more = [], 0, True
    async with asyncio.timeout(timeout_s):
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the buffered body over once, then waits for the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class EdgeMiddleware:
    """Request id on every log line, one access-log line, metrics, the body size limit, and
    the 500 problem of an unhandled exception (while the response has not started)."""

    def __init__(self, app: ASGIApp, ctx: AppContext) -> None:
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, declared = "", ""
        for k, v in scope["headers"]:  # the two headers the edge reads, without a dict
            if k == b"x-request-id":
                given = v.decode("latin-1")
            elif k == b"content-length":
                declared = v.decode("latin-1")
        plain = 0 < len(given) <= 64 and given.isascii() and given.isprintable()
        rid = given if plain else uuid.uuid4().hex[:16]  # a client id only when plain ASCII
        scope.setdefault("state", {})["request_id"] = rid
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=rid)
        start, status, started = time.perf_counter(), 500, False
        limit = self.ctx.config.max_body_bytes

        async def send_wrapper(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = with_security_headers(scope["path"], message.get("headers", []))
                message["headers"] = [*headers, (b"x-request-id", rid.encode())]
            await send(message)

        body, late = None, False
        if not (declared.isascii() and declared.isdigit() and int(declared) > limit):
            try:
                body = await _read_body(receive, limit, self.ctx.settings.http_body_timeout_s)
            except TimeoutError:
                late = True
        try:
            if late:
                await self._refuse(scope, receive, send_wrapper, 408, "timeout", "body too slow")
            elif body is None:
                await self._refuse(
                    scope, receive, send_wrapper, 413, "too_large", f"at most {limit} bytes"
                )
            else:
                await self.app(scope, _replay(body, receive), send_wrapper)
        except Exception as exc:
            if started:  # too late for a problem: log it, and the server cuts the response off
                errors.log_unhandled(scope["state"], exc)
                raise
            await self._internal(scope, receive, send_wrapper, exc)
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, elapsed: float) -> None:
        route = scope.get("route")
        path = route.path if isinstance(route, APIRoute) else "unmatched"
        self.ctx.metrics.observe(scope["method"], path, status, elapsed)
        log.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=path,
            status=status,
            ms=round(elapsed * 1000, 1),
        )

    async def _internal(self, scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        """The 500 problem of an unhandled exception, logged once (while it is handled)."""
        response = await errors.handle(Request(scope, receive), exc)
        await response(scope, receive, send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, code: str, detail: str
    ) -> None:
        response = errors.problem_response(Request(scope, receive), status, code, detail)
        await response(scope, receive, send)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: UtcClock = system_clock,
    config: HttpConfig | None = None,
) -> FastAPI:
    """Build the ``/v1`` API for ``settings`` (the engine is made here unless passed in)."""
    ctx = AppContext(
        settings=settings,
        engine=engine if engine is not None else create_engine_from(settings),
        clock=clock,
        config=config or HttpConfig(),
    )
    if is_postgres(ctx.engine):
        ctx.pg = AsyncPg(
            ctx.engine, settings.db_pool_size, settings.db_pool_size + settings.db_max_overflow
        )
    docs = settings.docs_enabled
    app = FastAPI(
        lifespan=partial(_lifespan, ctx),
        openapi_url="/openapi.json" if docs else None,
        title="coopmatch API",
        version="1.0.0",
        description=(
            "Inter-cooperative liquidity matcher for Thai coop networks "
            "(ระบบจับคู่สภาพคล่องระหว่างสหกรณ์). Authenticate with `Authorization: Bearer "
            "<API key>`; every state-changing POST needs an `Idempotency-Key`; errors are "
            "RFC 9457 problem+json, titles in Thai or English by `Accept-Language`."
        ),
        dependencies=[Depends(reject_unknown_query)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    errors.install(app)
    app.include_router(ops.router)
    app.include_router(members.router)
    app.include_router(rounds.router)
    app.include_router(debts.router)
    app.include_router(purchase.router)
    app.include_router(purchase.network_router)
    app.include_router(jobs.router)
    app.include_router(startup.router)
    app.include_router(knowhow.router)
    mount_web(app)  # the coordinator's web pages under /web
    if docs:
        install_docs(app)  # /docs and /redoc from packaged assets (no CDN)
    app.include_router(catalogue.router)
    app.include_router(admin.router)
    app.add_middleware(EdgeMiddleware, ctx=ctx)
    _openapi_problem(app)
    return app


@asynccontextmanager
async def _lifespan(ctx: AppContext, _app: FastAPI) -> AsyncIterator[None]:
    """Open the async pool (PostgreSQL) on the server's loop, mark interrupted the jobs
    whose process died and start the reminders' schedule (when configured); stop the
    schedule and close the pool, the secret checks' threads and the job runner at
    shutdown."""
    if ctx.pg is not None:
        await ctx.pg.open()
    try:
        await asyncio.to_thread(ctx.jobs.sweep)
    except Exception as exc:  # the database away at start-up: the runners' sweeps catch up
        log.warning("job_sweep_failed", error=repr(exc))
    ctx.reminders = reminder_loop(ctx.settings, ctx.engine, ctx.clock)
    if ctx.reminders is not None:
        ctx.reminders.start()
    try:
        yield
    finally:
        if ctx.reminders is not None:
            await asyncio.to_thread(ctx.reminders.stop)
        ctx.jobs.close()
        ctx.guard.close()
        if ctx.pg is not None:
            await ctx.pg.close()


def _openapi_problem(app: FastAPI) -> None:
    """Add the Problem schema and mark validation errors as problem+json in OpenAPI."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = base()
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        doc["components"]["securitySchemes"] = {
            "apiKey": {"type": "http", "scheme": "bearer", "description": "cm_<id>_<secret>"}
        }
        doc["security"] = [{"apiKey": []}]
        restore_nulls(doc)  # FastAPI strips the nulls out of examples
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
