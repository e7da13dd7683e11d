"""``coopmatch reminders``: where each coop's reminders go, and sending what is due.

``contact COOP --email ADDRESS --line LINE_ID`` names a coop's channels (empty values clear
them); ``send --date D`` sends the reminders due on that business date (proposals about to
expire, instalments falling due, overdue debts) by e-mail (``COOPMATCH_SMTP_HOST``) and LINE
(``COOPMATCH_LINE_CHANNEL_TOKEN``), each at most once a day (:mod:`api.services.reminders`).
"""

from __future__ import annotations

from datetime import date

import typer

from api.cli.common import console, fail
from api.cli.db import open_engine, service_errors


def register(app: typer.Typer) -> None:
    """Add the ``reminders`` group to ``app``."""
    group = typer.Typer(help="reminders to coops / การแจ้งเตือนสหกรณ์", no_args_is_help=True)

    @group.command("contact")
    def contact(
        coop: str = typer.Argument(..., help="coop id (รหัสสหกรณ์)"),
        email: str = typer.Option("", "--email", help="e-mail address (อีเมล)"),
        line: str = typer.Option("", "--line", help="LINE user or group id"),
    ) -> None:
        """Name where a coop's reminders go (ตั้งช่องทางแจ้งเตือนของสหกรณ์)."""
        from api.services.clock import system_clock
        from api.services.reminders import set_contact

        with service_errors("reminders contact"):
            set_contact(open_engine(), coop, email.strip(), line.strip(), system_clock())
        console.print(f"{coop}: email {email or '-'}  line {line or '-'}")

    @group.command("send")
    def send(
        day: str = typer.Option("", "--date", help="business date YYYY-MM-DD (today)"),
    ) -> None:
        """Send the reminders due (ส่งการแจ้งเตือนที่ถึงกำหนด)."""
        from api.schemas.dates import DateTextError, parse_date_text
        from api.services.clock import system_clock
        from api.services.reminder_channels import channels_from
        from api.services.reminders import send_reminders
        from api.services.round.calendar import bangkok_date
        from api.settings import Settings

        now = system_clock()
        business: date = bangkok_date(now)
        if day:
            try:
                business = parse_date_text(day)
            except DateTextError as exc:
                fail("--date", [str(exc)])
        channels = channels_from(Settings())
        if not channels:
            console.print("no channel is configured (COOPMATCH_SMTP_HOST, "
                          "COOPMATCH_LINE_CHANNEL_TOKEN): nothing to send")  # fmt: skip
        with service_errors("reminders send"):
            report = send_reminders(open_engine(), business, now, channels)
        for coop, kind, ref, channel in report.sent:
            console.print(f"sent {kind} {ref} to {coop} by {channel}")
        console.print(f"sent {len(report.sent)}, already sent {report.already}, "
                      f"failed {len(report.failed)}")  # fmt: skip
        for line in report.failed:
            console.print(f"failed: {line}")
        if report.failed:
            raise typer.Exit(1)

    app.add_typer(group, name="reminders")
