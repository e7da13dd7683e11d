"""``coopmatch round PROBLEM.json``: the combined daily round from a file, and the group.

The ``round`` group holds two commands: ``solve`` (this module: set-off, lending on the
needs set-off shrank, produce matching and sales on credit, from one JSON file) and ``run``
(:mod:`api.cli.round_run`: the liquidity round on the database). :class:`RoundGroup` makes
``solve`` the default, so ``coopmatch round PROBLEM.json`` means
``coopmatch round solve PROBLEM.json`` while ``coopmatch round run --network …`` still
runs ``run``. Bad input exits with code 2, names the field and writes nothing.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from api.cli import round_run
from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.round import RoundIn, result_to_json_doc, to_problem
from matcher.domain import NetworkLevel
from matcher.money import format_baht, format_bps_percent
from matcher.produce import reasons as produce_reasons
from matcher.results import FillState
from matcher.round.combined import solve_round
from matcher.round.model import RoundResult, TierTotal

TABLE_ROWS = 40
"""Rows printed per table; the result file always holds everything."""
DEFAULT_COMMAND = "solve"


class RoundGroup(TyperGroup):
    """A group whose first argument falls back to ``solve`` when it names no sub-command."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Prepend ``solve`` unless the first argument is a sub-command or a help flag."""
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    """Create the ``round`` group on ``app`` with ``solve`` (default) and ``run``."""
    round_app = typer.Typer(
        cls=RoundGroup,
        help="รอบการจับคู่ / matching rounds: `round PROBLEM.json` or `round run --network …`",
        no_args_is_help=True,
    )
    round_app.command(
        DEFAULT_COMMAND,
        help="รอบรวมจากไฟล์ / combined round from a file: set-off, loans, produce, credit sales.",
    )(solve)
    round_run.register_round(round_app)
    app.add_typer(round_app, name="round")


def solve(
    problem_file: Annotated[
        Path,
        typer.Argument(metavar="PROBLEM.json", help="business date, coops, obligations, orders"),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="RESULT.json to write (canonical JSON)")
    ] = None,
) -> None:
    """Run the combined round of PROBLEM.json and print the report."""
    data = parse_model(RoundIn, problem_file)
    problem = run_domain(problem_file, lambda: to_problem(data))
    result = run_domain(problem_file, lambda: solve_round(problem, time.perf_counter_ns))
    names = {c.id: c.name_th for c in data.coops}
    console.print(_summary_table(result))
    console.print(_tier_table(result))
    console.print(_needs_table(result, names))
    if result.new_obligations:
        console.print(_obligations_table(result, names))
    for line in _explanations(result):
        console.print(line, markup=False, highlight=False)
    if out is not None:
        write_atomic(out, dumps_canonical(result_to_json_doc(result)))
        console.print(f"บันทึกผลแล้ว / written: {out}", highlight=False)


def _summary_table(r: RoundResult) -> Table:
    """Headline figures of the round, Thai and English labels."""
    s = r.summary
    table = Table(title=f"รอบรวมประจำวัน / Combined round {r.business_date.isoformat()}")
    table.add_column("รายการ / Item")
    table.add_column("ค่า / Value", justify="right")
    rows = [
        ("สถานะ / status", r.status.value),
        ("หนี้รวม / gross debt (฿)", format_baht(s.debt_gross_satang)),
        (
            "หักกลบลบหนี้ได้ / debt cleared by set-off (฿)",
            f"{format_baht(s.debt_cleared_satang)} ({format_bps_percent(s.cleared_share_bps)})",
        ),
        ("เงินสดที่ต้องใช้ชำระหนี้ที่เหลือ / cash needed to settle the rest (฿)",
         format_baht(s.cash_needed_satang)),
        ("ความต้องการเงินกู้ที่ยื่น / loan needs posted (฿)", format_baht(s.needs_posted_satang)),
        (
            "ลดลงด้วยการหักกลบ / needs shrunk by set-off (฿)",
            f"{format_baht(s.needs_shrunk_satang)} · ครบทั้งรายการ / fully covered "
            f"{s.needs_covered_count}",
        ),
        ("สินเชื่อที่เสนอ / loans proposed", f"{s.loan_count} · {format_baht(s.loans_satang)} ฿"),
        ("การขายผลผลิต / produce sales", f"{s.sale_count} · {format_baht(s.sales_satang)} ฿"),
        (
            "หนี้ใหม่จากการขายเชื่อ / new obligations from credit sales",
            f"{s.new_obligation_count} · {format_baht(s.new_obligations_satang)} ฿",
        ),
    ]  # fmt: skip
    for label, value in rows:
        table.add_row(label, value)
    return table


