"""``coopmatch match liquidity``: solve a liquidity file, print proposals, write the result."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console, dumps_canonical, parse_model, run_domain, write_atomic
from api.schemas.liquidity import LiquidityProblemFile, problem_to_domain, result_to_json
from matcher.liquidity.greedy import solve_greedy
from matcher.liquidity.model import LiquidityProblem, LiquidityResult
from matcher.liquidity.solver import solve_liquidity
from matcher.money import format_baht


def register(match_app: typer.Typer) -> None:
    """Add the ``liquidity`` command to the ``match`` group."""
    match_app.command("liquidity")(match_liquidity)


def match_liquidity(
    problem_file: Annotated[Path, typer.Argument(help="Problem JSON file / ไฟล์โจทย์ JSON")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the result JSON here / บันทึกผลลัพธ์")
    ] = None,
) -> None:
    """จับคู่เงินทุนล้นระบบกับสหกรณ์ที่ขาดสภาพคล่อง / Match idle funds to liquidity needs."""
    parsed = parse_model(LiquidityProblemFile, problem_file)
    problem = run_domain(problem_file, lambda: problem_to_domain(parsed))
    result = run_domain(problem_file, lambda: solve_liquidity(problem, time.perf_counter_ns))
    baseline = solve_greedy(problem)
    print_result(problem, result, baseline)
    if out is not None:
        write_atomic(out, dumps_canonical(result_to_json(result, baseline)))
        console.print(f"บันทึกผลแล้ว / result written: {out}")


def print_result(
    problem: LiquidityProblem, result: LiquidityResult, baseline: LiquidityResult
) -> None:
    """Rich table of proposals, then unmatched needs, then the summary line."""
    names = {c.id: c.name_th for c in problem.coops}
    if problem.joint_fund is not None:
        names[problem.joint_fund.id] = "กองทุนร่วม / joint fund"
    table = Table(title="ข้อเสนอเงินกู้ระหว่างสหกรณ์ / Loan proposals", show_lines=False)
    for head, just in [
        ("ผู้ให้กู้ / Lender", "left"),
        ("ผู้กู้ / Borrower", "left"),
        ("จำนวนเงิน (บาท) / Amount", "right"),
        ("ดอกเบี้ย %/ปี / Rate", "right"),
        ("วัน / Days", "right"),
        ("ระดับ / Tier", "left"),
    ]:
        table.add_column(head, justify=just)  # type: ignore[arg-type]
    for p in result.proposals:
        table.add_row(
            names.get(p.lender, p.lender),
            names.get(p.borrower, p.borrower),
            format_baht(p.amount_satang),
            f"{p.rate_bps / 100:.2f}",
            str(p.term_days),
            p.tier,
        )
    console.print(table)
    short = [e for e in result.explanations if e.side == "need" and e.state.value != "filled"]
    if short:
        console.print("[bold]คำขอที่ยังไม่ได้ครบ / Needs not fully met[/]")
        for e in short:
            console.print(f"  {names.get(e.coop_id, e.coop_id)} ({e.order_id}): {e.detail}")
    console.print(summary_line(result, baseline))


def summary_line(result: LiquidityResult, baseline: LiquidityResult) -> str:
    """One line: covered, vs first-come-first-served, fairness, interest, status, time."""
    obj, base = result.objective, baseline.objective
    gain = obj.covered_satang - base.covered_satang
    pct = (100 * obj.covered_satang // obj.needed_satang) if obj.needed_satang else 100
    return (
        f"ครอบคลุม / covered {format_baht(obj.covered_satang)} of "
        f"{format_baht(obj.needed_satang)} baht ({pct}%) · "
        f"vs มาก่อนได้ก่อน / first-come-first-served {format_baht(base.covered_satang)} "
        f"({'+' if gain >= 0 else ''}{format_baht(gain)}) · "
        f"urgency-weighted ×{_ratio(obj.urgency_weighted_satang, base.urgency_weighted_satang)} · "
        f"smallest fill {obj.min_fill_ratio_bps / 100:.1f}% "
        f"(FCFS {base.min_fill_ratio_bps / 100:.1f}%) · "
        f"interest {format_baht(obj.interest_satang)} · {obj.loan_count} loans · "
        f"{result.status.value} · solve {result.timings.total_ms} ms"
    )


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "∞"
