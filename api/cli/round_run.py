"""``coopmatch round run --network ID --date YYYY-MM-DD [--kind daily|purchase]``: the daily
combined round (set-off, loans, produce sales) or the joint-purchase round on the database,
with progress; both through the one entrance :func:`api.services.round.kinds.run_round_of_kind`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.cli.common import console, fail
from api.cli.db import actor_or_fail, service_errors
from api.db.audit_anchor import anchor_round
from api.schemas.dates import DateTextError, parse_date_text
from api.services.clock import system_clock
from api.settings import Settings, create_engine_from
from matcher.money import format_baht, format_bps_percent

if TYPE_CHECKING:
    from api.services.purchase_round import PurchaseRoundOutcome

STEPS = {
    "snapshot": "อ่านคำสั่งที่เปิดอยู่ / loading open orders",
    "solve": "คำนวณการจับคู่ / solving",
    "persist": "บันทึกผล / persisting",
    "done": "เสร็จ / done",
}


def round_run(
    network: Annotated[str, typer.Option("--network", help="network id (รหัสเครือข่าย)")],
    business_date: Annotated[str, typer.Option("--date", help="business date YYYY-MM-DD")],
    actor: Annotated[
        str | None, typer.Option("--as", help="coordinator principal (COOPMATCH_ACTOR)")
    ] = None,
    new_version: Annotated[
        bool,
        typer.Option("--new-version", help="re-match: keep accepted proposals, void the rest"),
    ] = False,
    credit_buyers: Annotated[
        list[str] | None,
        typer.Option(
            "--credit-buyer",
            help="coop id that buys produce on credit (repeatable; ผู้ซื้อเชื่อ)",
        ),
    ] = None,
    credit_days: Annotated[
        int, typer.Option("--credit-days", help="days until a sale on credit is due", min=0)
    ] = 30,
    retry_declined: Annotated[
        bool,
        typer.Option("--retry-declined", help="propose declined pairs again (เสนอคู่ที่ถูกปฏิเสธอีกครั้ง)"),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="run although the date is far from today (บังคับรัน)"),
    ] = False,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="round kind: daily (combined), purchase, startup or knowhow "
            "(ประเภทรอบ: daily / purchase / startup / knowhow)",
        ),
    ] = "daily",
) -> None:
    """Run the network's combined round, or with ``--kind purchase`` its joint-purchase
    round, ``--kind startup`` its joint fund's start-up capital round, ``--kind knowhow``
    its know-how round, for a date (idempotent unless --new-version).

    A Buddhist-Era year (2569-12-06) is refused with the Gregorian date meant, and a date
    more than ``COOPMATCH_ROUND_DATE_WINDOW_DAYS`` from today unless ``--force``."""
    from api.services.round.calendar import check_round_date
    from api.services.round.kinds import PURCHASE, ROUND_KINDS, run_round_of_kind
    from api.services.round.service import RoundParams

    try:
        day = parse_date_text(business_date)
    except DateTextError as exc:
        fail("--date", [str(exc)])
    if kind not in ROUND_KINDS:
        fail("--kind", [f"one of {', '.join(ROUND_KINDS)} (ใช้ได้: {', '.join(ROUND_KINDS)})"])
    who = actor_or_fail(actor)
    settings = Settings()
    engine = create_engine_from(settings)
    with (
        service_errors(f"round {network} {day}"),
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar,
    ):
        check_round_date(day, system_clock(), settings.round_date_window_days, force)
        task = bar.add_task(STEPS["snapshot"], total=None)
        ran = run_round_of_kind(
            engine,
            kind,
            network_id=network,
            business_date=day,
            actor=who,
            new_version=new_version,
            retry_declined=retry_declined,
            params=RoundParams(
                proposal_ttl_hours=settings.proposal_ttl_hours,
                credit_buyers=tuple(sorted(set(credit_buyers or ()))),
                sale_credit_days=credit_days,
            ),
            retries=settings.round_retries,
            progress=lambda step: bar.update(task, description=STEPS.get(step, step)),
        )
        if not ran.reused:
            anchor_round(settings, engine, system_clock())
    if ran.purchase is not None:
        _print_purchase(ran.purchase, network, day.isoformat())
        return
    if ran.startup is not None:
        st = ran.startup
        console.print(
            f"รอบทุนเริ่มต้นธุรกิจ / start-up capital round {st.round_id} "
            f"v{st.version}{' (เดิม / existing)' if st.reused else ''}: "
            f"{len(st.proposal_ids)} proposals · {format_baht(st.lent_satang)} ฿",
            markup=False,
        )
        for note in st.notes:
            console.print(f"  • {note}", markup=False, highlight=False)
        return
    if ran.knowhow is not None:
        kh = ran.knowhow
        console.print(
            f"รอบจับคู่ความรู้ / know-how round {kh.round_id} "
            f"v{kh.version}{' (เดิม / existing)' if kh.reused else ''}: "
            f"{kh.matched}/{kh.requests} learners placed (ผู้เรียนที่ได้ผู้สอน)",
            markup=False,
        )
        return
    assert ran.daily is not None and kind != PURCHASE
    out = ran.daily
    table = Table(title=f"รอบ / round {out.round_id}", show_header=False)
    for label, value in (
        ("network / เครือข่าย", out.network_id),
        ("date / วันทำการ", out.business_date.isoformat()),
        ("version / ฉบับ", f"{out.version}{' (เดิม / existing)' if out.reused else ''}"),
        ("status / ผล", out.solve_status),
        ("orders / คำสั่ง", str(out.order_count)),
        ("proposals / ข้อเสนอ", str(out.proposal_count)),
        *_summary_rows(out.summary),
        ("input hash", out.input_hash[:16]),
        (
            "ms load/solve/persist",
            "/".join(str(out.timings_ms.get(k, 0)) for k in ("load", "solve", "persist")),
        ),
    ):
        table.add_row(label, value)
    console.print(table)
    for note in out.notes:
        console.print(f"  • {note}", markup=False, highlight=False)


def _print_purchase(out: PurchaseRoundOutcome, network: str, day: str) -> None:
    """The joint-purchase round's figures."""
    table = Table(title=f"รอบจัดซื้อร่วม / purchase round {out.round_id}", show_header=False)
    for label, value in (
        ("network / เครือข่าย", network),
        ("date / วันทำการ", day),
        ("version / ฉบับ", f"{out.version}{' (เดิม / existing)' if out.reused else ''}"),
        ("status / ผล", out.solve_status),
        ("group orders / คำสั่งซื้อร่วม", " ".join(str(j) for j in out.joint_order_ids) or "-"),
        ("saving / ประหยัดได้ (฿)", format_baht(out.saving_satang)),
        ("alone / ซื้อแยก (฿)", format_baht(out.alone_saving_satang)),
    ):
        table.add_row(label, value)
    console.print(table)


def _summary_rows(s: dict[str, int]) -> list[tuple[str, str]]:
    """Set-off, loans and sales of the combined round (nothing for an older round)."""
    if not s:
        return []
    return [
        (
            "หักกลบลบหนี้ / debt set off (฿)",
            f"{format_baht(s['debt_cleared_satang'])} / {format_baht(s['debt_gross_satang'])}"
            + (
                f" ({format_bps_percent(s['cleared_share_bps'])})" if s["debt_gross_satang"] else ""
            ),
        ),
        ("ลดความต้องการเงินกู้ / needs shrunk (฿)", format_baht(s["needs_shrunk_satang"])),
        ("สินเชื่อ / loans", f"{s['loan_count']} · {format_baht(s['loans_satang'])} ฿"),
        ("การขายผลผลิต / produce sales", f"{s['sale_count']} · {format_baht(s['sales_satang'])} ฿"),
    ]


def register_round(round_app: typer.Typer) -> None:
    """Add ``run`` to an existing ``round`` group."""
    round_app.command("run")(round_run)