def _tier_table(r: RoundResult) -> Table:
    """Loans and sales per tier of the network tree."""
    table = Table(title="ตามระดับเครือข่าย / By tier")
    for header in ("ระดับ / Tier", "สินเชื่อ / Loans", "฿", "การขาย / Sales", "฿"):
        table.add_column(header, justify="left" if header.startswith("ระดับ") else "right")
    loans = {t.tier: t for t in r.summary.loans_by_tier}
    sales = {t.tier: t for t in r.summary.sales_by_tier}
    rank = {level.name.lower(): int(level) for level in NetworkLevel}
    for tier in sorted(loans.keys() | sales.keys(), key=lambda t: (rank.get(t, len(rank)), t)):
        lo, sa = loans.get(tier, TierTotal(tier, 0, 0)), sales.get(tier, TierTotal(tier, 0, 0))
        table.add_row(
            tier,
            str(lo.count),
            format_baht(lo.amount_satang),
            str(sa.count),
            format_baht(sa.amount_satang),
        )
    return table


def _needs_table(r: RoundResult, names: dict[str, str]) -> Table:
    """Each need: as posted, covered by set-off, sent to lending, lent."""
    lent: dict[str, int] = {}
    for p in r.liquidity.proposals:
        lent[p.need_id] = lent.get(p.need_id, 0) + p.amount_satang
    table = Table(title="ความต้องการเงินกู้หลังหักกลบ / Needs after set-off")
    for header in ("ความต้องการ / Need", "ผู้กู้ / Borrower"):
        table.add_column(header)
    for header in ("ยื่น / Posted", "หักกลบ / Set-off", "ส่งกู้ / To lending", "ได้กู้ / Lent"):
        table.add_column(f"{header} (฿)", justify="right")
    for c in r.need_changes[:TABLE_ROWS]:
        table.add_row(
            c.need_id,
            f"{names.get(c.borrower, c.borrower)} ({c.borrower})",
            format_baht(c.amount_satang),
            format_baht(c.relief_satang),
            "ครบด้วยหักกลบ / covered" if c.covered_by_setoff else format_baht(c.new_amount_satang),
            format_baht(lent.get(c.need_id, 0)),
        )
    return table


def _obligations_table(r: RoundResult, names: dict[str, str]) -> Table:
    """Credit sales that become obligations of the next round."""
    table = Table(title="หนี้ใหม่จากการขายเชื่อ / New obligations from sales on credit")
    for header in ("เลขที่ / Id", "ลูกหนี้ / Debtor", "เจ้าหนี้ / Creditor"):
        table.add_column(header)
    table.add_column("ยอด / Amount (฿)", justify="right")
    table.add_column("ครบกำหนด / Due")
    for o in r.new_obligations[:TABLE_ROWS]:
        table.add_row(
            o.id,
            f"{names.get(o.debtor, o.debtor)} ({o.debtor})",
            f"{names.get(o.creditor, o.creditor)} ({o.creditor})",
            format_baht(o.amount_satang),
            o.due_date.isoformat() if o.due_date else "-",
        )
    hidden = len(r.new_obligations) - TABLE_ROWS
    if hidden > 0:
        table.caption = f"… และอีก {hidden:,} รายการ / and {hidden:,} more in the result file"
    return table


def _explanations(r: RoundResult) -> list[str]:
    """Why needs, lots and orders were not fully filled, and the parts' notes."""
    lines = []
    for e in r.liquidity.explanations:
        if e.side == "need" and e.state != FillState.FILLED:
            lines.append(f"{e.order_id} ({e.state.value}): {', '.join(e.reasons)} — {e.detail}")
    if r.produce is not None:
        for x in r.produce.explanations:
            if x.state != FillState.FILLED:
                text = "; ".join(
                    f"{produce_reasons.TEXT[c][0]} / {produce_reasons.TEXT[c][1]}"
                    for c in x.reasons
                )
                lines.append(f"{x.order_id} ({x.side}, {x.state.value}): {text}")
    head = ["เหตุผลที่ไม่ได้เต็มจำนวน / Why not fully filled:"] if lines else []
    notes = [f"หมายเหตุ / note: {n}" for part in _parts(r) for n in part]
    return head + lines[:TABLE_ROWS] + notes


def _parts(r: RoundResult) -> list[tuple[str, ...]]:
    parts = [r.setoff.notes, r.liquidity.notes, r.notes]
    return parts + ([r.produce.notes] if r.produce is not None else [])
