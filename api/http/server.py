"""How ``coopmatch serve`` runs uvicorn: limits and timeouts a public server needs.

uvicorn bounds idle keep-alive connections and (with h11) the size of a request head, but
it waits forever for a head that is sent slowly, and its httptools parser takes header lines
of any length. The two protocol classes here add what is missing:

* the request line and headers must arrive within ``http_head_timeout_s`` (the server closes
  the connection otherwise), and
* together they may be at most ``http_max_header_bytes`` (a 400 otherwise; h11 is told the
  same bound through ``h11_max_incomplete_event_size``).

The body's own time limit is the app's (:class:`api.http.app.EdgeMiddleware`, a 408).
:func:`uvicorn_options` adds concurrency, keep-alive, graceful-shutdown limits and the
trusted proxies (``X-Forwarded-For``/``-Proto``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from api.settings import Settings


class _HeadTimer:
    """A timer that closes the connection when a request's head is late."""

    head_timeout_s: float = 10.0
    _head_timer: asyncio.TimerHandle | None = None
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout_s, self._head_late)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


class GuardedH11(_HeadTimer, H11Protocol):
    """uvicorn's h11 protocol with a time limit on the request head."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        if before is None or before.response_complete:
            self._arm_head_timer()  # a new request starts: its head is on the clock
        super().data_received(data)
        if self.cycle is not before:
            self._disarm_head_timer()  # the head is complete

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)


def _httptools_class() -> type[asyncio.Protocol] | None:
    """The httptools protocol with the same limits, when httptools is installed."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:
        return None

    class GuardedHttpTools(_HeadTimer, HttpToolsProtocol):
        """uvicorn's httptools protocol with a time limit and a size limit on the head."""

        max_header_bytes: int = 16_384
        _head_bytes: int = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_timer()

        def data_received(self, data: bytes) -> None:
            if self.cycle is None or self.cycle.response_complete:
                self._arm_head_timer()
            super().data_received(data)

        def on_message_begin(self) -> None:
            self._head_bytes = 0
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._disarm_head_timer()
            super().on_headers_complete()

        def _count(self, size: int) -> None:
            self._head_bytes += size
            if self._head_bytes > self.max_header_bytes:
                raise ValueError("request head too large")  # httptools answers a 400

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

    return GuardedHttpTools


def protocol_class(settings: Settings) -> type[asyncio.Protocol]:
    """The HTTP protocol ``serve`` uses (httptools when installed, else h11), with the
    head's time and size limits of ``settings``."""
    base: type[Any] = _httptools_class() or GuardedH11
    limits = {
        "head_timeout_s": settings.http_head_timeout_s,
        "max_header_bytes": settings.http_max_header_bytes,
    }
    return type(base.__name__, (base,), limits)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's keyword arguments besides the app, host and port."""
    return {
        "http": protocol_class(settings),
        "h11_max_incomplete_event_size": settings.http_max_header_bytes,
        "timeout_keep_alive": settings.http_timeout_keep_alive_s,
        "limit_concurrency": settings.http_limit_concurrency,
        "timeout_graceful_shutdown": 30,
        "backlog": 2048,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "server_header": False,
        "access_log": False,
    }
