"""Spreadsheets a board can read: the one writer of every CSV and XLSX export.

Every export (the round on the CLI and the web, today's orders, the follow-up list, the
scenario policies, ``simulation.xlsx``) describes its table as :class:`Column` objects and
its rows as plain values, and this module writes it:

- **No formulas from data.** A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab
  or a carriage return would be read as a formula by Excel or LibreOffice (a coop named
  ``=HYPERLINK("http://…")``). :func:`neutralise` prefixes such text with an apostrophe
  (OWASP's advice for CSV injection), in CSV and XLSX alike; a plain number such as
  ``-5.00`` is left alone. Every cell of every export passes through it.
- **Numbers as numbers.** Baht are written as decimal numbers with the Thai baht format
  ``[$฿-41E]#,##0.00``; counts as integers with ``#,##0``; rates as fractions with
  ``0.00%``; dates and times as real dates with a date format. Excel's locale prefix
  ``[$-107041E]`` (Western digits ``01``, Thai Buddhist calendar ``07``, Thai ``041E``)
  shows the year in the Buddhist Era when ``buddhist=True``.
- **Times in Asia/Bangkok.** Stored times are UTC; a spreadsheet shows Bangkok wall time.
- **Thai first.** Headers and statuses are Thai (``lang="th"``) or English (``"en"``); the
  header row is bold and frozen and every column has a width.
- **Readable by the group.** :func:`write_file` writes through a temporary file (a failure
  leaves nothing) and leaves the file at mode 0644.

CSV is UTF-8 with a byte-order mark (Excel reads the Thai text), lines end in CRLF, numbers
have no separators and dates are ISO, so the file reads back into any tool.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

from api.files import write_bytes_atomic

BANGKOK = ZoneInfo("Asia/Bangkok")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?\Z")
_BE = "[$-107041E]"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


class Kind(StrEnum):
    """How a column's values are typed and formatted."""

    TEXT = "text"
    BAHT = "baht"
    """Baht: a decimal string ``"1500.00"``, a number, or satang with ``per=100``."""
    INTEGER = "integer"
    NUMBER = "number"
    """A measured figure (a float mean, a share in percent points) shown with 1 decimal."""
    PERCENT = "percent"
    """A rate in percent points (``"4.25"`` means 4.25 %), written as the fraction 0.0425."""
    DATE = "date"
    DATETIME = "datetime"
    """A UTC instant (aware datetime, or ``"YYYY-MM-DD HH:MM"`` in UTC)."""


STATUS_TEXT: dict[str, tuple[str, str]] = {
    "pending": ("รอตอบรับ", "waiting"),
    "committed": ("ตอบรับแล้ว", "accepted"),
    "accepted": ("ตอบรับแล้ว", "accepted"),
    "declined": ("ปฏิเสธ", "declined"),
    "expired": ("หมดอายุ", "expired"),
    "voided": ("ยกเลิกโดยรอบใหม่", "voided"),
    "active": ("ใช้งาน", "active"),
    "completed": ("เสร็จสมบูรณ์", "completed"),
    "superseded": ("ถูกแทนที่ด้วยฉบับใหม่", "superseded"),
    "optimal": ("ดีที่สุด", "optimal"),
    "feasible": ("ใช้ได้", "feasible"),
    "time_limited": ("ครบเวลาคำนวณ", "time-limited"),
    "infeasible": ("หาคำตอบไม่ได้", "infeasible"),
    "area": ("ระดับพื้นที่", "area"),
    "province": ("ระดับจังหวัด", "province"),
    "region": ("ระดับภาค", "region"),
    "national": ("ระดับประเทศ", "national"),
    "loan": ("เงินกู้", "loan"),
    "sale": ("ขาย", "sale"),
    "liquidity_offer": ("เสนอให้กู้", "funds offered"),
    "liquidity_need": ("ต้องการกู้", "funds needed"),
    "stock_lot": ("สินค้าพร้อมขาย", "stock lot"),
    "purchase_order": ("ใบสั่งซื้อ", "purchase order"),
    "obligation": ("หนี้ค้างชำระ", "debt"),
    "filled": ("จับคู่ได้ครบ", "filled"),
    "partly_filled": ("จับคู่ได้บางส่วน", "partly filled"),
    "unmatched": ("จับคู่ไม่ได้", "unmatched"),
    "instalment": ("งวดเงินกู้", "loan instalment"),
    "sale_credit": ("ขายเชื่อ", "sale on credit"),
}
"""Stored codes (statuses, tiers, order kinds) in Thai and English; unknown codes pass."""


