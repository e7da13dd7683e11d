"""``coopmatch plan funding SCENARIO.yaml``: size the joint fund and standby credit lines.

Samples ``--runs`` seasons (process pool, serial or Dask) with a progress bar, solves the
chance-constrained plan for ``--target`` (share of season days with every urgent need
covered), compares it with simple rules, checks it on fresh seeds through the simulator,
and prints Thai and English tables; ``--out DIR`` writes ``funding.json`` and
``funding.png``. Bad input (target outside (0, 1], unknown source or network, a scenario
without uncertainty, a negative cost in the file) names the field and exits 2.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, fail, progress_bar
from api.cli.simulate import ExecutorChoice, _check_dask
from api.files import write_bytes_atomic
from matcher.errors import InputError
from scenarios.funding.report import funding_json
from scenarios.funding.run import FundingReport, PlanInputError, plan_funding
from scenarios.sim.dask_runner import DaskUnavailableError
from scenarios.sim.loader import ScenarioError, load_scenario
from scenarios.sim.montecarlo import Executor, with_days

plan_app = typer.Typer(help="วางแผนก่อนฤดู / plan before the season.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``plan`` group with its ``funding`` command to ``app``."""
    app.add_typer(plan_app, name="plan")


def _baht(satang: float) -> str:
    return f"{satang / 100:,.0f}"


@plan_app.command(
    "funding", help="ขนาดกองทุนร่วมและวงเงินสำรอง / size the joint fund and standby lines."
)
def funding(
    scenario_file: Annotated[Path, typer.Argument(metavar="SCENARIO.yaml")],
    target: Annotated[float, typer.Option("--target", help="share of days served, (0, 1]")] = 0.95,
    runs: Annotated[int, typer.Option("--runs", min=1, help="sampled seasons")] = 200,
    seed: Annotated[int, typer.Option("--seed", min=0, help="root seed")] = 1,
    check_runs: Annotated[
        int | None, typer.Option("--check-runs", min=0, help="fresh seasons (default ≤ 200)")
    ] = None,
    source: Annotated[list[str] | None, typer.Option("--source", help="use only these")] = None,
    network: Annotated[list[str] | None, typer.Option("--network", help="plan these")] = None,
    executor: Annotated[ExecutorChoice, typer.Option("--executor")] = ExecutorChoice.PROCESS,
    workers: Annotated[int | None, typer.Option("--workers", min=1)] = None,
    days: Annotated[int | None, typer.Option("--days", min=1, help="shorter season")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="folder for JSON and PNG")] = None,
    dask_address: Annotated[str | None, typer.Option("--dask-address")] = None,
) -> None:
    """Plan the season's joint fund and standby credit lines for a service target."""
    if not 0 < target <= 1:
        fail("--target", [f"ต้องอยู่ในช่วง (0, 1] / must be in (0, 1], got {target}"])
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as exc:
        fail(exc.source, [str(i) for i in exc.issues])
    _check_dask(executor, dask_address)
    if days is not None:
        scenario = with_days(scenario, days)
    with progress_bar() as bar:
        tasks: dict[str, object] = {}

        def tell(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                label = "สุ่มฤดู / sampling" if phase == "sample" else "ทดสอบนอกตัวอย่าง / checking"
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done)  # type: ignore[arg-type]

        try:
            report = plan_funding(
                scenario,
                round(target * 10_000),
                runs,
                seed,
                check_runs=check_runs,
                sources=source,
                networks=network,
                executor=Executor(executor.value),
                workers=workers,
                progress=tell,
                dask_address=dask_address,
            )
        except (PlanInputError, InputError) as exc:
            fail(str(scenario_file), [str(i) for i in exc.issues])
        except DaskUnavailableError as exc:
            fail("--dask-address", [f"ติดต่อ Dask ไม่ได้ / {exc}"])
    _print(report)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(out / "funding.json", funding_json(report).encode("utf-8"))
        wrote = ["funding.json"]
        if importlib.util.find_spec("matplotlib") is not None:
            from scenarios.funding.charts import funding_chart

            write_bytes_atomic(out / "funding.png", funding_chart(report))
            wrote.append("funding.png")
        console.print(f"wrote {', '.join(str(out / w) for w in wrote)}")


def _print(report: FundingReport) -> None:
    plan, nets = report.plan, report.problem.networks
    sizes = Table(title="ขนาดที่แนะนำ / recommended sizes")
    sizes.add_column("เครือข่าย / network")
    sizes.add_column("แหล่งเงิน / source")
    sizes.add_column("บาท / baht", justify="right")
    sizes.add_column("มูลค่าส่วนเพิ่ม / marginal value", justify="right")
    for n in nets:
        sizes.add_row(n, "กองทุนร่วม / joint fund", _baht(plan.fund_satang[n]), "")
        for s in report.sources:
            if (s.id, n) in plan.lines_satang:
                v = next(x for x in plan.source_values if x.source == s.id)
                sizes.add_row(
                    n,
                    f"{s.name_th} / {s.name_en}",
                    _baht(plan.lines_satang[s.id, n]),
                    f"{v.limit_dual * 1000:.2f} per 1,000 (limit) · "
                    f"{v.reduced_cost.get(n, 0.0) * 1000:.2f} (reduced cost)",
                )
    console.print(sizes)
    comp = Table(title="เทียบกับกฎง่าย ๆ / compared with simple rules")
    for col in (
        "ทางเลือก / option",
        "เงินสำรอง / buffer",
        "ต้นทุน/ฤดู / cost per season",
        "ในตัวอย่าง / in-sample",
        "นอกตัวอย่าง / out-of-sample",
    ):
        comp.add_column(col, justify="right")
    oos = ", ".join(f"{v / 100:.1f} %" for v in report.out_of_sample_bps.values())
    comp.add_row(
        "plan",
        _baht(sum(plan.capacity_satang(n) for n in nets)),
        _baht(plan.cost_satang),
        ", ".join(f"{plan.service_bps[n] / 100:.1f} %" for n in nets),
        oos or "-",
    )
    for r in report.rules:
        comp.add_row(
            r.name,
            _baht(sum(r.fund_satang.values())),
            _baht(r.cost_satang),
            ", ".join(f"{r.service_bps[n] / 100:.1f} %" for n in nets),
            "-",
        )
    console.print(comp)
    console.print(
        f"{report.runs} seasons sampled in {report.sampling_s:.1f} s, "
        f"{report.out_of_sample_runs} fresh seasons checked in {report.checking_s:.1f} s; "
        f"LP {plan.variables} variables, {plan.constraints} constraints, "
        f"{plan.cut_rounds} rounds, {plan.solve_ms} ms ({plan.solver}); "
        f"one more baht of buffer costs "
        + ", ".join(f"{plan.capacity_dual[n]:.5f} baht ({n})" for n in nets)
    )
