"""``coopmatch audit verify``: recompute the audit log's hash chain."""

from __future__ import annotations

import typer

from api.cli.common import console, err_console
from api.cli.db import open_engine, service_errors
from api.db.audit import verify_chain
from api.db.tx import read_session

EXIT_TAMPERED = 1


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group to ``app``."""
    audit_app = typer.Typer(help="Audit log / บันทึกการตรวจสอบ", no_args_is_help=True)

    @audit_app.command("verify")
    def verify() -> None:
        """Check every audit row's hash against the chain (exit 1 if broken)."""
        engine = open_engine()
        with service_errors("audit verify"), read_session(engine) as session:
            report = verify_chain(session)
        if report.ok:
            console.print(
                f"[green]บันทึกการตรวจสอบถูกต้อง / audit chain intact[/]: {report.checked} events"
            )
            return
        err_console.print(
            f"[bold red]บันทึกการตรวจสอบถูกแก้ไข / audit chain broken[/] at event "
            f"{report.first_bad_id}: {report.reason} ({report.checked} events verified before it)"
        )
        raise typer.Exit(EXIT_TAMPERED)

    app.add_typer(audit_app, name="audit")
