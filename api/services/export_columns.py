"""The columns of a round's board files: Thai and English headers, kinds and widths.

One list per table, in the order of the rows that :func:`api.services.export.round_report`
builds; the summary's (label, value) pairs become (label, figure) rows with typed values.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from api.services.sheets import Column, Kind

T, B, INT, P, D, DT = Kind.TEXT, Kind.BAHT, Kind.INTEGER, Kind.PERCENT, Kind.DATE, Kind.DATETIME

LOAN_COLUMNS = (
    Column("เลขข้อเสนอ", "Proposal", INT, 11, fmt="0"),
    Column("สถานะ", "Status", T, 16, coded=True),
    Column("ระดับ", "Tier", T, 14, coded=True),
    Column("เครือข่าย", "Network", T, 14),
    Column("รหัสผู้ให้กู้", "Lender id", T, 16),
    Column("ผู้ให้กู้", "Lender", T, 34),
    Column("รหัสข้อเสนอให้กู้", "Offer id", T, 16),
    Column("รหัสผู้กู้", "Borrower id", T, 16),
    Column("ผู้กู้", "Borrower", T, 34),
    Column("รหัสคำขอกู้", "Need id", T, 16),
    Column("จำนวนเงิน (บาท)", "Amount (baht)", B, 18),
    Column("อัตราดอกเบี้ยต่อปี", "Rate a year", P, 12),
    Column("ระยะเวลา (วัน)", "Term (days)", INT, 12),
    Column("ดอกเบี้ย (บาท)", "Interest (baht)", B, 16),
    Column("หมดอายุ (เวลาไทย)", "Expires (Bangkok time)", DT, 18),
)

SALE_COLUMNS = (
    Column("เลขข้อเสนอ", "Proposal", INT, 11, fmt="0"),
    Column("สถานะ", "Status", T, 16, coded=True),
    Column("ระดับ", "Tier", T, 14, coded=True),
    Column("เครือข่าย", "Network", T, 14),
    Column("รหัสผู้ขาย", "Seller id", T, 16),
    Column("ผู้ขาย", "Seller", T, 34),
    Column("ล็อตสินค้า", "Lot id", T, 16),
    Column("รหัสผู้ซื้อ", "Buyer id", T, 16),
    Column("ผู้ซื้อ", "Buyer", T, 34),
    Column("ใบสั่งซื้อ", "Purchase order", T, 16),
    Column("สินค้า", "Product", T, 12),
    Column("เกรด", "Grade", T, 8),
    Column("ปริมาณ", "Quantity", INT, 12),
    Column("หน่วย", "Unit", T, 8),
    Column("ราคาต่อหน่วย (บาท)", "Price a unit (baht)", B, 16),
    Column("มูลค่า (บาท)", "Value (baht)", B, 18),
    Column("ค่าขนส่ง (บาท)", "Transport (baht)", B, 16),
    Column("วันส่งมอบ", "Delivery date", D),
    Column("ครบกำหนดชำระ (ขายเชื่อ)", "Credit due date", D, 16),
    Column("หมดอายุ (เวลาไทย)", "Expires (Bangkok time)", DT, 18),
)

SETOFF_COLUMNS = (
    Column("เลขรายการหักกลบ", "Set-off", INT, 12, fmt="0"),
    Column("เลขหนี้", "Debt id", T, 20),
    Column("รหัสลูกหนี้", "Debtor id", T, 16),
    Column("ลูกหนี้", "Debtor", T, 34),
    Column("รหัสเจ้าหนี้", "Creditor id", T, 16),
    Column("เจ้าหนี้", "Creditor", T, 34),
    Column("หักกลบ (บาท)", "Set off (baht)", B, 18),
    Column("คงเหลือ (บาท)", "Remaining (baht)", B, 18),
)

EXPLANATION_COLUMNS = (
    Column("คำสั่ง", "Order", T, 18),
    Column("ชนิด", "Kind", T, 16, coded=True),
    Column("สหกรณ์", "Coop", T, 14),
    Column("ผล", "Outcome", T, 16, coded=True),
    Column("จำนวนเงิน (บาท)", "Amount (baht)", B, 18),
    Column("จับคู่ได้ (บาท)", "Matched (baht)", B, 18),
    Column("ปริมาณ", "Quantity", INT, 12),
    Column("จับคู่ได้ (ปริมาณ)", "Matched quantity", INT, 14),
    Column("หน่วย", "Unit", T, 8),
    Column("รหัสเหตุผล", "Reason codes", T, 28),
    Column("เหตุผล", "Reasons (Thai)", T, 50),
    Column("เหตุผล (อังกฤษ)", "Reasons", T, 50),
    Column("รายละเอียด", "Detail", T, 50),
    Column("มูลค่าเงาต่อหน่วย (บาท)", "Shadow value a unit (baht)", B, 16),
    Column("มูลค่าส่วนเพิ่มต่อบาท", "Marginal value a baht", INT, 14),
)
"""One row per order of every kind the round saw, from the stored round report."""

SHADOW_VALUE_COLUMNS = (
    Column("ระดับ", "Tier", T, 14, coded=True),
    Column("เครือข่าย", "Network", T, 14),
    Column("สินค้า", "Product", T, 12),
    Column("เกรด", "Grade", T, 8),
    Column("มูลค่าต่อหน่วย (บาท)", "Value a unit (baht)", B, 16),
    Column("ล็อตสินค้า", "Lot id", T, 16),
)

OVERDUE_COLUMNS = (
    Column("เลขหนี้", "Debt id", T, 20),
    Column("ที่มา", "From", T, 16, coded=True),
    Column("เลขข้อเสนอ", "Proposal", INT, 11, fmt="0"),
    Column("รหัสลูกหนี้", "Debtor id", T, 16),
    Column("ลูกหนี้", "Debtor", T, 34),
    Column("รหัสเจ้าหนี้", "Creditor id", T, 16),
    Column("เจ้าหนี้", "Creditor", T, 34),
    Column("ครบกำหนด", "Due date", D, 14),
    Column("ค้างชำระ (บาท)", "Open (baht)", B, 18),
    Column("ค้างเกินกำหนด (วัน)", "Days past due", INT, 14),
    Column("ณ วันที่", "As of", D, 14),
)
"""One row per debt from the round's loans (instalments) and sales on credit that is
overdue on the export's date (:func:`api.services.payments.open_debts_in`)."""

SUMMARY_COLUMNS = (
    Column("รายการ", "Item", T, 44),
    Column("รายการ (อังกฤษ)", "Key", T, 28),
    Column("จำนวนเงิน (บาท)", "Baht", B, 20),
    Column("ค่า", "Value", T, 60, coded=True),
)
"""A summary row: Thai label, English key, the figure in baht when it is money, else the
value: a count as a number, a date as a date, a status in words, the rest as text."""


def summary_rows(summary: list[tuple[str, str]]) -> list[list[object]]:
    """``("covered_baht / ยอดที่จับคู่ได้", "1500.00")`` → ``["ยอดที่จับคู่ได้",
    "covered_baht", Decimal("1500.00"), None]``; other values stay text."""
    rows: list[list[object]] = []
    for label, value in summary:
        key, _, thai = label.partition(" / ")
        money = key.endswith("_baht") and _is_decimal(value)
        shown = None if money else _value(value)
        rows.append([thai or key, key, Decimal(value) if money else None, shown])
    return rows


def _value(text: str) -> object:
    if text.isascii() and text.isdigit() and len(text) < 16:
        return int(text)
    try:
        return date.fromisoformat(text) if len(text) == 10 else text
    except ValueError:
        return text


def _is_decimal(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True
