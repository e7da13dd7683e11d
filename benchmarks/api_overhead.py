"""FastAPI's share of ``POST /v1/orders``: the whole app in process against the route's own
steps called directly, both with the database statement stubbed out.

The app is built on a throwaway SQLite file; the keys are verified once (argon2) and then
cached, and the stub stands in for the one-statement PostgreSQL post (:mod:`api.http.order_post`)
with the same in-memory work (the columns and the 201 body), so what is left to compare is
routing, dependency solving and the middleware. Prints the process CPU per post of each::

    PYTHONPATH=. python -m benchmarks.api_overhead [--posts 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from argon2 import PasswordHasher
from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.types import Message

from api.db.migrate import upgrade
from api.http import deps, order_post
from api.http.app import create_app
from api.http.context import AppContext, HttpConfig
from api.http.idempotency import Stored, request_key
from api.http.keys import Principal
from api.http.order_schemas import OrderCreate, order_spec
from api.http.routers import common, members
from api.services.member_orders import MemberOrder
from api.settings import Settings, create_engine_from
from benchmarks.api_load import _body, seed_coops

ORDER_CREATE: TypeAdapter[Any] = TypeAdapter(OrderCreate)


async def stub_post(
    ctx: AppContext,
    who: Principal,
    idem: tuple[str, str],
    spec: MemberOrder,
    chain: str,
    *,
    check_revocation: bool,
) -> Stored:
    """:func:`api.http.order_post.post_money` without its statement."""
    return Stored(201, order_post.posted_body(spec, ctx.clock())[1])  # its text made once


def _scope(app: Any, token: str, body: bytes) -> dict[str, Any]:
    headers = [
        (b"host", b"bench"),
        (b"authorization", f"Bearer {token}".encode()),
        (b"idempotency-key", uuid.uuid4().hex.encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/orders",
        "raw_path": b"/v1/orders",
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
        "app": app,
        "state": {},
    }


def _receive(body: bytes) -> Callable[[], Awaitable[Message]]:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def through_app(app: Any, token: str, body: bytes) -> int:
    """One post through the whole ASGI app; its status."""
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await app(_scope(app, token, body), _receive(body), send)
    return int(sent[0]["status"])


async def route_steps(app: Any, token: str, body: bytes) -> int:
    """The same post as the route's own steps, called directly; its status."""
    ctx: AppContext = app.state.ctx
    request = Request(_scope(app, token, body), _receive(body))
    who = await deps.member(await deps.authenticate(request, ctx))
    idem = await request_key(request, who.principal)
    spec = order_spec(ORDER_CREATE.validate_json(body), f"ord_{uuid.uuid4().hex[:24]}", "c")
    stored = await stub_post(ctx, who, idem, spec, "chain", check_revocation=True)
    return common.respond(stored).status_code


async def measure(posts: int) -> dict[str, float]:
    """CPU ms per post through the whole app, through the route's steps, and the difference."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'overhead.sqlite3'}"
        engine = create_engine_from(Settings(database_url=url))
        upgrade(engine)
        hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
        tokens = list(seed_coops(engine, 4, hasher).values())
        app = create_app(
            Settings(database_url=url), engine=engine, config=HttpConfig(rate_per_minute=10**9)
        )
        rng = random.Random(1)
        bodies = [json.dumps(_body(rng)).encode() for _ in range(200)]
        with _stubbed_post():
            best = await _compare(app, tokens, bodies, posts)
        engine.dispose()
    return {
        "app_cpu_ms_per_post": round(best["app"], 3),
        "route_steps_cpu_ms_per_post": round(best["route_steps"], 3),
        "fastapi_cpu_ms_per_post": round(best["app"] - best["route_steps"], 3),
    }


@contextmanager
def _stubbed_post() -> Iterator[None]:
    """The route's post without its statement, put back afterwards."""
    saved = members.post_money, members.takes_fast_path
    members.post_money = stub_post
    members.takes_fast_path = lambda ctx, spec: True
    try:
        yield
    finally:
        members.post_money, members.takes_fast_path = saved


async def _compare(
    app: Any, tokens: list[str], bodies: list[bytes], posts: int
) -> dict[str, float]:
    """The least CPU per post (ms) of each way, over two alternating passes."""
    for token in tokens:  # verify and cache every key through SQLite
        assert await through_app(app, token, bodies[0]) == 201
    app.state.ctx.pg = object()  # cached keys now defer revocation, as on PostgreSQL
    best: dict[str, float] = {}
    for _ in range(2):
        for name, post in (("app", through_app), ("route_steps", route_steps)):
            started = time.process_time()
            for i in range(posts):
                status = await post(app, tokens[i % len(tokens)], bodies[i % len(bodies)])
                assert status == 201, status
            per_post = (time.process_time() - started) / posts * 1e3
            best[name] = min(best.get(name, per_post), per_post)
    app.state.ctx.pg = None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=3000)
    args = parser.parse_args()
    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        cache_logger_on_first_use=True,
    )
    print(json.dumps(asyncio.run(measure(args.posts)), indent=1))


if __name__ == "__main__":
    main()
