"""Exporting a round for coordinators: its summary and proposals as CSV or XLSX.

CSV is UTF-8 with a byte-order mark so Excel shows Thai text correctly; both files are
written through a temporary file and renamed, so a failure leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from api.db.tables import CoopRow, ProposalLoanRow, ProposalRow, RoundRow
from api.db.tx import read_session
from api.files import write_bytes_atomic
from api.services.clock import as_utc
from api.services.errors import NotFoundError
from matcher.money import satang_to_decimal_string

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


NUMERIC_COLUMNS = frozenset({10, 11, 13})
"""Decimal-string columns written as numbers in XLSX (amount, rate, interest)."""


@dataclass(frozen=True)
class RoundReport:
    """A round's summary (label, value) pairs and its proposal rows."""

    round_id: int
    summary: list[tuple[str, str]]
    proposals: list[list[str | int]]


def round_report(engine: Engine, round_id: int) -> RoundReport:
    """Read a round and its proposals (with coop names) for export."""
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
            ("covered_baht / ยอดที่จับคู่ได้", satang_to_decimal_string(objective["covered_satang"])),
            ("needed_baht / ยอดที่ต้องการ", satang_to_decimal_string(objective["needed_satang"])),
            ("input_hash", rnd.input_hash),
            ("solver", rnd.solver),
            ("code_version", rnd.code_version),
            ("timings_ms load/solve/persist", f"{rnd.load_ms}/{rnd.solve_ms}/{rnd.persist_ms}"),
            ("notes / หมายเหตุ", "; ".join(json.loads(rnd.notes_json))),
        ]
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
    return RoundReport(round_id, summary, proposals)


def write_csv(report: RoundReport, path: Path) -> None:
    """The proposals as CSV, UTF-8 with BOM (Excel reads the Thai text correctly)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(PROPOSAL_HEADER)
    writer.writerows(report.proposals)
    write_bytes_atomic(path, buf.getvalue().encode("utf-8-sig"))


def write_xlsx(report: RoundReport, path: Path) -> None:
    """A workbook with a summary sheet and a proposals sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "summary"
    for label, value in report.summary:
        ws.append([label, value])
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 70
    sheet = wb.create_sheet("proposals")
    sheet.append(PROPOSAL_HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report.proposals:
        sheet.append([Decimal(v) if i in NUMERIC_COLUMNS else v for i, v in enumerate(row)])
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes_atomic(path, buf.getvalue())
