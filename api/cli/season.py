"""``coopmatch season replay SCENARIO.yaml --db URL --seed N``: a season through the system.

Loads the scenario into the database at ``--db`` (a fresh one), replays ``--days`` business
days through ``/v1`` (in-process, or ``--server``: uvicorn on 127.0.0.1) with the faults of
``--faults``, checks the ledger invariants after every day, and prints the season beside
``coopmatch simulate``'s for the same seed, the ledger's totals and the faults survived.
Exit codes: 0 done; 1 an invariant broke (day, rule, rows) or the system failed; 2 bad input
(the scenario, the fault plan, or a database that does not answer).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, err_console, fail, progress_bar
from api.replay.client import ReplayError
from api.replay.faults import parse_plan
from api.replay.invariants import InvariantBroken
from api.replay.report import reasons, report_json, report_rows, twin_breaks
from api.replay.run import DatabaseUnreachable, ReplayResult, pick_policy, replay_season
from api.settings import Settings, create_engine_from
from matcher.money import format_baht
from scenarios.sim.loader import ScenarioError, load_scenario

season_app = typer.Typer(help="ฤดูกาลผ่านระบบจริง / a whole season through the real system.")


def register(app: typer.Typer) -> None:
    """Add the ``season`` group (``season replay``) to ``app``."""
    app.add_typer(season_app, name="season")


@season_app.command("replay")
def replay(
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO.yaml", help="scenario file (scenarios/*.yaml)")
    ],
    db: Annotated[str, typer.Option("--db", metavar="URL", help="a fresh database")] = (
        "sqlite:///replay.sqlite3"
    ),
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the draws and faults")] = 1,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="replay this many days (around the peak)")
    ] = None,
    faults: Annotated[
        str,
        typer.Option("--faults", metavar="PLAN", help="none, default, or kind=bps,kind=bps"),
    ] = "none",
    policy: Annotated[
        str | None, typer.Option("--policy", help="the scenario's policy (default: the first)")
    ] = None,
    server: Annotated[
        bool, typer.Option("--server", help="serve /v1 with uvicorn on 127.0.0.1")
    ] = False,
    decline_bps: Annotated[
        int | None,
        typer.Option(
            "--decline-bps",
            min=0,
            max=10_000,
            help="every member declines this share of its proposals (overrides the scenario)",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=32, help="threads of the members' calls")
    ] = 4,
    one_round: Annotated[
        bool, typer.Option("--one-round", help="only the root network's round each day")
    ] = False,
    no_behaviours: Annotated[
        bool,
        typer.Option(
            "--no-behaviours",
            help="ignore the scenario's replay behaviours: members accept all, pay on time",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="write the report without times as JSON (the same for the same seed)",
        ),
    ] = None,
) -> None:
    """Replay a season of SCENARIO.yaml through /v1, checking the ledger every day."""
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(exc.source, [str(i) for i in exc.issues])
    try:
        plan = parse_plan(faults)
    except ValueError as exc:
        fail("--faults", [str(exc)])
    try:
        pick_policy(scenario, policy)
    except KeyError:
        fail("--policy", [f"ไม่มีนโยบาย / no policy {policy!r} in {scenario_file}"])
    engine = create_engine_from(Settings(database_url=db))
    try:
        with progress_bar() as bar:
            total = days or scenario.spec.season.days
            task = bar.add_task(f"{scenario.spec.id}: days", total=total)
            result = replay_season(
                engine,
                scenario,
                str(scenario_file),
                seed=seed,
                days=days,
                policy=policy,
                plan=plan,
                server=server,
                decline_bps=decline_bps,
                one_round=one_round,
                behaviours=not no_behaviours,
                workers=workers,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except DatabaseUnreachable as exc:
        fail("--db", [f"ติดต่อฐานข้อมูลไม่ได้ / the database does not answer: {exc}"])
    except ScenarioError as exc:
        fail(exc.source, [str(i) for i in exc.issues])
    except InvariantBroken as exc:
        err_console.print(f"[bold red]กฎบัญชีถูกละเมิด / invariant broken:[/] {exc}", markup=True)
        raise typer.Exit(1) from exc
    except ReplayError as exc:
        err_console.print(f"[bold red]ระบบล้มเหลว / the system failed:[/] {exc}", markup=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    _print(result, one_round)
    if report is not None:
        try:
            report.write_text(report_json(result) + "\n", encoding="utf-8")
        except OSError as exc:
            fail("--report", [f"เขียนไฟล์ไม่ได้ / cannot write {report}: {exc.strerror or exc}"])


def _print(r: ReplayResult, one_round: bool) -> None:
    data = report_rows(r)
    console.print(
        f"[bold]{r.scenario_id}[/] · policy {r.policy} · seed {r.seed} · {r.days} days · "
        f"ทุกวันผ่านกฎบัญชี / every day's invariants held"
    )
    t = Table(title="ฤดูกาล: ระบบจริง เทียบ ตัวจำลอง / the season: replay vs simulate")
    for col in ("ตัวชี้วัด / metric", "replay", "simulate", "ต่าง / difference"):
        t.add_column(col, justify="left" if col.startswith("ตัว") else "right")
    for row in data["metrics"]:
        t.add_row(row["label"], row["replay"], row["simulate"], row["difference"])
    console.print(t)
    for key, why in reasons(r, one_round).items():
        console.print(f"  [bold]{key}[/]: {why}", highlight=False)
    breaks = twin_breaks(r, one_round)
    console.print(
        "ตรงกับตัวจำลอง / the twin agrees (exactly, or within the reasons above)"
        if not breaks
        else "ไม่ตรงกับตัวจำลอง / the twin disagrees: " + "; ".join(breaks)
    )
    lg = r.ledger
    console.print(
        f"บัญชี / ledger: {lg.commitments} commitments · loans {format_baht(lg.loans_satang)} ฿ · "
        f"sales {lg.sales_units:,} units · set-off {format_baht(lg.setoff_satang)} ฿ · "
        f"payments {format_baht(lg.payments_satang)} ฿ · relief {format_baht(lg.relief_satang)} ฿"
    )
    if data["faults"]:
        ft = Table(title="ความผิดพลาดที่ใส่ / faults injected and survived")
        for col in ("kind", "injected", "survived"):
            ft.add_column(col)
        for kind, n in data["faults"].items():
            ft.add_row(kind, str(n["injected"]), str(n["survived"]))
        console.print(ft)
    c = data["counts"]
    console.print(
        f"{c['posts']:,} POSTs ({c['retries']} retried) · {c['rounds']} rounds · "
        f"{c['proposals']} proposals ({c['accepted']} accepted, {c['declined']} declined) · "
        f"{c['payments']} payments · {r.wall_s:.1f} s (simulate {r.sim_s:.2f} s, "
        f"×{r.wall_s / max(r.sim_s, 1e-6):,.0f})"
    )
