"""``coopmatch match setoff OBLIGATIONS.json``: debt set-off between coops (หักกลบลบหนี้).

Reads the obligations, cancels as much debt as possible without changing any coop's net
position, prints the notices and a summary, and writes the result file with ``--out``.
Bad input exits with code 2, names the field and writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.setoff import SetoffIn, to_problem, to_public
from matcher.money import format_baht, format_bps_percent, ratio_bps
from matcher.setoff.model import SetoffResult
from matcher.setoff.solver import solve_setoff

TABLE_ROWS = 50
"""Notices printed on screen; the result file always holds every notice."""


def register(match_app: typer.Typer) -> None:
    """Add the ``setoff`` command to the ``match`` group."""
    match_app.command("setoff", help="หักกลบลบหนี้ระหว่างสหกรณ์ / debt set-off between coops.")(setoff)


def setoff(
    obligations: Annotated[
        Path, typer.Argument(help="OBLIGATIONS.json: coops, obligations, sources")
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="RESULT.json to write (canonical JSON)")
    ] = None,
) -> None:
    """Solve the set-off of OBLIGATIONS.json and report the notices."""
    data = parse_model(SetoffIn, obligations)
    problem = to_problem(data)
    result = run_domain(obligations, lambda: solve_setoff(problem, time.perf_counter_ns))
    names = {c.id: c.name_th for c in data.coops}
    console.print(_notice_table(result, names))
    for line in _summary(result):
        console.print(line, highlight=False)
    if out is not None:
        write_atomic(out, dumps_canonical(to_public(result).model_dump(mode="json")))
        console.print(f"บันทึกผลแล้ว / written: {out}", highlight=False)


def _notice_table(result: SetoffResult, names: dict[str, str]) -> Table:
    """The first notices as a Rich table with Thai and English headers."""
    table = Table(title="ใบแจ้งหักกลบลบหนี้ / Set-off notices")
    table.add_column("เลขที่หนี้ / Obligation")
    table.add_column("ลูกหนี้ / Debtor")
    table.add_column("เจ้าหนี้ / Creditor")
    table.add_column("ยอดหนี้ / Amount (฿)", justify="right")
    table.add_column("หักกลบ / Set off (฿)", justify="right")
    table.add_column("คงเหลือ / Remaining (฿)", justify="right")
    table.add_column("ครบกำหนด / Due")
    for n in result.notices[:TABLE_ROWS]:
        table.add_row(
            n.obligation_id,
            f"{names.get(n.debtor, n.debtor)} ({n.debtor})",
            f"{names.get(n.creditor, n.creditor)} ({n.creditor})",
            format_baht(n.amount_satang),
            format_baht(n.set_off_satang),
            format_baht(n.remaining_satang),
            n.due_date.isoformat() if n.due_date else "-",
        )
    hidden = len(result.notices) - TABLE_ROWS
    if hidden > 0:
        table.caption = f"… และอีก {hidden:,} รายการ / and {hidden:,} more in the result file"
    return table


def _summary(result: SetoffResult) -> list[str]:
    """Summary lines: totals, the bilateral baseline, timing and the injection analysis."""
    t, inj = result.totals, result.injection
    bilateral_bps = ratio_bps(t.bilateral_cleared_satang, t.gross_satang)
    lines = [
        f"สถานะ / status: {result.status.value} · หนี้รวม / gross {format_baht(t.gross_satang)} ฿"
        f" · หักกลบได้ / cleared {format_baht(t.cleared_satang)} ฿"
        f" ({format_bps_percent(t.cleared_share_bps)})"
        f" · หนี้สุทธิขั้นต่ำ / net internal {format_baht(t.net_internal_satang)} ฿"
        f" · เวลา / solve {result.timings.total_ms} ms",
        f"เทียบหักกลบสองฝ่าย / vs bilateral netting only: "
        f"{format_baht(t.bilateral_cleared_satang)} ฿ ({format_bps_percent(bilateral_bps)})",
        f"เงินสดที่ทำให้ชำระหนี้ได้ทั้งหมด / cash that settles everything: "
        f"{format_baht(inj.settle_all_satang)} ฿ · มีแหล่งเงิน / available "
        f"{format_baht(inj.available_satang)} ฿"
        f" · ขาด / shortfall {format_baht(inj.shortfall_satang)} ฿",
    ]
    if inj.draws:
        mix = ", ".join(
            f"{d.source_id} {format_baht(d.amount_satang)} ฿ @ {format_bps_percent(d.rate_bps)}"
            for d in inj.draws
        )
        lines.append(
            f"แหล่งเงินที่ถูกที่สุด / cheapest mix: {mix}"
            f" · ดอกเบี้ยต่อปี / yearly interest {format_baht(inj.annual_cost_satang)} ฿"
        )
    curve = " · ".join(
        f"{format_baht(p.cash_satang)} → {format_bps_percent(p.cleared_share_bps)}"
        for p in inj.curve
    )
    lines.append(f"เงินสดที่อัดฉีด → สัดส่วนหนี้ที่ชำระ / injected cash → share cleared: {curve}")
    lines.extend(f"หมายเหตุ / note: {note}" for note in result.notes)
    return lines
