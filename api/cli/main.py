"""The ``coopmatch`` Typer application: one place that wires every command group."""

from __future__ import annotations

import typer

from api.cli import (
    audit,
    db,
    debts,
    export,
    importer,
    keys,
    letters,
    match_knowhow,
    match_liquidity,
    match_produce,
    match_purchase,
    match_setoff,
    plan_funding,
    policy,
    proposals,
    reminders,
    round_file,
    season,
    serve,
    simulate,
    stress,
)

app = typer.Typer(
    name="coopmatch",
    help="coopmatch — จับคู่สภาพคล่องและสินค้าระหว่างสหกรณ์ / inter-cooperative matcher",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
match_app = typer.Typer(help="Solve one matching problem from a JSON file.", no_args_is_help=True)
app.add_typer(match_app, name="match")

match_liquidity.register(match_app)
match_produce.register(match_app)
match_setoff.register(match_app)
match_purchase.register(match_app)
match_knowhow.register(match_app)
db.register(app)
importer.register(app)
round_file.register(app)
export.register(app)
letters.register(app)
audit.register(app)
keys.register(app)
reminders.register(app)
policy.register(app)
debts.register(app)
proposals.register(app)
serve.register(app)
simulate.register(app)
plan_funding.register(app)
stress.register(app)
season.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
