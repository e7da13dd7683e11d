"""Reading CSV (UTF-8 or cp874 Thai) and XLSX files as header-keyed rows with row numbers.

Row numbers are what a spreadsheet shows: the header is row 1, data starts at row 2.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from api.schemas.common import parse_money
from api.services.errors import BadFileError


@dataclass(frozen=True)
class Table:
    """A file's rows keyed by lower-case header, its row numbers and its SHA-256."""

    rows: list[tuple[int, dict[str, str]]]
    sha256: str


def decode_text(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Thai Windows code page 874."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp874")
    except UnicodeDecodeError as exc:
        raise BadFileError(
            "the file is neither UTF-8 nor cp874 (TIS-620) text",
            "ไฟล์ไม่ใช่ข้อความ UTF-8 หรือ cp874",
        ) from exc


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> Table:
    """Read ``path`` (.csv or .xlsx) into rows; blank rows are skipped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadFileError(f"cannot read {path}: {exc.strerror}", "อ่านไฟล์ไม่ได้") from exc
    digest = hashlib.sha256(raw).hexdigest()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        grid = [[c.strip() for c in r] for r in csv.reader(io.StringIO(decode_text(raw)))]
    elif suffix == ".xlsx":
        grid = _xlsx_grid(raw)
    else:
        raise BadFileError("the file must be .csv or .xlsx", "ไฟล์ต้องเป็น .csv หรือ .xlsx")
    if not grid:
        raise BadFileError("the file is empty", "ไฟล์ว่างเปล่า")
    header = [h.strip().lower() for h in grid[0]]
    rows = []
    for n, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue
        rows.append((n, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}))
    return Table(rows=rows, sha256=digest)


def _xlsx_grid(raw: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise BadFileError("not a readable .xlsx workbook", "เปิดไฟล์ .xlsx ไม่ได้") from exc
    ws = wb.worksheets[0]
    return [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]


class RowErrors:
    """Collects row-numbered problems; the whole file is rejected if any."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.lines.append(f"row {row} (แถว {row}), {column}: {message}")

    def raise_if_any(self, what: str) -> None:
        if self.lines:
            raise BadFileError(
                f"{what}: {len(self.lines)} problem(s); nothing was imported",
                f"{what}: พบปัญหา {len(self.lines)} รายการ ไม่ได้นำเข้าข้อมูลใด ๆ",
                self.lines,
            )


def money_cell(err: RowErrors, row: int, col: str, text: str, *, required: bool) -> int | None:
    """A baht amount → satang, recording a problem when it is malformed."""
    if text == "":
        if required:
            err.add(row, col, "required (ต้องระบุ)")
        return None
    try:
        return parse_money(text.replace(",", ""))
    except ValueError as exc:
        err.add(row, col, str(exc))
        return None


def bool_cell(err: RowErrors, row: int, col: str, text: str, default: bool) -> bool:
    """yes/no, true/false, 1/0, ใช่/ไม่ใช่; blank gives ``default``."""
    t = text.strip().lower()
    if t == "":
        return default
    if t in ("1", "true", "yes", "y", "ใช่"):
        return True
    if t in ("0", "false", "no", "n", "ไม่", "ไม่ใช่"):
        return False
    err.add(row, col, f"{text!r} is not yes/no (ต้องเป็น yes หรือ no)")
    return default
