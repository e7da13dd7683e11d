"""A PostgreSQL 15 instance of the test's own (initdb into a temporary folder, a free port
on 127.0.0.1), so that a test may restart it. PostgreSQL refuses to run as root, so as root
the server runs as the ``postgres`` user (``runuser``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnPostgres:
    """initdb, start, restart and stop one throwaway cluster (trust authentication)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="coopmatch-pg-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def why_not(self) -> str | None:
        """Why this machine cannot run an instance of its own (None when it can)."""
        if not (BIN / "initdb").exists():
            return f"no PostgreSQL 15 binaries at {BIN}"
        if self.as_root and shutil.which("runuser") is None:
            return "running as root without runuser: PostgreSQL refuses to run as root"
        return None

    def _run(self, *args: str) -> None:
        cmd = [str(a) for a in args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "postgres")
        self._run(BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-N")
        self._ctl("start")

    def _ctl(self, action: str, *extra: str) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = self.root / "server.log"
        self._run(BIN / "pg_ctl", action, "-D", self.data, "-w", "-l", log, "-o", opts, *extra)

    def restart(self) -> None:
        """A fast restart: every connection is cut, the server comes back on the same port."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)
