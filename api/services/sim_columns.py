"""The columns of the simulator's files (``simulation.xlsx``, the CSVs, the web's policy
table): Thai and English headers, money in baht, shares as percentages.

The simulator's rows (:mod:`scenarios.sim.report`) keep their keys; a key names its unit
(``*_satang``, ``*_baht``, ``*_pct``, ``*_bps``, ``*_units``), and a key not listed here is
shown under its own name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from api.services.sheets import Column, Kind, Sheet

B, INT, N, P, T = Kind.BAHT, Kind.INTEGER, Kind.NUMBER, Kind.PERCENT, Kind.TEXT

_NAMED: dict[str, tuple[str, str, Kind]] = {
    "policy": ("นโยบาย", "Policy", T),
    "run": ("รอบจำลองที่", "Run", INT),
    "runs": ("จำนวนรอบจำลอง", "Runs", INT),
    "coop": ("สหกรณ์", "Coop", T),
    "need_covered_pct": ("ความต้องการที่ได้เงิน", "Need covered", P),
    "need_baht": ("ความต้องการเงิน (บาท)", "Need (baht)", B),
    "loans_baht": ("เงินกู้ (บาท)", "Loans (baht)", B),
    "interest_baht": ("ดอกเบี้ย (บาท)", "Interest (baht)", B),
    "setoff_baht": ("หักกลบลบหนี้ (บาท)", "Set off (baht)", B),
    "sold_units": ("ขายได้ (หน่วย)", "Sold (units)", INT),
    "spoiled_units": ("เน่าเสีย (หน่วย)", "Spoiled (units)", INT),
    "turned_away_units": ("รับซื้อไม่ได้ (หน่วย)", "Turned away (units)", INT),
    "days_short_p50": ("วันที่ขาดเงิน ค่ากลาง", "Days short, median", N),
    "days_short_p95": ("วันที่ขาดเงิน เปอร์เซ็นไทล์ 95", "Days short, 95th percentile", N),
    "days_short_max": ("วันที่ขาดเงินมากที่สุด", "Days short, most", INT),
    "min_fill_pct": ("สัดส่วนได้เงินต่ำสุด", "Lowest fill", P),
    "gini_fill": ("ความเหลื่อมล้ำ (สัมประสิทธิ์จีนี)", "Inequality (Gini)", N),
    "loans_by_tier": ("เงินกู้ตามระดับ (บาท)", "Loans by tier (baht)", T),
    "sales_by_tier": ("ขายตามระดับ (บาท)", "Sales by tier (baht)", T),
    "need_satang": ("ความต้องการเงิน (บาท)", "Need (baht)", B),
    "covered_satang": ("ได้เงิน (บาท)", "Covered (baht)", B),
    "loans_satang": ("เงินกู้ (บาท)", "Loans (baht)", B),
    "interest_satang": ("ดอกเบี้ย (บาท)", "Interest (baht)", B),
    "setoff_cleared_satang": ("หักกลบลบหนี้ (บาท)", "Set off (baht)", B),
    "arrived_units": ("ผลผลิตเข้ามา (หน่วย)", "Arrived (units)", INT),
    "accepted_units": ("รับซื้อ (หน่วย)", "Accepted (units)", INT),
    "held_units": ("คงคลัง (หน่วย)", "Held (units)", INT),
    "sales_satang": ("ยอดขาย (บาท)", "Sales (baht)", B),
    "paid_farmers_satang": ("จ่ายเกษตรกร (บาท)", "Paid to farmers (baht)", B),
    "transport_satang": ("ค่าขนส่ง (บาท)", "Transport (baht)", B),
    "retail_in_satang": ("รายรับขายปลีก (บาท)", "Retail income (baht)", B),
    "cash_start_satang": ("เงินสดต้นฤดู (บาท)", "Cash at start (baht)", B),
    "cash_end_satang": ("เงินสดปลายฤดู (บาท)", "Cash at end (baht)", B),
    "receivables_end_satang": ("ลูกหนี้ปลายฤดู (บาท)", "Receivables at end (baht)", B),
    "rounds": ("จำนวนรอบจับคู่", "Rounds", INT),
    "min_fill_bps": ("สัดส่วนได้เงินต่ำสุด", "Lowest fill", P),
    "gini_fill_bps": ("ความเหลื่อมล้ำ (สัมประสิทธิ์จีนี)", "Inequality (Gini)", N),
}
_TIER_TH = {"area": "ระดับพื้นที่", "province": "ระดับจังหวัด", "region": "ระดับภาค",
            "national": "ระดับประเทศ"}  # fmt: skip


def sim_column(key: str) -> Column:
    """The column of one simulator key (per-tier keys such as ``loans_area_satang`` too)."""
    if key in _NAMED:
        th, en, kind = _NAMED[key]
        per = 100 if key.endswith(("_satang", "_bps")) else 1
        if key == "gini_fill_bps":
            return Column(th, en, kind, 14, per=10_000, fmt="0.000")
        return Column(th, en, kind, 16 if kind != T else 22, per=per,
                      fmt="0.000" if key == "gini_fill" else None)  # fmt: skip
    parts = key.split("_")
    if len(parts) == 3 and parts[0] in ("loans", "sales") and parts[2] == "satang":
        what = "เงินกู้" if parts[0] == "loans" else "ยอดขาย"
        tier = _TIER_TH.get(parts[1], parts[1])
        return Column(f"{what} {tier} (บาท)", f"{parts[0]} {parts[1]} (baht)", B, 18, per=100)
    return Column(key, key)


def sim_sheet(title: str, keys: Sequence[str], rows: Sequence[Mapping[str, object]]) -> Sheet:
    """A simulator table: one column per key, missing values as 0 (as the CSVs always had)."""
    body = [[row.get(k, 0) for k in keys] for row in rows]
    return Sheet(title, [sim_column(k) for k in keys], body)
