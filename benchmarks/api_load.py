"""The API load run: seed coops and keys, serve the app with uvicorn in a subprocess on
loopback, and post orders from async aiohttp clients for a bounded time.

Each logical post has its own ``Idempotency-Key``. A client retry (a transport error, a 5xx
or a 409 while the first copy is still in flight) reuses the key. On top of that, two seeded
shares of posts lose their answer on purpose: some are sent again after their 201 (a
client that lost the answer), and some are first written on a connection of their own that
is closed before the answer comes (a client that hung up), then retried with the same key
while the server may still be working on the first copy. So the run also proves that
retries create no duplicate order. Latency is measured per logical post, from the first
send to the final answer.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, func, select, text
from sqlmodel import Session

from api.db.migrate import upgrade
from api.db.tables import OrderRow
from api.db.tx import in_write_transaction
from api.http.keys import issue_key
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.settings import Settings, create_engine_from
from benchmarks.api_server import RATE_ENV, SCHEMA_ENV, URL_ENV
from matcher.domain import NetworkLevel

ROOT = Path(__file__).resolve().parent.parent
CONNECT_GAP_S = 0.02
"""Pause between opening two clients' connections, so each is accepted on its own."""
T0 = datetime(2026, 11, 21, tzinfo=UTC)


@contextmanager
def fresh_schema(url: str, prefix: str) -> Iterator[tuple[Engine, str]]:
    """(engine, schema): a migrated PostgreSQL schema of its own for one run, dropped after."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine_from(Settings(database_url=url), schema=schema)
    try:
        upgrade(engine)
        yield engine, schema
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def seed_coops(engine: Engine, count: int, hasher: PasswordHasher | None = None) -> dict[str, str]:
    """A province with ``count`` coops in four areas; one member key each (argon2 default
    costs unless ``hasher`` says otherwise). Returns coop id → token."""
    areas = [f"BN-A{i}" for i in range(4)]
    networks = [NetworkSpec("BN", "เครือข่ายทดสอบ", NetworkLevel.PROVINCE, coordinator="bench")]
    networks += [NetworkSpec(a, a, NetworkLevel.AREA, parent_id="BN") for a in areas]
    coops = [CoopSpec(f"B{i:03d}", f"สหกรณ์ {i}", areas[i % 4]) for i in range(count)]
    in_write_transaction(engine, lambda s: upsert_members(s, networks, coops, T0, "bench"))
    return {
        c.id: issue_key(engine, role="member", coop_id=c.id, hasher=hasher).token for c in coops
    }


async def warm_keys(base: str, tokens: list[str], per_key: int) -> None:
    """Read the profile ``per_key`` times with every key, so that each worker has verified
    (argon2) and cached every key before the timed run. Every request opens a new
    connection: kept-alive connections stay with the worker that accepted them, so a worker
    could otherwise miss a key and verify it (≈ 0.1 s of CPU) inside the timed run."""
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=fresh) as http:
        for _ in range(per_key):
            await asyncio.gather(
                *(
                    http.get("/v1/coops/me", headers={"Authorization": f"Bearer {t}"})
                    for t in tokens
                )
            )


def count_orders(engine: Engine) -> int:
    """Orders in the database."""
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(
    db_url: str,
    schema: str | None,
    workers: int,
    *,
    rate_per_minute: int = 600,
    pool_size: int = 5,
) -> Iterator[str]:
    """uvicorn (httptools/uvloop when installed) in a subprocess on 127.0.0.1; yields the
    base URL. ``rate_per_minute`` is the per-coop limit, ``pool_size`` the database pool
    of each worker (plus as many again under load)."""
    port = _free_port()
    env = {**os.environ, URL_ENV: db_url, SCHEMA_ENV: schema or "", "PYTHONPATH": str(ROOT)}
    env |= {
        RATE_ENV: str(rate_per_minute),
        "COOPMATCH_DB_POOL_SIZE": str(pool_size),
        "COOPMATCH_DB_MAX_OVERFLOW": str(pool_size),
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.api_server:app"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    cmd += ["--no-access-log", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("uvicorn did not become ready")


@dataclass
class LoadResult:
    """What a load run measured."""

    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    errors: int = 0
    retries: int = 0
    replays: int = 0
    hung_up: int = 0
    hung_up_replayed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def figures(self, orders_added: int) -> dict[str, Any]:
        """posts/s, latency percentiles (ms), errors and duplicates, for ``extra_info``."""
        lat = sorted(self.latencies_ms)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 1) if lat else 0.0

        return {
            "posts": len(lat),
            "posts_per_s": round(len(lat) / self.seconds, 1),
            "p50_ms": pct(0.50),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1], 1) if lat else 0.0,
            "errors": self.errors,
            "client_retries": self.retries,
            "replayed": self.replays,
            "hung_up": self.hung_up,
            "hung_up_replayed": self.hung_up_replayed,
            "orders_created": len(self.created),
            "duplicates": orders_added - len(self.created),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def _body(rng: random.Random) -> dict[str, Any]:
    amount = f"{rng.randint(1, 5000) * 100}.{rng.randint(0, 99):02d}"
    if rng.random() < 0.5:
        return {
            "kind": "liquidity_offer",
            "amount": amount,
            "min_rate_bps": rng.randint(200, 500),
            "max_term_days": rng.choice((90, 180, 365)),
        }
    return {
        "kind": "liquidity_need",
        "amount": amount,
        "max_rate_bps": rng.randint(500, 900),
        "term_days": rng.choice((30, 60, 90)),
        "urgency": rng.randint(1, 5),
    }


@dataclass(frozen=True)
class Reply:
    """A final answer: status, JSON body and whether it was a replay."""

    status: int
    body: Any
    replayed: bool


async def _send(
    http: aiohttp.ClientSession, headers: dict[str, str], body: bytes, out: LoadResult
) -> Reply | None:
    """One logical post: the same key until a final answer (at most 20 tries)."""
    for attempt in range(20):
        if attempt:
            out.retries += 1
            await asyncio.sleep(min(0.2, 0.005 * 2**attempt))
        try:
            async with http.post("/v1/orders", data=body, headers=headers) as r:
                status, raw = r.status, await r.read()
                replayed = r.headers.get("idempotent-replayed") == "true"
        except (TimeoutError, aiohttp.ClientError):
            continue
        if status != 409 and status < 500:  # 409: the first copy is still in flight
            return Reply(status, json.loads(raw), replayed)
    return None


async def _hang_up(base: str, headers: dict[str, str], body: bytes) -> None:
    """Write one post on a new connection and close it without reading the answer."""
    url = urllib.parse.urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    lines = ["POST /v1/orders HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + [f"Content-Length: {len(body)}"]
    _, writer = await asyncio.open_connection(host, port)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


@dataclass(frozen=True)
class Losses:
    """Shares of posts whose answer is lost on purpose: ``resend`` after a 201, ``hang_up``
    before any answer (then retried)."""

    resend: float = 0.02
    hang_up: float = 0.01


async def _client(
    base: str,
    http: aiohttp.ClientSession,
    tokens: list[str],
    rng: random.Random,
    until: float,
    losses: Losses,
    out: LoadResult,
) -> None:
    while time.perf_counter() < until:
        token = rng.choice(tokens)
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": uuid.uuid4().hex,
            "Content-Type": "application/json",
        }
        body = json.dumps(_body(rng)).encode()
        start = time.perf_counter()
        hang_up = rng.random() < losses.hang_up
        if hang_up:
            await _hang_up(base, headers, body)
            out.hung_up += 1
            out.retries += 1
        r = await _send(http, headers, body, out)
        if hang_up and r is not None and r.replayed:  # the server had kept the first copy
            out.hung_up_replayed += 1
        out.latencies_ms.append((time.perf_counter() - start) * 1000)
        if r is not None and r.status == 201 and rng.random() < losses.resend:
            again = await _send(http, headers, body, out)  # the answer was "lost": resend
            if again is None or again.body.get("id") != r.body["id"]:
                out.errors += 1
            elif again.replayed:
                out.replays += 1
        status = 0 if r is None else r.status
        out.statuses[status] = out.statuses.get(status, 0) + 1
        if r is not None and status == 201:
            out.created.add(r.body["id"])
        else:
            out.errors += 1


async def run_load(
    base: str,
    tokens: list[str],
    *,
    seconds: float,
    concurrency: int,
    seed: int,
    losses: Losses = Losses(),
) -> LoadResult:
    """Post orders from ``concurrency`` async clients for ``seconds``.

    Each client is its own aiohttp session with one kept-alive connection, opened one after
    another before the timer starts: 32 connections opened at once are all accepted by
    whichever uvicorn worker wakes first (asyncio accepts every pending connection in one
    go), which left one worker with most of the load and the other nearly idle. aiohttp
    rather than httpx: the client shares the two cores with the server, and aiohttp spends
    about a third of httpx's CPU on a request.
    """
    out = LoadResult(seconds=seconds)
    timeout = aiohttp.ClientTimeout(total=30)
    async with AsyncExitStack() as stack:
        clients = []
        for _ in range(concurrency):
            one = aiohttp.TCPConnector(limit=1)
            http = aiohttp.ClientSession(base_url=base, connector=one, timeout=timeout)
            clients.append(await stack.enter_async_context(http))
            async with http.get("/v1/health") as r:  # opens this client's connection
                await r.read()
            await asyncio.sleep(CONNECT_GAP_S)
        until = time.perf_counter() + seconds
        start = time.perf_counter()
        await asyncio.gather(
            *(
                _client(base, http, tokens, random.Random(seed + i), until, losses, out)
                for i, http in enumerate(clients)
            )
        )
        out.seconds = time.perf_counter() - start
    return out
