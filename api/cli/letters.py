"""``coopmatch letters round ID --out DIR``: a round's letters as PDF files, in Thai."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import console
from api.cli.db import open_engine, service_errors


def register(app: typer.Typer) -> None:
    """Add the ``letters`` group to ``app``."""
    letters_app = typer.Typer(help="Letters / หนังสือ (PDF)", no_args_is_help=True)

    @letters_app.command("round")
    def round_(
        round_id: Annotated[int, typer.Argument(help="round id")],
        out: Annotated[Path, typer.Option("--out", help="folder for the PDF files")] = Path(
            "letters"
        ),
    ) -> None:
        """Write the round's letters: summary, loan proposals and commitments, sales, set-off
        notices (พิมพ์หนังสือของรอบ)."""
        from api.papers.letters import round_letters
        from api.papers.sources import load_round_papers
        from api.services.sheets import write_file

        with service_errors(f"round {round_id}"):
            papers = round_letters(load_round_papers(open_engine(), round_id))
            for name, data in papers.items():
                write_file(out / name, data)
        console.print(
            f"เขียนหนังสือแล้ว / wrote {len(papers)} letters of round {round_id} to {out}/",
            highlight=False,
        )

    app.add_typer(letters_app, name="letters")
