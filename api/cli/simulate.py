"""``coopmatch simulate SCENARIO.yaml``: Monte Carlo seasons of a scenario, policies compared.

Loads and checks the scenario (bad input: the file and the field are named, exit 2), runs
``--runs`` seasons of every policy from one ``--seed`` with a progress bar, prints the
policies side by side and, with ``--out DIR``, writes ``summary.csv``, ``coops.csv``,
``seasons.csv``, ``simulation.xlsx``, ``report.html`` and (with matplotlib)
``summary.png``. A scenario with joint purchases also gets their season totals (the saving
together beside buying alone) on screen, in ``purchases.csv`` and in the report. The same
seed gives the same numbers whatever the executor or the number of workers.
"""

from __future__ import annotations

import importlib.util
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.table import Table

from api.cli.common import console, fail, progress_bar
from api.services.sheets import plain_csv_bytes, write_file, xlsx_bytes
from api.services.sim_columns import sim_sheet
from scenarios.sim.dask_runner import DaskUnavailableError, check_dask_address
from scenarios.sim.html import html_report
from scenarios.sim.loader import Scenario, ScenarioError, districts, load_scenario
from scenarios.sim.metrics import summarise
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days
from scenarios.sim.purchase import PURCHASE_COLUMNS, purchase_rows, simulate_purchases
from scenarios.sim.report import SUMMARY_COLUMNS, Cell, coop_rows, season_rows, summary_rows


class ExecutorChoice(StrEnum):
    """Executors the command accepts (dask: a LocalCluster or ``--dask-address``; extra)."""

    PROCESS = "process"
    SERIAL = "serial"
    DASK = "dask"


def register(app: typer.Typer) -> None:
    """Add the ``simulate`` command to ``app``."""
    app.command(
        "simulate",
        help="จำลองฤดูกาล / simulate seasons of a scenario and compare funding policies.",
    )(simulate)


