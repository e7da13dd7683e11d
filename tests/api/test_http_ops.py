"""Operations: a request id on every log line, the serve command, nothing built at import."""

from __future__ import annotations

import os
import subprocess
import sys

import structlog
import typer
from http_fixtures import OFFER, api  # noqa: F401
from structlog.contextvars import merge_contextvars
from typer.testing import CliRunner


def test_every_log_line_has_the_request_id(api) -> None:  # noqa: F811
    with structlog.testing.capture_logs(processors=[merge_contextvars]) as logs:
        r = api.client.get("/v1/health", headers={"X-Request-ID": "req-abc"})
        api.post("C1", "/v1/orders", {**OFFER, "amount": 1.5})
    assert r.headers["x-request-id"] == "req-abc"
    assert logs and all(line.get("request_id") for line in logs)
    assert logs[0]["request_id"] == "req-abc" and logs[0]["status"] == 200
    assert logs[-1]["status"] == 422 and logs[-1]["route"] == "/v1/orders"


def test_serve_command_is_registered() -> None:
    from api.cli import serve

    app = typer.Typer()
    serve.register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["serve", "--help"])
    assert res.exit_code == 0 and "--port" in res.output


def test_importing_the_api_builds_nothing() -> None:
    code = (
        "import sys, api.http.app, api.http.routers.members, api.http.routers.rounds\n"
        "mods = [m for n, m in sys.modules.items() if n.startswith('api.http')]\n"
        "bad = [n for m in mods for n, v in vars(m).items()\n"
        "       if type(v).__name__ in ('FastAPI', 'Engine', 'Settings')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={**os.environ, "COOPMATCH_DATABASE_URL": "postgresql://nowhere/x"},
    )
