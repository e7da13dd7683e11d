"""Helpers of the web and auth attack tests: the seeded web app (Lamphun and an unrelated
province, Loei, from tests/web), a second province's member key, and a real
``coopmatch serve`` in a subprocess on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))  # webfixtures

from webfixtures import Web, make_web, seed_loei, token_of

__all__ = ["Web", "make_web", "seed_loei", "served_cli", "token_of"]
WEB_SECRET = "attack-suite-web-secret-" + "w" * 24


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_cli(database_url: str, tmp: Path, **env: str) -> Iterator[str]:
    """``coopmatch serve`` in a subprocess on a free loopback port, with ``COOPMATCH_*``
    settings from ``env``; yields the base URL once ``/v1/health`` answers."""
    port = free_port()
    settings = {
        "COOPMATCH_DATABASE_URL": database_url,
        "COOPMATCH_WEB_SECRET": WEB_SECRET,
        **{f"COOPMATCH_{k.upper()}": v for k, v in env.items()},
    }
    log = (tmp / f"serve-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli.main", "serve", "--port", str(port), "--console-logs"],
        env={**os.environ, **settings},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp / f"serve-{port}.log").read_text()[-2000:])
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
