"""Exporting a round for coordinators: its summary, loans, sales and set-offs as CSV or XLSX.

The ``*_HEADER`` lists and the report's rows are the machine view (``/v1``: decimal strings,
UTC times). Files for people go through :mod:`api.services.sheets` with the columns of
:mod:`api.services.export_columns` (Thai headers and statuses, numbers as numbers, Bangkok
times, no formula from data). CSV puts the loan proposals in the named file and the sale
proposals and set-off commitments beside it (``<name>-sales.csv``, ``<name>-setoffs.csv``,
when the round has any); the workbook has one sheet per part. Every file is written through
a temporary file and renamed (mode 0644), so a failure leaves no half-written file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from api.db.tables import (
    CommitmentSetoffRow,
    CoopRow,
    ProposalLoanRow,
    ProposalRow,
    ProposalSaleRow,
    RoundRow,
)
from api.db.tx import read_session
from api.services.clock import UtcClock, as_utc, system_clock
from api.services.errors import NotFoundError
from api.services.export_columns import (
    EXPLANATION_COLUMNS,
    LOAN_COLUMNS,
    OVERDUE_COLUMNS,
    SALE_COLUMNS,
    SETOFF_COLUMNS,
    SHADOW_VALUE_COLUMNS,
    SUMMARY_COLUMNS,
    summary_rows,
)
from api.services.export_overdue import overdue_rows
from api.services.round.calendar import bangkok_date
from api.services.round.report import explanation_rows, load_report
from api.services.sheets import Sheet, csv_bytes, write_file, xlsx_bytes
from matcher.money import format_bps_percent, satang_to_decimal_string

PROPOSAL_HEADER = [
    "proposal_id / เลขข้อเสนอ",
    "status / สถานะ",
    "tier / ระดับ",
    "network / เครือข่าย",
    "lender_id / ผู้ให้กู้",
    "lender_name / ชื่อผู้ให้กู้",
    "offer_id",
    "borrower_id / ผู้กู้",
    "borrower_name / ชื่อผู้กู้",
    "need_id",
    "amount_baht / จำนวนเงิน (บาท)",
    "rate_pct / อัตราดอกเบี้ย (%)",
    "term_days / ระยะเวลา (วัน)",
    "interest_baht / ดอกเบี้ย (บาท)",
    "expires_at_utc / หมดอายุ (UTC)",
]

SALE_HEADER = [
    "proposal_id / เลขข้อเสนอ",
    "status / สถานะ",
    "tier / ระดับ",
    "network / เครือข่าย",
    "seller_id / ผู้ขาย",
    "seller_name / ชื่อผู้ขาย",
    "lot_id / ล็อตสินค้า",
    "buyer_id / ผู้ซื้อ",
    "buyer_name / ชื่อผู้ซื้อ",
    "purchase_order_id / ใบสั่งซื้อ",
    "product / สินค้า",
    "grade / เกรด",
    "quantity / ปริมาณ",
    "unit / หน่วย",
    "price_baht_per_unit / ราคาต่อหน่วย (บาท)",
    "value_baht / มูลค่า (บาท)",
    "transport_baht / ค่าขนส่ง (บาท)",
    "delivery_date / วันส่งมอบ",
    "credit_due_date / ครบกำหนดชำระ (ขายเชื่อ)",
    "expires_at_utc / หมดอายุ (UTC)",
]
SETOFF_HEADER = [
    "setoff_id / เลขรายการหักกลบ",
    "obligation_id / เลขหนี้",
    "debtor_id / ลูกหนี้",
    "debtor_name / ชื่อลูกหนี้",
    "creditor_id / เจ้าหนี้",
    "creditor_name / ชื่อเจ้าหนี้",
    "set_off_baht / หักกลบ (บาท)",
    "remaining_baht / คงเหลือ (บาท)",
]


EXPLANATION_HEADER = [
    "order_id / คำสั่ง",
    "kind / ชนิด",
    "coop_id / สหกรณ์",
    "state / ผล",
    "amount_baht / จำนวนเงิน (บาท)",
    "matched_baht / จับคู่ได้ (บาท)",
    "quantity / ปริมาณ",
    "matched_quantity / จับคู่ได้ (ปริมาณ)",
    "unit / หน่วย",
    "reasons / รหัสเหตุผล",
    "reasons_th / เหตุผล",
    "reasons_en / reasons",
    "detail / รายละเอียด",
    "shadow_baht_per_unit / มูลค่าเงาต่อหน่วย (บาท)",
    "marginal_value_urgency_per_baht / มูลค่าส่วนเพิ่ม",
]
SHADOW_HEADER = [
    "tier / ระดับ",
    "network / เครือข่าย",
    "product / สินค้า",
    "grade / เกรด",
    "value_baht_per_unit / มูลค่าต่อหน่วย (บาท)",
    "lot_id / ล็อตสินค้า",
]
RULES_HEADER = ["rule / กฎ", "value / ค่า"]


@dataclass(frozen=True)
class RoundReport:
    """A round's summary (label, value) pairs, its loan proposal rows, its sale proposal
    rows, its set-off rows, and from its stored report: every order's explanation, the
    shadow values and the rules it used."""

    round_id: int
    summary: list[tuple[str, str]]
    proposals: list[list[str | int]]
    sales: list[list[str | int]] = field(default_factory=list)
    setoffs: list[list[str | int]] = field(default_factory=list)
    explanations: list[list[str | int | None]] = field(default_factory=list)
    shadow_values: list[list[str | int]] = field(default_factory=list)
    rules: list[tuple[str, str]] = field(default_factory=list)
    overdue: list[list[object]] = field(default_factory=list)
    """The debts from the round's loans and sales overdue on the export's date."""


def _objective_rows(kind: str, objective: dict[str, Any]) -> list[tuple[str, str]]:
    """The daily round's covered and needed amounts; for a round of another kind
    (purchase, startup, knowhow) its kind and its own whole figures (``*_satang`` in baht)."""
    if "covered_satang" in objective:
        return [
            ("covered_baht / ยอดที่จับคู่ได้", satang_to_decimal_string(objective["covered_satang"])),
            ("needed_baht / ยอดที่ต้องการ", satang_to_decimal_string(objective["needed_satang"])),
        ]
    rows = [("kind / ประเภทรอบ", kind)]
    for key, value in sorted(objective.items()):
        if isinstance(value, int) and not isinstance(value, bool):
            if key.endswith("_satang"):
                rows.append(
                    (key.removesuffix("_satang") + "_baht", satang_to_decimal_string(value))
                )
            else:
                rows.append((key, str(value)))
    return rows


def round_report(
    engine: Engine, round_id: int, as_of: date | None = None, clock: UtcClock = system_clock
) -> RoundReport:
    """Read a round and its proposals (with coop names) for export; the debts from its
    loans and sales overdue on ``as_of`` (default: the export's date, today in Bangkok —
    on the round's own business date none of them is due yet)."""
    day = as_of or bangkok_date(clock())
    with read_session(engine) as s:
        rnd = s.get(RoundRow, round_id)
        if rnd is None:
            raise NotFoundError(f"round {round_id} does not exist", f"ไม่พบรอบ {round_id}")
        lender, borrower = aliased(CoopRow), aliased(CoopRow)
        rows = s.execute(
            select(ProposalRow, ProposalLoanRow, col(lender.name_th), col(borrower.name_th))
            .join(ProposalLoanRow, col(ProposalLoanRow.proposal_id) == col(ProposalRow.id))
            .join(lender, col(lender.id) == col(ProposalRow.supply_coop_id))
            .join(borrower, col(borrower.id) == col(ProposalRow.demand_coop_id))
            .where(col(ProposalRow.round_id) == round_id)
            .order_by(col(ProposalRow.id))
        ).all()
        objective = json.loads(rnd.objective_json)
        summary = [
            ("round_id / รอบ", str(rnd.id)),
            ("network / เครือข่าย", rnd.network_id),
            ("business_date / วันทำการ", rnd.business_date.isoformat()),
            ("version / ฉบับ", str(rnd.version)),
            ("status / สถานะ", rnd.status),
            ("solve_status / ผลการคำนวณ", rnd.solve_status),
            ("tiers / ลำดับชั้น", rnd.tier_cascade),
            ("orders / คำสั่ง", str(rnd.order_count)),
            ("proposals / ข้อเสนอ", str(rnd.proposal_count)),
            *_objective_rows(rnd.kind, objective),
            ("input_hash", rnd.input_hash),
            ("solver", rnd.solver),
            ("code_version", rnd.code_version),
            ("timings_ms load/solve/persist", f"{rnd.load_ms}/{rnd.solve_ms}/{rnd.persist_ms}"),
            *_round_figures(objective.get("round")),
            ("notes / หมายเหตุ", "; ".join(json.loads(rnd.notes_json))),
        ]
        sales = _sale_rows(s, round_id)
        setoffs = _setoff_rows(s, round_id)
        stored = load_report(s, round_id)
        overdue = overdue_rows(s, rnd, day)
    proposals: list[list[str | int]] = [
        [
            int(p.id or 0),
            p.status,
            p.tier,
            p.network_id,
            p.supply_coop_id,
            lname,
            p.supply_order_id,
            p.demand_coop_id,
            bname,
            p.demand_order_id,
            satang_to_decimal_string(p.amount),
            f"{loan.rate_bps / 100:.2f}",
            loan.term_days,
            satang_to_decimal_string(loan.interest_satang),
            as_utc(p.expires_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for p, loan, lname, bname in rows
    ]
    return RoundReport(
        round_id,
        summary,
        proposals,
        sales,
        setoffs,
        explanation_table(stored),
        shadow_table(stored),
        rules_table(stored),
        overdue,
    )


def explanation_table(stored: dict[str, Any] | None) -> list[list[str | int | None]]:
    """The stored report's order rows as :data:`EXPLANATION_HEADER` rows (money as decimal
    baht strings, produce as whole units)."""
    baht = satang_to_decimal_string
    out: list[list[str | int | None]] = []
    for x in explanation_rows(stored):
        money = x["unit"] == "satang"
        shadow = x["shadow"]
        out.append(
            [
                x["order_id"],
                x["kind"],
                x["coop_id"],
                x["state"],
                baht(x["amount"]) if money else "",
                baht(x["matched"]) if money else "",
                "" if money else x["amount"],
                "" if money else x["matched"],
                "baht" if money else x["unit"],
                "|".join(x["reasons"]),
                x["text_th"],
                x["text_en"],
                x["detail"],
                baht(shadow) if shadow is not None and x["kind"] == "stock_lot" else "",
                shadow if shadow is not None and x["kind"] == "liquidity_need" else "",
            ]
        )
    return out


def shadow_table(stored: dict[str, Any] | None) -> list[list[str | int]]:
    """The stored report's shadow values as :data:`SHADOW_HEADER` rows."""
    if not stored:
        return []
    return [
        [t, net, product, grade, satang_to_decimal_string(v), lot]
        for t, net, product, grade, v, lot in stored["shadow_values"]
    ]


def rules_table(stored: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The rules the round used, as (rule, value) pairs."""
    if not stored:
        return []
    r = stored["rules"]
    posted = ", ".join(f"{net} {format_bps_percent(bps)}" for net, bps in r["posted_rates"])
    policy = f"{r['policy_network_id']} v{r['policy_version']}" if r["policy_version"] else "-"
    return [
        ("fairness / หลักความเป็นธรรม", r["fairness"]),
        ("rate_rule / กฎอัตราดอกเบี้ย", r["rate_rule"]),
        ("posted_rates / อัตราที่ประกาศ", posted or "-"),
        ("price_rule / กฎราคาขาย", r["price_rule"]),
        ("policy / นโยบาย", policy),
    ]


def _round_figures(data: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The combined round's headline figures (none for a liquidity-only round)."""
    if not data:
        return []
    baht = satang_to_decimal_string
    return [
        ("debt_gross_baht / หนี้รวม", baht(data["debt_gross_satang"])),
        ("debt_cleared_baht / หักกลบลบหนี้ได้", baht(data["debt_cleared_satang"])),
        (
            "cleared_share / สัดส่วนที่หักกลบ",
            format_bps_percent(data["cleared_share_bps"]) if data["debt_gross_satang"] else "-",
        ),
        ("cash_needed_baht / เงินสดที่ต้องใช้ชำระหนี้ที่เหลือ", baht(data["cash_needed_satang"])),
        ("needs_shrunk_baht / ความต้องการเงินกู้ที่ลดลงด้วยการหักกลบ",
         baht(data["needs_shrunk_satang"])),
        ("loans / สินเชื่อที่เสนอ", f"{data['loan_count']} · {baht(data['loans_satang'])}"),
        ("sales / การขายผลผลิต", f"{data['sale_count']} · {baht(data['sales_satang'])}"),
    ]  # fmt: skip


def _sale_rows(s: Session, round_id: int) -> list[list[str | int]]:
    seller, buyer = aliased(CoopRow), aliased(CoopRow)
    rows = s.execute(
        select(ProposalRow, ProposalSaleRow, col(seller.name_th), col(buyer.name_th))
        .join(ProposalSaleRow, col(ProposalSaleRow.proposal_id) == col(ProposalRow.id))
        .join(seller, col(seller.id) == col(ProposalRow.supply_coop_id))
        .join(buyer, col(buyer.id) == col(ProposalRow.demand_coop_id))
        .where(col(ProposalRow.round_id) == round_id)
        .order_by(col(ProposalRow.id))
    ).all()
    return [
        [
            int(p.id or 0),
            p.status,
            p.tier,
            p.network_id,
            p.supply_coop_id,
            sname,
            p.supply_order_id,
            p.demand_coop_id,
            bname,
            p.demand_order_id,
            t.product_id,
            t.grade,
            p.amount,
            p.unit,
            satang_to_decimal_string(t.price_satang_per_unit),
            satang_to_decimal_string(t.value_satang),
            satang_to_decimal_string(t.transport_satang),
            t.delivery_date.isoformat(),
            t.credit_due_date.isoformat() if t.credit_due_date else "",
            as_utc(p.expires_at).strftime("%Y-%m-%d %H:%M"),
        ]
        for p, t, sname, bname in rows
    ]


def _setoff_rows(s: Session, round_id: int) -> list[list[str | int]]:
    debtor, creditor = aliased(CoopRow), aliased(CoopRow)
    rows = s.execute(
        select(CommitmentSetoffRow, col(debtor.name_th), col(creditor.name_th))
        .join(debtor, col(debtor.id) == col(CommitmentSetoffRow.debtor_coop_id))
        .join(creditor, col(creditor.id) == col(CommitmentSetoffRow.creditor_coop_id))
        .where(col(CommitmentSetoffRow.round_id) == round_id)
        .order_by(col(CommitmentSetoffRow.id))
    ).all()
    return [
        [
            int(r.id or 0),
            r.obligation_order_id,
            r.debtor_coop_id,
            dname,
            r.creditor_coop_id,
            cname,
            satang_to_decimal_string(r.amount_satang),
            satang_to_decimal_string(r.remaining_satang),
        ]
        for r, dname, cname in rows
    ]


def part_paths(path: Path) -> dict[str, Path]:
    """Where the CSV export writes each part: loans at ``path``, the rest beside it."""
    return {
        "loans": path,
        **{
            part: path.with_name(f"{path.stem}-{part.replace('_', '-')}{path.suffix}")
            for part in ("sales", "setoffs", "explanations", "shadow_values", "overdue")
        },
    }


def report_sheets(report: RoundReport) -> dict[str, Sheet]:
    """The round's tables as board sheets: summary (with the rules), loans, sales, set-offs,
    every order's explanation and the shadow values."""
    return {
        "summary": Sheet(
            "summary", SUMMARY_COLUMNS, summary_rows([*report.summary, *report.rules])
        ),
        "loans": Sheet("proposals", LOAN_COLUMNS, report.proposals),
        "sales": Sheet("sales", SALE_COLUMNS, report.sales),
        "setoffs": Sheet("setoffs", SETOFF_COLUMNS, report.setoffs),
        "explanations": Sheet("explanations", EXPLANATION_COLUMNS, report.explanations),
        "shadow_values": Sheet("shadow_values", SHADOW_VALUE_COLUMNS, report.shadow_values),
        "overdue": Sheet("overdue", OVERDUE_COLUMNS, report.overdue),
    }


def part_csv(report: RoundReport, part: str, *, lang: str = "th") -> bytes:
    """One part (``loans``, ``sales`` or ``setoffs``) of the round as board CSV."""
    sheets = report_sheets(report)
    return csv_bytes(sheets.get(part, sheets["loans"]), lang=lang)


def write_csv(report: RoundReport, path: Path, *, lang: str = "th") -> list[Path]:
    """The loan proposals as CSV at ``path`` and, when there are any, the sales and
    set-offs beside it (UTF-8 with BOM: Excel reads the Thai text); returns the paths."""
    paths = part_paths(path)
    written = [write_file(path, part_csv(report, "loans", lang=lang))]
    parts = (
        ("sales", report.sales),
        ("setoffs", report.setoffs),
        ("explanations", report.explanations),
        ("shadow_values", report.shadow_values),
        ("overdue", report.overdue),
    )
    for part, rows in parts:
        if rows:
            written.append(write_file(paths[part], part_csv(report, part, lang=lang)))
    return written


def report_xlsx(report: RoundReport, *, lang: str = "th", buddhist: bool = False) -> bytes:
    """The round as a workbook: summary, proposals, sales and set-offs sheets."""
    return xlsx_bytes(list(report_sheets(report).values()), lang=lang, buddhist=buddhist)


def write_xlsx(
    report: RoundReport, path: Path, *, lang: str = "th", buddhist: bool = False
) -> list[Path]:
    """A workbook with a summary sheet and a sheet each for loans, sales and set-offs."""
    return [write_file(path, report_xlsx(report, lang=lang, buddhist=buddhist))]
