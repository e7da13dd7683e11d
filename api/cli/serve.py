"""``coopmatch serve``: the ``/v1`` HTTP API and the web pages under uvicorn, with JSON
structured logs and the server limits of :mod:`api.http.server`."""

from __future__ import annotations

import logging

import typer

from api.cli.common import fail


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
        """Serve the member and coordinator API (/v1) (เปิดบริการ API), with the limits
        and timeouts of :mod:`api.http.server`. A web secret shorter than 32 bytes is
        refused (exit 2)."""
        import uvicorn
        from pydantic import ValidationError

        from api.http.app import create_app
        from api.http.server import uvicorn_options
        from api.settings import Settings
        from api.web.security import WeakSecretError

        configure_logging(json_logs)
        try:
            settings = Settings()
            app = create_app(settings)
        except ValidationError as exc:
            fail("COOPMATCH_* settings", [f"{e['loc']}: {e['msg']}" for e in exc.errors()])
        except WeakSecretError as exc:
            fail("COOPMATCH_WEB_SECRET", [str(exc)])
        freeze_startup_heap()
        uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))


def freeze_startup_heap() -> None:
    """Move everything alive after startup (modules, the app, its routes and schemas) out of
    the cyclic collector's reach (``gc.freeze``): the long-lived heap is then never walked
    again, which takes the collector's pauses out of request latency."""
    import gc

    gc.collect()
    gc.freeze()
