"""``coopmatch stress``: who falls if a coop stops paying, on a simulated day or the database.

With ``SCENARIO.yaml`` the ledger is the scenario's season at the end of ``--day``
(:mod:`scenarios.funding.stress_day`); with ``--db`` it is the database ledger
(:mod:`api.services.stress_ledger`). Shocks: ``--default COOP`` (stops paying; repeat) and
``--group ID --price-fall 0.4`` (a group or network loses that share of liquid funds).
Prints the Thai/English table of losses, reserves, rounds and concentration;
``--out DIR`` writes ``stress.json`` and ``stress.png`` (with the network map on a
scenario). Bad input names the field and exits 2.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, fail
from api.files import write_bytes_atomic
from matcher.errors import InputError
from matcher.money import format_baht
from matcher.stress.model import Shock, StressProblem, StressResult
from matcher.stress.run import run_stress
from scenarios.funding.report import stress_json
from scenarios.funding.run import PlanInputError
from scenarios.funding.stress_day import group_members, shocks_for, simulated_ledger
from scenarios.sim.loader import ScenarioError, load_scenario


def register(app: typer.Typer) -> None:
    """Add the ``stress`` command to ``app``."""
    app.command("stress", help="ทดสอบภาวะวิกฤต / who falls if a coop stops paying (Eisenberg–Noe).")(
        stress
    )


def stress(
    scenario_file: Annotated[
        Path | None, typer.Argument(metavar="[SCENARIO.yaml]", help="omit with --db")
    ] = None,
    db: Annotated[bool, typer.Option("--db", help="use the database ledger")] = False,
    day: Annotated[int, typer.Option("--day", min=0, help="simulated day")] = 60,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 1,
    default: Annotated[list[str] | None, typer.Option("--default", help="coop that stops")] = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="group or network")] = None,
    price_fall: Annotated[float, typer.Option("--price-fall", help="share lost, [0, 1]")] = 0.4,
    top: Annotated[int, typer.Option("--top", min=1, help="rows shown")] = 20,
    out: Annotated[Path | None, typer.Option("--out", help="folder for JSON and PNG")] = None,
) -> None:
    """Default one coop (or shock a group) and clear the ledger."""
    if (scenario_file is None) == (not db):
        fail("SCENARIO.yaml", ["ระบุไฟล์ฉากทัศน์หรือ --db อย่างใดอย่างหนึ่ง / give a scenario or --db"])
    coords: dict[str, tuple[float, float]] | None = None
    try:
        if scenario_file is not None:
            scenario = load_scenario(scenario_file)
            positions, claims = simulated_ledger(scenario, seed, day)
            members = {g: group_members(scenario, g) for g in group or []}
            coords = {
                c.id: (c.lat_e5 / 1e5, c.lon_e5 / 1e5)
                for c in scenario.coops
                if c.lat_e5 is not None and c.lon_e5 is not None
            }
            title = (
                f"{scenario.spec.name_th} วันที่ {day}",
                f"{scenario.spec.name_en}, day {day}",
            )
        else:
            from api.cli.db import open_engine
            from api.services.stress_ledger import (
                coop_coordinates,
                ledger_from_db,
                network_members_db,
            )

            engine = open_engine()
            positions, claims = ledger_from_db(engine)
            members = network_members_db(engine)
            coords = coop_coordinates(engine)
            title = ("บัญชีในฐานข้อมูล", "database ledger")
        known = {p.coop_id for p in positions}
        shocks = shocks_for(
            known, members, list(default or []), list(group or []), round(price_fall * 10_000)
        )
        result = run_stress(StressProblem(positions, claims, shocks), _importance(shocks))
    except ScenarioError as exc:
        fail(exc.source, [str(i) for i in exc.issues])
    except (PlanInputError, InputError) as exc:
        fail("stress", [str(i) for i in exc.issues])
    _print(" / ".join(title), result, [s.coop_id for s in shocks], top)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        names = [s.coop_id for s in shocks]
        write_bytes_atomic(out / "stress.json", stress_json(result, names).encode("utf-8"))
        wrote = ["stress.json"]
        if importlib.util.find_spec("matplotlib") is not None:
            from scenarios.funding.charts import stress_chart

            write_bytes_atomic(out / "stress.png", stress_chart(title, result, coords))
            wrote.append("stress.png")
        console.print(f"wrote {', '.join(str(out / w) for w in wrote)}")


def _importance(shocks: tuple[Shock, ...]) -> tuple[str, ...]:
    """DebtRank of each shocked coop alone (its systemic importance)."""
    return tuple(s.coop_id for s in shocks)


def _print(title: str, result: StressResult, shocked: list[str], top: int) -> None:
    table = Table(title=f"{title}\nผิดนัด / shocked: {', '.join(shocked)}")
    for col in (
        "สหกรณ์ / coop",
        "เสียหาย / loss",
        "ทุนสำรอง / reserve",
        "สภาพคล่อง / liquid",
        "ทุนสำรองแตก / reserve broken",
        "รอบ / round",
        "ลูกหนี้ใหญ่สุด / largest borrower",
    ):
        table.add_column(col, justify="right")
    rows = sorted(result.outcomes, key=lambda o: (-o.loss_satang, o.coop_id))[:top]
    for o in rows:
        table.add_row(
            o.coop_id,
            format_baht(o.loss_satang),
            format_baht(o.reserve_satang),
            format_baht(o.liquid_satang),
            "ใช่ / yes" if o.reserve_broken else "-",
            "-" if o.default_round is None else str(o.default_round),
            f"{o.largest_borrower} {o.largest_exposure_bps / 100:.0f} %"
            if o.largest_borrower
            else "-",
        )
    console.print(table)
    broken = [o.coop_id for o in result.outcomes if o.reserve_broken]
    named = f" ({', '.join(broken[:10])}{' …' if len(broken) > 10 else ''})" if broken else ""
    console.print(
        f"ทุนสำรองแตก / reserves broken: {len(broken)}{named}; รอบการลุกลาม / rounds of contagion: "
        f"{result.rounds}; DebtRank {result.debtrank:.4f}; "
        + "; ".join(f"{k} alone {v:.4f}" for k, v in sorted(result.importance.items()))
    )
