"""``coopmatch match purchase NEEDS_OFFERS.json``: joint purchasing (การจัดซื้อร่วม).

Reads buyers' needs and suppliers' offers, pools the needs into buying groups that reach
lower volume tiers, prints the groups, each need's outcome and the saving against every
coop buying alone, and writes the result file with ``--out``. Bad input exits with code 2,
names the field in Thai and English and writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.purchase import PurchaseIn, to_problem, to_public
from matcher.money import format_baht
from matcher.purchase import reasons
from matcher.purchase.model import PurchaseResult
from matcher.purchase.solver import solve_purchase

TABLE_ROWS = 50


def register(match_app: typer.Typer) -> None:
    """Add the ``purchase`` command to the ``match`` group."""
    match_app.command("purchase", help="จัดซื้อร่วม / joint purchasing by volume tiers.")(purchase)


def purchase(
    needs_offers: Annotated[Path, typer.Argument(help="NEEDS_OFFERS.json: needs and offers")],
    out: Annotated[
        Path | None, typer.Option("--out", help="RESULT.json to write (canonical JSON)")
    ] = None,
) -> None:
    """Solve the joint purchase of NEEDS_OFFERS.json and report groups and savings."""
    data = parse_model(PurchaseIn, needs_offers)
    problem = to_problem(data)
    result = run_domain(needs_offers, lambda: solve_purchase(problem, time.perf_counter_ns))
    console.print(_group_table(result))
    console.print(_need_table(result))
    for line in summary(result):
        console.print(line, highlight=False)
    if out is not None:
        write_atomic(out, dumps_canonical(to_public(result).model_dump(mode="json")))
        console.print(f"บันทึกผลแล้ว / written: {out}", highlight=False)


def _group_table(r: PurchaseResult) -> Table:
    table = Table(title="กลุ่มจัดซื้อร่วม / Buying groups")
    for head in (
        "ผู้ขาย / Offer",
        "สินค้า / Product",
        "ปริมาณ / Volume",
        "ขั้นราคา / Tier",
        "ราคา / Price (฿)",
        "ประหยัด / Saving (฿)",
        "ซื้อคนเดียว / Alone (฿)",
        "สมาชิก / Members",
    ):
        table.add_column(head, justify="right" if "฿" in head or "Volume" in head else "left")
    for g in r.groups:
        table.add_row(
            g.offer_id,
            g.product,
            f"{g.volume:,}",
            str(g.tier + 1),
            format_baht(g.unit_price_satang),
            format_baht(g.saving_satang),
            format_baht(g.alone_saving_satang),
            str(len(g.members)),
        )
    return table


def _need_table(r: PurchaseResult) -> Table:
    table = Table(title="ผลต่อรายการ / Per need")
    table.add_column("รายการ / Need")
    table.add_column("ผู้ซื้อ / Buyer")
    table.add_column("ผู้ขาย / Offer")
    table.add_column("ประหยัด / Saving (฿)", justify="right")
    table.add_column("ซื้อคนเดียว / Alone (฿)", justify="right")
    table.add_column("เหตุผล / Reason")
    for e in r.explanations[:TABLE_ROWS]:
        table.add_row(
            e.need_id,
            e.buyer,
            e.offer_id or "-",
            format_baht(e.saving_satang),
            format_baht(e.alone_saving_satang),
            " / ".join(reasons.TEXT[e.reasons[-1]]),
        )
    hidden = len(r.explanations) - TABLE_ROWS
    if hidden > 0:
        table.caption = f"… และอีก {hidden:,} รายการ / and {hidden:,} more in the result file"
    return table


def summary(r: PurchaseResult) -> list[str]:
    """Summary lines: status, saving, the buy-alone baseline side by side, timing."""
    o = r.objective
    gap = "-" if r.gap_bps is None else f"{r.gap_bps} bps"
    lines = [
        f"สถานะ / status: {r.status.value} · ช่องว่างที่พิสูจน์ / proven gap {gap}"
        f" · เวลา / solve {r.timings.total_ms} ms · แบ่งส่วนประหยัด / sharing {r.sharing.value}",
        f"ประหยัดรวมเมื่อซื้อร่วม / saving buying together: {format_baht(o.saving_satang)} ฿"
        f" · ต่างคนต่างซื้อ / every coop buying alone: {format_baht(o.alone_saving_satang)} ฿"
        f" · ส่วนเพิ่ม / gain {format_baht(o.saving_satang - o.alone_saving_satang)} ฿",
        f"ปริมาณที่ได้ / units served {o.units_served:,} of {o.units_needed:,}"
        f" · ค่าสินค้า / goods {format_baht(o.goods_satang)} ฿"
        f" · ค่าขนส่ง / delivery {format_baht(o.delivery_satang)} ฿",
    ]
    lines.extend(f"หมายเหตุ / note: {note}" for note in r.notes)
    return lines
