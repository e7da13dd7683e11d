"""``coopmatch serve`` against clients that send slowly or too much (issue 18, finding 10): a
request head that stops half-way is cut off, a header past the size limit is refused, a body
that stops half-way is a 408, and an idle keep-alive connection is closed.

Before: uvicorn ran with its defaults: no time limit on a half-sent request, and (httptools)
header lines of a megabyte accepted.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from web_attack import served_cli

from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from

LIMIT_S = 1.5


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{tmp / 'limits.sqlite3'}"
    engine = create_engine_from(Settings(database_url=url))
    upgrade(engine)
    engine.dispose()
    env = {
        "http_head_timeout_s": str(LIMIT_S),
        "http_body_timeout_s": str(LIMIT_S),
        "http_timeout_keep_alive_s": "1",
    }
    with served_cli(url, tmp, **env) as base:
        host, port = base.removeprefix("http://").split(":")
        yield host, int(port)


def _connect(server: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(server, timeout=10)
    sock.settimeout(LIMIT_S * 4 + 5)
    return sock


def _read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_half_sent_head_is_cut_off(server: tuple[str, int]) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        start = time.monotonic()
        answer = _read_all(sock)
        waited = time.monotonic() - start
    assert waited < LIMIT_S * 4 + 4 and b"200 OK" not in answer, (waited, answer[:200])


def test_a_header_past_the_limit_is_refused(server: tuple[str, int]) -> None:
    with _connect(server) as sock:
        head = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 1_048_576 + b"\r\n\r\n"
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            return  # cut off while sending: refused
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 400") or answer == b"", answer[:200]


def test_a_half_sent_body_is_a_408(server: tuple[str, int]) -> None:
    with _connect(server) as sock:
        sock.sendall(
            b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100\r\n\r\n{"kind": '
        )
        start = time.monotonic()
        answer = _read_all(sock)
        waited = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert waited < LIMIT_S * 4 + 4


def test_an_idle_keep_alive_connection_is_closed(server: tuple[str, int]) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        start = time.monotonic()
        answer = _read_all(sock)  # the answer, then the close after the keep-alive time
        waited = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 200") and waited < 8, (waited, answer[:100])


def test_serve_sets_every_limit() -> None:
    from api.http.server import uvicorn_options

    options = uvicorn_options(Settings(forwarded_allow_ips="10.0.0.5"))
    assert options["h11_max_incomplete_event_size"] == 16_384
    assert options["timeout_keep_alive"] == 5 and options["limit_concurrency"] == 400
    assert options["proxy_headers"] and options["forwarded_allow_ips"] == "10.0.0.5"
    assert options["http"].head_timeout_s == 10.0
