"""``coopmatch export round ID --xlsx|--csv``: a round's loans, sales and set-offs for Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console, fail
from api.cli.db import open_engine, service_errors


def register(app: typer.Typer) -> None:
    """Add the ``export`` group to ``app``."""
    export_app = typer.Typer(help="Export / ส่งออก", no_args_is_help=True)

    @export_app.command("round")
    def round_(
        round_id: Annotated[int, typer.Argument(help="round id")],
        xlsx: Annotated[bool, typer.Option("--xlsx", help="Excel workbook")] = False,
        csv_: Annotated[bool, typer.Option("--csv", help="CSV, UTF-8 with BOM")] = False,
        out: Annotated[Path | None, typer.Option("--out", help="output file")] = None,
        buddhist_era: Annotated[
            bool, typer.Option("--buddhist-era", help="xlsx: show dates in the Buddhist Era")
        ] = False,
        english: Annotated[
            bool, typer.Option("--english", help="English headers and statuses (Thai by default)")
        ] = False,
        as_of: Annotated[
            str | None,
            typer.Option(
                "--as-of",
                help="overdue as of this date (default: today in Bangkok); พ.ศ. recognised",
            ),
        ] = None,
    ) -> None:
        """Write a round's summary, proposals and the debts from its loans and sales that
        are overdue on the export's date (ส่งออกผลการจับคู่ของรอบ)."""
        from api.schemas.dates import DateTextError, parse_date_text
        from api.services.export import round_report, write_csv, write_xlsx

        if xlsx == csv_:
            fail("export round", ["choose exactly one of --xlsx or --csv (เลือก --xlsx หรือ --csv)"])
        try:
            day = parse_date_text(as_of) if as_of else None
        except DateTextError as exc:
            fail("export round", [f"--as-of: {exc}"])
        target = out or Path(f"round-{round_id}.{'xlsx' if xlsx else 'csv'}")
        with service_errors(f"round {round_id}"):
            report = round_report(open_engine(), round_id, day)
            lang = "en" if english else "th"
            if xlsx:
                written = write_xlsx(report, target, lang=lang, buddhist=buddhist_era)
            else:
                written = write_csv(report, target, lang=lang)
        console.print(
            f"ส่งออกแล้ว / exported round {round_id}: {len(report.proposals)} loan proposals, "
            f"{len(report.sales)} sale proposals, {len(report.setoffs)} set-offs, "
            f"{len(report.overdue)} overdue debts → " + ", ".join(str(p) for p in written),
            highlight=False,
        )

    app.add_typer(export_app, name="export")
