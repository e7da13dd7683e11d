"""``coopmatch serve``: the ``/v1`` HTTP API under uvicorn, with JSON structured logs."""

from __future__ import annotations

import logging

import typer

from api.cli.common import console


def configure_logging(json_logs: bool = True) -> None:
    """structlog with the request id (bound per request) on every line."""
    import structlog

    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        cache_logger_on_first_use=True,  # not a fresh bound logger on every log call
    )


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""

    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="interface to listen on"),
        port: int = typer.Option(8000, help="TCP port"),
        json_logs: bool = typer.Option(True, "--json-logs/--console-logs", help="log format"),
    ) -> None:
        """Serve the member and coordinator API (/v1) (เปิดบริการ API)."""
        import uvicorn

        from api.cli.db import schema_or_fail
        from api.http.app import create_app
        from api.settings import Settings, create_engine_from

        settings = Settings()
        schema_or_fail(create_engine_from(settings), "serve")
        configure_logging(json_logs)
        app = create_app(settings)
        freeze_startup_heap()
        console.print(address_banner(host, port), highlight=False)
        uvicorn.run(app, host=host, port=port, access_log=False)


def address_banner(host: str, port: int) -> str:
    """Where to point a browser and a member system once the server is up.

    >>> print(address_banner("0.0.0.0", 8000).splitlines()[0])
    coopmatch: เปิดเว็บที่ / open http://127.0.0.1:8000/web/login
    """
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    base = f"http://{shown}:{port}"
    return (
        f"coopmatch: เปิดเว็บที่ / open {base}/web/login\n"
        f"           API /v1 at {base}/v1, API docs at {base}/docs (Ctrl+C to stop)"
    )


def freeze_startup_heap() -> None:
    """Move everything alive after startup (modules, the app, its routes and schemas) out of
    the cyclic collector's reach (``gc.freeze``): the long-lived heap is then never walked
    again, which takes the collector's pauses out of request latency."""
    import gc

    gc.collect()
    gc.freeze()
