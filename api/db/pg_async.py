"""An async psycopg connection pool beside the SQLAlchemy engine, for the hot HTTP paths on
PostgreSQL (authentication and a member's order post): no thread-pool hop, no ORM.
Connections are autocommit (each statement is its own transaction) and use the engine's
search path, so they see the same schema.

Every connection the pool hands out is checked first (psycopg_pool's
``check_connection``: an empty query, one round trip), so after a database restart the
dead connections are dropped and new ones made instead of being handed to a request; the
pool keeps reconnecting in the background while the database is down, and a checkout
waits up to ``timeout_s`` for it to come back.

The pool belongs to the event loop that opened it (the app's lifespan opens it); a request
on another loop, as a test client without a lifespan makes, gets a connection of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import Engine, text


def conninfo(engine: Engine) -> tuple[str, str]:
    """(libpq URL, search path) of ``engine``'s database, the search path read from a
    connection of the engine (it may come from the engine's connect arguments)."""
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with engine.connect() as conn:
        path = str(conn.execute(text("SHOW search_path")).scalar_one())
    return url, path


def _escaped(value: str) -> str:
    """``value`` inside libpq's ``options`` (spaces and backslashes escaped)."""
    return value.replace("\\", "\\\\").replace(" ", "\\ ")


class AsyncPg:
    """The async pool of one app (PostgreSQL only), opened by the app's lifespan."""

    def __init__(
        self, engine: Engine, min_size: int, max_size: int, timeout_s: float = 30.0
    ) -> None:
        self.engine, self.min_size, self.max_size = engine, max(1, min_size), max_size
        self.timeout_s = timeout_s
        self._target: tuple[str, str] | None = None
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _connect_kwargs(self) -> tuple[str, dict[str, Any]]:
        if self._target is None:
            self._target = await asyncio.to_thread(conninfo, self.engine)
        url, path = self._target
        return url, {"autocommit": True, "options": f"-c search_path={_escaped(path)}"}

    async def open(self) -> None:
        """Open the pool on the running loop (once)."""
        if self._pool is not None:
            return
        url, kwargs = await self._connect_kwargs()
        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            url,
            min_size=self.min_size,
            max_size=self.max_size,
            kwargs=kwargs,
            open=False,
            check=AsyncConnectionPool.check_connection,
            timeout=self.timeout_s,
        )
        await pool.open(wait=True)
        self._pool, self._loop = pool, asyncio.get_running_loop()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled autocommit connection for the block; off the pool's loop (no lifespan
        ran, e.g. a bare test client) a connection of its own, closed after the block."""
        pool = self._pool
        if pool is not None and self._loop is asyncio.get_running_loop():
            async with pool.connection() as conn:
                yield conn
            return
        url, kwargs = await self._connect_kwargs()
        async with await AsyncConnection.connect(url, **kwargs) as conn:
            yield conn

    async def close(self) -> None:
        """Close the pool (on the loop that opened it)."""
        pool, self._pool = self._pool, None
        if pool is not None and self._loop is asyncio.get_running_loop():
            await pool.close()
