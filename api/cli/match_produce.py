"""``coopmatch match produce PROBLEM.json``: surplus produce matching (ระบายสินค้า).

Reads the round, matches stock lots to purchase orders most local network first, prints the
matches and a summary beside the greedy baseline (nearest buyer first, first come first
served), and writes the result file with ``--out``. Bad input exits with code 2, names the
field and writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.produce import ProduceIn, to_problem, to_public
from matcher.money import format_baht
from matcher.produce import reasons
from matcher.produce.greedy import GreedyOutcome, solve_greedy
from matcher.produce.model import ProduceResult
from matcher.produce.solver import solve_produce

TABLE_ROWS = 50
"""Matches printed on screen; the result file always holds every match."""


def register(match_app: typer.Typer) -> None:
    """Add the ``produce`` command to the ``match`` group."""
    match_app.command("produce", help="จับคู่ระบายสินค้าเกษตรระหว่างสหกรณ์ / surplus produce matching.")(
        produce
    )


def produce(
    problem_file: Annotated[
        Path,
        typer.Argument(metavar="PROBLEM.json", help="coops, networks, lots, orders, transport"),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="RESULT.json to write (canonical JSON)")
    ] = None,
) -> None:
    """Match the surplus stock of PROBLEM.json to purchase orders and report."""
    data = parse_model(ProduceIn, problem_file)
    problem = to_problem(data)
    result = run_domain(problem_file, lambda: solve_produce(problem, time.perf_counter_ns))
    greedy = solve_greedy(problem)
    names = {c.id: c.name_th for c in data.coops}
    console.print(_match_table(result, names))
    console.print(_unsold_table(result))
    for line in _summary(result, greedy):
        console.print(line, highlight=False)
    if out is not None:
        write_atomic(out, dumps_canonical(to_public(result, greedy).model_dump(mode="json")))
        console.print(f"บันทึกผลแล้ว / written: {out}", highlight=False)


def _match_table(result: ProduceResult, names: dict[str, str]) -> Table:
    table = Table(title="รายการจับคู่ระบายสินค้า / Produce matches")
    for header, right in (
        ("ล็อต / Lot", False),
        ("ผู้ขาย / Seller", False),
        ("ผู้ซื้อ / Buyer", False),
        ("สินค้า-เกรด / Product-grade", False),
        ("จำนวน / Qty", True),
        ("ราคา/หน่วย / Price (฿)", True),
        ("ระยะทาง / km", True),
        ("ค่าขนส่ง / Transport (฿)", True),
        ("ระดับ / Tier", False),
    ):
        table.add_column(header, justify="right" if right else "left")
    for m in result.matches[:TABLE_ROWS]:
        table.add_row(
            f"{m.source_id} → {m.target_id}",
            names.get(m.seller, m.seller),
            names.get(m.buyer, m.buyer),
            f"{m.product} {m.grade}",
            f"{m.quantity:,}",
            format_baht(m.price_satang_per_unit),
            f"{m.distance_m / 1000:.1f}",
            format_baht(m.transport_satang),
            f"{m.tier} ({m.network_id})",
        )
    hidden = len(result.matches) - TABLE_ROWS
    if hidden > 0:
        table.caption = f"… และอีก {hidden:,} รายการ / and {hidden:,} more in the result file"
    return table


def _unsold_table(result: ProduceResult) -> Table:
    table = Table(title="ที่ยังไม่ได้จับคู่ / Not matched in full")
    table.add_column("รายการ / Item")
    table.add_column("จับคู่ได้ / Matched", justify="right")
    table.add_column("เหตุผล / Reason")
    open_items = [x for x in result.explanations if x.matched < x.quantity]
    for x in open_items[:TABLE_ROWS]:
        why = "; ".join(f"{reasons.TEXT[c][0]} / {reasons.TEXT[c][1]}" for c in x.reasons)
        table.add_row(f"{x.side} {x.order_id} ({x.coop_id})", f"{x.matched:,}/{x.quantity:,}", why)
    return table


def _summary(result: ProduceResult, greedy: GreedyOutcome) -> list[str]:
    o = result.objective
    lines = [
        f"สถานะ / status: {result.status.value} · นโยบาย / policy: {result.policy.value}"
        f" · กติการาคา / price rule: {result.price_rule.value} · เวลา / solve"
        f" {result.timings.total_ms} ms",
        f"ส่วนเกินจากการค้า / gains from trade: {format_baht(o.gains_satang)} ฿"
        f" (ระบบเดิม / greedy: {format_baht(greedy.gains_satang)} ฿)",
        f"ค่าขนส่ง / transport: {format_baht(o.transport_satang)} ฿"
        f" (greedy: {format_baht(greedy.transport_satang)} ฿)"
        f" · สินค้าเสื่อม / spoilage: {format_baht(o.spoilage_satang)} ฿"
        f" · รถบรรทุก / trucks: {format_baht(o.truck_satang)} ฿",
        f"ขายได้ / sold: {o.units_sold:,} of {o.units_offered:,} units"
        f" (greedy: {greedy.units_sold:,})",
    ]
    lines.extend(
        f"มูลค่าเงา / shadow value: {v.product} {v.grade} @ {v.network_id} ({v.tier}):"
        f" +1 หน่วย / one more unit = {format_baht(v.satang_per_unit)} ฿ (lot {v.lot_id})"
        for v in result.shadow_values[:TABLE_ROWS]
    )
    lines.extend(f"หมายเหตุ / note: {note}" for note in result.notes)
    return lines
