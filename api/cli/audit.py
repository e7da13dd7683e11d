"""``coopmatch audit``: verify the audit log and anchor it outside the database.

``verify`` recomputes every hash chain (:func:`api.db.audit.verify_chain`), checks every
order, proposal and ledger row against the event that created it
(:mod:`api.db.audit_crosscheck`) and, when an anchor is configured, every signed
checkpoint and that each anchored chain head is still in the database
(:mod:`api.db.audit_anchor`). ``anchor`` appends a checkpoint now (rounds do it too).
"""

from __future__ import annotations

import typer

from api.cli.common import console, err_console, fail
from api.cli.db import open_engine, service_errors
from api.db.audit_anchor import configured_anchor, write_checkpoint
from api.db.audit_verify import audit_check
from api.db.tx import read_session
from api.services.clock import system_clock
from api.settings import Settings

EXIT_TAMPERED = 1


def _broken(where: str, reason: str) -> None:
    err_console.print(f"[bold red]บันทึกการตรวจสอบถูกแก้ไข / audit broken[/] {where}: {reason}")


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group to ``app``."""
    audit_app = typer.Typer(help="Audit log / บันทึกการตรวจสอบ", no_args_is_help=True)

    @audit_app.command("verify")
    def verify() -> None:
        """Check the audit chains, every row against its event, and the anchor (exit 1 if
        anything was tampered with) (ตรวจสอบบันทึกการตรวจสอบ)."""
        settings = Settings()
        engine = open_engine()
        with service_errors("audit verify"):
            anchor = configured_anchor(settings)
            with read_session(engine) as session:
                verdict = audit_check(session, anchor)
        report = verdict.chains
        if not report.ok:
            _broken(
                f"at event {report.first_bad_id}",
                f"{report.reason} ({report.checked} events verified before it)",
            )
        for line in verdict.faults:
            _broken("in the tables", line)
        if verdict.anchor_fault:
            _broken("against the anchor", verdict.anchor_fault)
        if not verdict.ok:
            raise typer.Exit(EXIT_TAMPERED)
        anchored = verdict.anchored
        where = f"; {anchored} anchor checkpoints" if anchor else "; no anchor configured"
        console.print(
            f"[green]บันทึกการตรวจสอบถูกต้อง / audit chain intact[/]: {report.checked} events, "
            f"every order, proposal and commitment matches its event{where}"
        )

    @audit_app.command("anchor")
    def anchor_now() -> None:
        """Append a signed checkpoint of every chain head to the anchor file now
        (บันทึกจุดยึดของห่วงโซ่)."""
        settings = Settings()
        with service_errors("audit anchor"):
            anchor = configured_anchor(settings)
            if anchor is None:
                fail("audit anchor", ["set COOPMATCH_AUDIT_ANCHOR_PATH (ตั้งค่าไฟล์จุดยึด)"])
            line = write_checkpoint(anchor, open_engine(), system_clock())
        console.print(f"จุดยึด / anchored {len(line.heads)} chains at {line.at} → {anchor.path}")

    app.add_typer(audit_app, name="audit")