def simulate(
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO.yaml", help="scenario file (scenarios/*.yaml)")
    ],
    runs: Annotated[int, typer.Option("--runs", min=1, help="seasons per policy")] = 100,
    seed: Annotated[int, typer.Option("--seed", min=0, help="root seed")] = 1,
    executor: Annotated[
        ExecutorChoice, typer.Option("--executor", help="process (default), serial or dask")
    ] = ExecutorChoice.PROCESS,
    workers: Annotated[
        int | None, typer.Option("--workers", min=1, help="processes (default: CPUs)")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="shorten the season (smoke runs)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="folder for CSV and XLSX outputs")
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            metavar="tcp://HOST:8786",
            help="with --executor dask: a running Dask scheduler (default: a local cluster)",
        ),
    ] = None,
) -> None:
    """Simulate RUNS seasons of every policy in SCENARIO.yaml and print the comparison."""
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(exc.source, [str(i) for i in exc.issues])
    _check_dask(executor, dask_address)
    if days is not None:
        scenario = with_days(scenario, days)
    total = runs * len(scenario.spec.policies)
    started = time.perf_counter()
    with progress_bar() as bar:
        task = bar.add_task(f"{scenario.spec.id}: seasons", total=total)
        try:
            seasons = run_monte_carlo(
                scenario,
                runs,
                seed,
                Executor(executor.value),
                workers,
                progress=lambda n: bar.advance(task, n),
                dask_address=dask_address,
            )
        except DaskUnavailableError as exc:
            fail("--dask-address", [f"ติดต่อ Dask scheduler ไม่ได้ / {exc}"])
    elapsed = time.perf_counter() - started
    summaries = summarise(seasons)
    rows = summary_rows(summaries)
    console.print(_table(scenario.spec.name_th, scenario.spec.name_en, rows))
    console.print(
        f"{total} seasons ({runs} runs × {len(scenario.spec.policies)} policies, "
        f"{scenario.spec.season.days} days) in {elapsed:.1f} s — seed {seed}, "
        f"executor {executor.value}"
        + (f" at {dask_address}" if dask_address else "")
        + (" — ตัวอย่างสมมติ / illustrative" if scenario.spec.illustrative else "")
    )
    for row in rows:
        console.print(
            f"  {row['policy']}: loans by tier {row['loans_by_tier']} baht; "
            f"sales by tier {row['sales_by_tier']} baht"
        )
    bought = purchase_rows(simulate_purchases(scenario, districts(), np.random.SeedSequence(seed)))
    if bought:
        console.print(_purchase_table(bought))
    if out is not None:
        _write_outputs(out, rows, coop_rows(summaries), season_rows(seasons), bought)
        settings: dict[str, Cell] = {
            "scenario": str(scenario_file),
            "runs": runs,
            "seed": seed,
            "executor": executor.value,
            "days": scenario.spec.season.days,
            "seconds": round(elapsed, 1),
        }
        chart = _chart(f"{scenario.spec.name_th}\n{scenario.spec.name_en}", rows)
        if chart is not None:
            write_file(out / "summary.png", chart)
        report = thai_report(scenario, rows, settings, chart, bought)
        write_file(out / "report.html", report.encode("utf-8"))
        console.print(
            f"wrote {out}/summary.csv, coops.csv, seasons.csv, simulation.xlsx, report.html"
            + (", summary.png" if chart is not None else " (no chart: matplotlib not installed)")
        )


def thai_report(
    scenario: Scenario,
    rows: list[dict[str, Cell]],
    settings: dict[str, Cell],
    chart: bytes | None,
    bought: list[dict[str, Cell]],
) -> str:
    """The HTML report in Thai: the columns' Thai headers (as in ``simulation.xlsx``),
    policies and tiers named from the web's message catalogue, the settings in Thai words,
    a paragraph of what was run, numbers with separators."""
    from api.services.sim_columns import sim_column
    from api.web import i18n

    columns = [(key, sim_column(key).header("th")) for key, _ in SUMMARY_COLUMNS]
    names = {"scenario": "ไฟล์สถานการณ์", "runs": "จำนวนรอบจำลอง", "seed": "เมล็ดสุ่ม",
             "executor": "วิธีประมวลผล", "days": "จำนวนวันของฤดูกาล",
             "seconds": "เวลาที่ใช้ (วินาที)"}  # fmt: skip
    thai_settings = {names.get(k, k): v for k, v in settings.items()}
    policies = ", ".join(str(i18n.policy_row(r, "th")["policy"]) for r in rows)
    narrative = (
        f"จำลองฤดูกาล {settings['days']} วัน จำนวน {settings['runs']} รอบ (เมล็ดสุ่ม "
        f"{settings['seed']}) เปรียบเทียบนโยบาย: {policies} ตารางแสดงค่าเฉลี่ยของทุกรอบ "
        "เงินเป็นบาท วันที่ขาดเงินนับจากสหกรณ์ที่ขาดมากที่สุด"
    )
    shown = [i18n.policy_row(r, "th") for r in rows]
    return html_report(scenario, shown, thai_settings, chart, bought, columns=columns,
                       narrative=narrative)  # fmt: skip


def _check_dask(executor: ExecutorChoice, address: str | None) -> None:
    """Dask options: the extra is installed, the address is well formed and needs dask."""
    if executor == ExecutorChoice.DASK and importlib.util.find_spec("distributed") is None:
        fail("--executor", ["dask needs the optional extra: pip install 'coopmatch[dask]'"])
    if address is None:
        return
    if executor != ExecutorChoice.DASK:
        fail("--dask-address", ["ใช้ได้กับ --executor dask เท่านั้น / only with --executor dask"])
    why = check_dask_address(address)
    if why is not None:
        fail("--dask-address", [f"รูปแบบที่อยู่ไม่ถูกต้อง / bad address {address!r}: {why}"])


def _chart(title: str, rows: list[dict[str, Cell]]) -> bytes | None:
    if importlib.util.find_spec("matplotlib") is None:
        return None
    from scenarios.sim.charts import summary_chart

    return summary_chart(title, rows)


def _table(title_th: str, title_en: str, rows: list[dict[str, Cell]]) -> Table:
    table = Table(title=f"{title_th}\n{title_en}", show_lines=False)
    shown = [(k, label) for k, label in SUMMARY_COLUMNS if not k.endswith("tier")]
    for key, label in shown:
        if key == "policy":
            table.add_column(label, no_wrap=True)
        else:
            table.add_column(label, justify="right", overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row[key]) for key, _ in shown))
    return table


def _purchase_table(rows: list[dict[str, Cell]]) -> Table:
    """Joint purchases over the season: the saving together beside buying alone."""
    table = Table(title="จัดซื้อร่วมตลอดฤดู / Joint purchasing over the season")
    for key, label in PURCHASE_COLUMNS:
        table.add_column(label, justify="left" if key in ("product", "served") else "right")
    for row in rows:
        table.add_row(*(_cell(row[key]) for key, _ in PURCHASE_COLUMNS))
    return table


def _cell(value: Cell) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def _columns(rows: list[dict[str, Cell]]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        cols += [k for k in row if k not in cols]
    return cols


def _write_outputs(
    out: Path,
    summary: list[dict[str, Cell]],
    coops: list[dict[str, Cell]],
    seasons: list[dict[str, Cell]],
    purchases: list[dict[str, Cell]] | None = None,
) -> None:
    """The three tables as CSV (keys as headers, values as computed) and as one workbook for
    people (Thai headers, baht, percentages), every file 0644 and free of formulas."""
    out.mkdir(parents=True, exist_ok=True)
    tables = [("summary", summary), ("coops", coops), ("seasons", seasons)]
    if purchases:
        tables.append(("purchases", purchases))
    sheets = []
    for name, rows in tables:
        cols = _columns(rows)
        body = [[row.get(c, 0) for c in cols] for row in rows]
        write_file(out / f"{name}.csv", plain_csv_bytes(cols, body))
        sheets.append(sim_sheet(name, cols, rows))
    write_file(out / "simulation.xlsx", xlsx_bytes(sheets, lang="th"))