@dataclass(frozen=True)
class Column:
    """One column: its Thai and English header, how its values are typed, its width."""

    th: str
    en: str
    kind: Kind = Kind.TEXT
    width: int | None = None
    coded: bool = False
    """Values are stored codes shown through :data:`STATUS_TEXT`."""
    per: int = 1
    """Numbers are stored in units of 1/per of what is shown (100 for satang shown as baht,
    or basis points shown as percent points)."""
    fmt: str | None = None
    """A cell format of its own instead of the kind's."""

    def header(self, lang: str) -> str:
        return self.th if lang == "th" else self.en

    def column_width(self) -> int:
        default = {Kind.TEXT: 22, Kind.DATE: 13, Kind.DATETIME: 18, Kind.INTEGER: 12}
        return self.width or default.get(self.kind, 16)


@dataclass(frozen=True)
class Sheet:
    """A named table: its columns and its rows (one value per column)."""

    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]] = field(default_factory=list)


def neutralise(value: object) -> object:
    """A text that a spreadsheet would read as a formula, made plain text; other values as
    they are.

    >>> neutralise('=HYPERLINK("http://x")'), neutralise("-5.00"), neutralise("ลำพูน")
    ('\\'=HYPERLINK("http://x")', '-5.00', 'ลำพูน')
    """
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_START)
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def typed(value: object, column: Column, lang: str) -> object:
    """A cell's value as a spreadsheet should hold it (numbers, dates, Bangkok times)."""
    if value is None or value == "":
        return None
    kind = column.kind
    if kind in (Kind.BAHT, Kind.INTEGER, Kind.NUMBER, Kind.PERCENT):
        if isinstance(value, int) and column.per == 1 and kind != Kind.PERCENT:
            return value
        number = Decimal(str(value).replace(",", "")) / column.per
        return number / 100 if kind == Kind.PERCENT else number
    if kind == Kind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == Kind.DATETIME:
        return bangkok_time(value)
    if column.coded and isinstance(value, str):
        words = STATUS_TEXT.get(value)
        return neutralise(value) if words is None else words[0 if lang == "th" else 1]
    return neutralise(value)


def shown(value: object, column: Column, lang: str) -> str:
    """A cell as a page shows it: baht with separators, percentages, Bangkok times, words.

    >>> shown("1500000.00", Column("จำนวนเงิน", "Amount", Kind.BAHT), "th")
    '1,500,000.00'
    """
    cell = typed(value, column, lang)
    if cell is None:
        return ""
    if column.kind == Kind.BAHT:
        return f"{cell:,.2f}"
    if column.kind == Kind.PERCENT and isinstance(cell, Decimal):
        return f"{cell * 100:.2f} %"
    if isinstance(cell, datetime):
        return cell.strftime("%d/%m/%Y %H:%M")
    return str(cell)


def bangkok_time(value: object) -> datetime:
    """A UTC instant (aware, naive-as-UTC or ``YYYY-MM-DD HH:MM``) as Bangkok wall time."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(instant, datetime)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(BANGKOK).replace(tzinfo=None)


def number_format(kind: Kind, *, buddhist: bool) -> str | None:
    """The cell format of a column kind (``None``: the general format)."""
    prefix = _BE if buddhist else ""
    return {
        Kind.BAHT: "[$฿-41E]#,##0.00",
        Kind.INTEGER: "#,##0",
        Kind.NUMBER: "#,##0.0",
        Kind.PERCENT: "0.00%",
        Kind.DATE: f"{prefix}d/m/yyyy",
        Kind.DATETIME: f"{prefix}d/m/yyyy hh:mm",
    }.get(kind)


def _csv_text(value: object) -> object:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def csv_bytes(sheet: Sheet, *, lang: str = "th") -> bytes:
    """One table as CSV: UTF-8 with BOM, CRLF, Thai (or English) header, plain numbers,
    ISO dates, Bangkok times, statuses in words, no formula."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(c.header(lang)) for c in sheet.columns])
    for row in sheet.rows:
        cells = zip(row, sheet.columns, strict=True)
        writer.writerow([_csv_text(typed(v, c, lang)) for v, c in cells])
    return buf.getvalue().encode("utf-8-sig")


def plain_csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A machine table (the ``/v1`` export) as CSV: values as given, formulas neutralised."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: Sequence[Sheet], *, lang: str = "th", buddhist: bool = False) -> bytes:
    """A workbook with one sheet per table: bold frozen header, widths, number formats."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.append([neutralise(c.header(lang)) for c in sheet.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in sheet.rows:
            ws.append([typed(v, c, lang) for v, c in zip(row, sheet.columns, strict=True)])
            for cell in ws[ws.max_row]:  # a date in a text column (the summary's values)
                if isinstance(cell.value, datetime | date) and cell.number_format == "General":
                    cell.number_format = number_format(Kind.DATE, buddhist=buddhist) or ""
        for index, column in enumerate(sheet.columns, start=1):
            letter = ws.cell(row=1, column=index).column_letter
            ws.column_dimensions[letter].width = column.column_width()
            fmt = column.fmt or number_format(column.kind, buddhist=buddhist)
            if fmt is not None:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = fmt
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_file(path: Path, data: bytes) -> Path:
    """Write an export atomically, readable by the owner's group and others (0644)."""
    write_bytes_atomic(path, data)
    return path
