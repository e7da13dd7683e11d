"""``coopmatch serve``: the ``/v1`` HTTP API and the web pages under uvicorn, with JSON
structured logs and the server limits of :mod:`api.http.server`."""

from __future__ import annotations

import logging

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from api.cli.common import console, fail
from api.settings import Settings, create_engine_from


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
        from api.web.security import Signer, WeakSecretError

        try:
            settings = Settings()
            if settings.web_secret is not None:
                Signer(settings.web_secret.encode("utf-8"))  # a short secret: refuse first
        except ValidationError as exc:
            fail("COOPMATCH_* settings", [f"{e['loc']}: {e['msg']}" for e in exc.errors()])
        except WeakSecretError as exc:
            fail("COOPMATCH_WEB_SECRET", [str(exc)])
        engine = current_schema_engine(settings)
        configure_logging(json_logs)
        try:
            app = create_app(settings, engine=engine)
        except WeakSecretError as exc:
            fail("COOPMATCH_WEB_SECRET", [str(exc)])
        freeze_startup_heap()
        console.print(address_banner(host, port), highlight=False)
        uvicorn.run(app, host=host, port=port, **uvicorn_options(settings))


def current_schema_engine(settings: Settings) -> Engine:
    """The serving engine, once its database is at the code's migration head; otherwise a
    bilingual message naming ``coopmatch db upgrade`` and exit 2. A missing SQLite file is
    refused before any connection (connecting would create it empty), and so is an audit
    anchor configured without a usable key."""
    from api.db.migrate import current_revision, head_revision, missing_sqlite_file

    upgrade_hint = (
        "run `coopmatch db upgrade` first (with the migration role) "
        "(ให้รัน coopmatch db upgrade ก่อนเปิดบริการ)"
    )
    from api.db.audit_anchor import AnchorKeyError, configured_anchor

    try:
        configured_anchor(settings)  # a path without a key, or a short key: refuse now
    except (AnchorKeyError, OSError) as exc:
        fail("serve", [str(exc)])
    engine = create_engine_from(settings)
    missing = missing_sqlite_file(engine)
    if missing is not None:
        fail("serve", [f"no database file at {missing} (ไม่พบไฟล์ฐานข้อมูล)", upgrade_hint])
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        engine.dispose()
        fail("serve", [f"database error (ฐานข้อมูลผิดพลาด): {exc.orig}"])
    head = head_revision()
    if current != head:
        engine.dispose()
        at = current or "none: an empty database (ฐานข้อมูลว่าง)"
        fail(
            "serve",
            [
                f"the database is at revision {at}, this version needs {head} "
                f"(ฐานข้อมูลยังไม่ใช่รุ่นล่าสุด)",
                upgrade_hint,
            ],
        )
    return engine


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
