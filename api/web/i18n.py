"""Thai-first display helpers of the web pages: the language switch, the page texts in Thai
and English, baht amounts and Buddhist Era dates.

Dates are stored in the Gregorian calendar; the Buddhist Era (พ.ศ. = ค.ศ. + 543) is display
only. Month names come from Babel's Thai and English locale data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import get_month_names

from api.web.job_text import TEXT as JOB_TEXT
from matcher.domain import NetworkLevel
from matcher.liquidity.reasons import TEXT as REASON_TEXT
from matcher.money import format_baht, format_bps_percent, satang_to_decimal_string

LANGS = ("th", "en")
LANG_COOKIE = "cm_lang"
BE_OFFSET = 543

TEXT: dict[str, tuple[str, str]] = {
    "app": ("ระบบจับคู่สภาพคล่องระหว่างสหกรณ์", "coopmatch — inter-cooperative matching"),
    "today": ("วันนี้", "Today"),
    "round": ("รันรอบจับคู่", "Run the round"),
    "follow": ("ติดตามผล", "Follow-up"),
    "scenarios": ("จำลองสถานการณ์", "Scenarios"),
    "logout": ("ออกจากระบบ", "Log out"),
    "login": ("เข้าสู่ระบบ", "Log in"),
    "api_key": ("คีย์ API (ผู้ประสานงานหรือสหกรณ์สมาชิก)", "API key (coordinator or member coop)"),
    "login_help": (
        "ใช้คีย์ที่ออกด้วยคำสั่ง coopmatch keys issue --coordinator หรือ --coop",
        "Use a key issued with coopmatch keys issue --coordinator or --coop",
    ),
    "bad_key": (
        "คีย์ไม่ถูกต้อง ถูกเพิกถอน หรือไม่ใช่คีย์ผู้ประสานงานหรือสหกรณ์",
        "The key is unknown, revoked, or not a coordinator or coop key",
    ),
    "still_running": (
        "คำสั่งจากการคลิกครั้งแรกยังทำงานอยู่ กรุณาโหลดหน้าใหม่ภายหลัง",
        "The first click is still being processed; reload the page later",
    ),
    "bad_form": (
        "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่",
        "The form expired or is not valid; reload the page",
    ),
    "too_many": ("ลองเข้าสู่ระบบบ่อยเกินไป กรุณารอสักครู่", "Too many login attempts; wait a moment"),
    "network": ("เครือข่าย", "Network"),
    "business_date": ("วันทำการ", "Business date"),
    "coop": ("สหกรณ์", "Cooperative"),
    "order": ("คำสั่ง", "Order"),
    "kind": ("ประเภท", "Kind"),
    "liquidity_offer": ("เสนอให้กู้", "Funds offered"),
    "liquidity_need": ("ต้องการกู้", "Funds needed"),
    "open_amount": ("ยอดคงเหลือ", "Still open"),
    "stock_lot": ("ผลผลิตส่วนเกิน", "Surplus stock"),
    "purchase_order": ("ต้องการซื้อ", "Wants to buy"),
    "obligation": ("หนี้ที่ต้องชำระ", "Debt owed"),
    "owed_total": ("รวมหนี้ระหว่างสหกรณ์ (บาท)", "Debts owed (baht)"),
    "detail": ("รายละเอียด", "Detail"),
    "date": ("วันที่", "Date"),
    "rate": ("อัตราดอกเบี้ย", "Rate"),
    "term": ("ระยะเวลา (วัน)", "Term (days)"),
    "urgency": ("ความเร่งด่วน", "Urgency"),
    "tier": ("ระดับ", "Tier"),
    "offers_total": ("รวมเงินเสนอให้กู้ (บาท)", "Offered total (baht)"),
    "needs_total": ("รวมเงินต้องการกู้ (บาท)", "Needed total (baht)"),
    "totals_per_tier": ("ยอดรวมตามระดับเครือข่าย", "Totals per tier"),
    "no_orders": ("ไม่มีคำสั่งค้าง", "No open orders"),
    "preview": ("ดูผลล่วงหน้า", "Preview"),
    "run": ("รันรอบและบันทึก", "Run and save"),
    "new_version": (
        "รันใหม่เป็นฉบับใหม่ (ยกเลิกข้อเสนอที่ยังไม่มีใครตอบรับ)",
        "Run a new version (voids proposals nobody accepted yet)",
    ),
    "force_date": (
        "รันแม้วันที่ห่างจากวันนี้มาก (ตรวจสอบปีก่อน)",
        "Run although the date is far from today (check the year first)",
    ),
    "running": ("กำลังคำนวณ…", "Solving…"),
    "preview_note": ("ผลล่วงหน้ายังไม่ถูกบันทึก", "A preview saves nothing"),
    "round_saved": ("บันทึกรอบแล้ว", "Round saved"),
    "round_reused": (
        "รอบของวันนี้รันไปแล้ว แสดงผลที่บันทึกไว้",
        "Today's round was already run; showing the saved round",
    ),
    "status": ("สถานะ", "Status"),
    "covered": ("จับคู่ได้ (บาท)", "Covered (baht)"),
    "needed": ("ต้องการ (บาท)", "Needed (baht)"),
    "lender": ("ผู้ให้กู้", "Lender"),
    "borrower": ("ผู้กู้", "Borrower"),
    "amount": ("จำนวนเงิน (บาท)", "Amount (baht)"),
    "interest": ("ดอกเบี้ย (บาท)", "Interest (baht)"),
    "explanation": ("คำอธิบาย", "Explanation"),
    "binding_rule": ("กฎที่เป็นข้อจำกัด", "Binding rule"),
    "proposals": ("ข้อเสนอ", "Proposals"),
    "unmatched": ("คำสั่งที่จับคู่ไม่ได้ทั้งหมดหรือบางส่วน", "Unmatched or partly matched orders"),
    "reason": ("เหตุผล", "Reason"),
    "picture": ("ภาพการให้กู้และการขายในเครือข่าย", "Who lends to and sells to whom"),
    "legend": (
        "เส้นสีเขียว = เงินกู้, เส้นสีส้ม = การขายผลผลิต; เส้นหนา = จำนวนมาก",
        "green = loans, orange = produce sales; thicker = more",
    ),
    "debt_cleared": ("หนี้ที่หักกลบได้ (บาท)", "Debt cleared by set-off (baht)"),
    "needs_posted": ("ความต้องการกู้ที่แจ้ง (บาท)", "Needs posted (baht)"),
    "needs_shrunk": ("ความต้องการที่ลดลงจากการหักกลบ (บาท)", "Needs shrunk by set-off (baht)"),
    "loans_total": ("เงินกู้ที่เสนอ (บาท)", "Loans proposed (baht)"),
    "sales_total": ("มูลค่าการขายที่เสนอ (บาท)", "Sales proposed (baht)"),
    "new_obligations": ("หนี้ใหม่จากการขายเชื่อ (บาท)", "New obligations from credit sales (baht)"),
    "loans": ("ข้อเสนอเงินกู้", "Loan proposals"),
    "sales": ("ข้อเสนอการขายผลผลิต", "Produce sale proposals"),
    "seller": ("ผู้ขาย", "Seller"),
    "buyer": ("ผู้ซื้อ", "Buyer"),
    "product": ("สินค้า", "Product"),
    "grade": ("เกรด", "Grade"),
    "quantity": ("ปริมาณ", "Quantity"),
    "price_unit": ("ราคาต่อหน่วย (บาท)", "Price per unit (baht)"),
    "value": ("มูลค่าขาย (บาท)", "Sale amount (baht)"),
    "transport": ("ค่าขนส่ง (บาท)", "Transport (baht)"),
    "delivery": ("วันส่งมอบ", "Delivery"),
    "setoff_round": ("การหักกลบลบหนี้ของรอบนี้", "Debt set-off in this round"),
    "shrunk": ("ความต้องการกู้ที่ลดลงเพราะหักกลบ", "Needs shrunk by set-off"),
    "set_off": ("หักกลบ (บาท)", "Set off (baht)"),
    "relief": ("ลดลง (บาท)", "Relief (baht)"),
    "new_amount": ("ต้องการกู้ต่อ (บาท)", "Still needed (baht)"),
    "asked": ("ต้องการ", "Asked"),
    "matched": ("จับคู่ได้", "Matched"),
    "loan": ("เงินกู้", "Loan"),
    "sale": ("ขาย", "Sale"),
    "credit_sale": ("ขายเชื่อ เป็นหนี้", "credit sale, obligation"),
    "saved_tables": ("ข้อมูลที่บันทึกไว้ของรอบ", "The saved round"),
    "download_xlsx": ("ดาวน์โหลด Excel", "Download Excel"),
    "download_csv": ("ดาวน์โหลด CSV", "Download CSV"),
    "download_xlsx_be": ("Excel (ปี พ.ศ.)", "Excel (Buddhist Era years)"),
    "letters_zip": ("หนังสือทั้งหมดของรอบ (PDF)", "Every letter of the round (PDF)"),
    "letter": ("หนังสือ PDF", "Letter (PDF)"),
    "not_found_title": ("ไม่พบหน้านี้ (404)", "Page not found (404)"),
    "not_found_text": (
        "ไม่พบข้อมูลหรือหน้าที่ต้องการ หรือท่านไม่มีสิทธิ์ดู",
        "There is no such page or record, or it is not yours to see.",
    ),
    "not_found_back": ("กลับไปหน้าแรก", "Back to the start page"),
    "solve_optimal": ("ดีที่สุดแล้ว (optimal)", "optimal"),
    "solve_feasible": ("ใช้ได้ ไม่ได้พิสูจน์ว่าดีที่สุด (feasible)", "feasible, not proven best"),
    "solve_time_limited": ("ครบเวลาคำนวณ ใช้คำตอบที่ดีที่สุดที่หาได้", "time limit reached"),
    "solve_infeasible": ("ไม่มีคำตอบที่เป็นไปได้", "infeasible"),
    "pending": ("รอตอบรับ", "Waiting"),
    "committed": ("ตอบรับแล้ว", "Accepted"),
    "declined": ("ปฏิเสธ", "Declined"),
    "expired": ("หมดอายุ", "Expired"),
    "voided": ("ยกเลิกโดยรอบใหม่", "Voided"),
    "expires": ("หมดอายุ", "Expires"),
    "ledger": ("บัญชีภาระผูกพัน", "Commitments ledger"),
    "repayments": ("กำหนดชำระคืน", "Repayment dates"),
    "setoffs": ("หนังสือแจ้งหักกลบลบหนี้", "Set-off notices"),
    "explanations": ("ผลและเหตุผลของทุกคำสั่ง", "Every order: outcome and reasons"),
    "escalated": ("งานที่ส่งต่อขึ้นมาจากเครือข่ายระดับล่าง", "Escalated from the networks below"),
    "escalated_help": (
        "ความต้องการที่รอบล่าสุดของเครือข่ายระดับล่างยังจับคู่ไม่ได้ รอบถัดไปของเครือข่ายนี้จะนำไปจับคู่ต่อ",
        "What the latest rounds of the networks below left open; this network's next round "
        "takes it up",
    ),
    "from_network": ("จากเครือข่าย", "From network"),
    "left_open": ("ค้างจากรอบนั้น", "Left open"),
    "open_now": ("ยังค้างอยู่", "Open now"),
    "shadow_values": ("มูลค่าเงาของสินค้าที่ขาดแคลน", "Shadow values where supply is scarce"),
    "debtor": ("ลูกหนี้", "Debtor"),
    "creditor": ("เจ้าหนี้", "Creditor"),
    "remaining": ("คงเหลือ (บาท)", "Remaining (baht)"),
    "none": ("ไม่มีรายการ", "Nothing here"),
    "scenario": ("สถานการณ์", "Scenario"),
    "runs": ("จำนวนรอบจำลอง", "Runs"),
    "days": ("จำนวนวันของฤดูกาล", "Season days"),
    "idle_share": ("สัดส่วนเงินทุนที่นำมาให้กู้ (%)", "Idle funds offered (%)"),
    "seed": ("เมล็ดสุ่ม", "Seed"),
    "fairness": ("การแบ่งเงินเมื่อไม่พอ", "Sharing scarce funds"),
    "fairness_file": ("ตามที่แต่ละนโยบายกำหนด", "as each policy says"),
    "fairness_maxmin": ("ให้ทุกรายได้สัดส่วนใกล้กัน (max-min)", "max-min fill ratio"),
    "fairness_proportional": ("ตามสัดส่วนความต้องการ", "proportional"),
    "fairness_coverage": ("ให้ได้ยอดรวมมากที่สุด", "plain maximum coverage"),
    "simulate": ("จำลอง", "Simulate"),
    "policy_table": ("เปรียบเทียบนโยบาย", "Policies side by side"),
    "illustrative": ("ตัวอย่างสมมติ", "Illustrative"),
    "bad_input": ("ข้อมูลไม่ถูกต้อง", "Invalid input"),
    "language": ("English", "ภาษาไทย"),
    "members": ("สมาชิก", "Members"),
    "show": ("แสดง", "Show"),
    "my_proposals": ("ข้อเสนอของสหกรณ์", "Our proposals"),
    "counterparty": ("คู่สัญญา", "Counterparty"),
    "side": ("บทบาท", "Role"),
    "supply_loan": ("ผู้ให้กู้", "lender"),
    "demand_loan": ("ผู้กู้", "borrower"),
    "supply_sale": ("ผู้ขาย", "seller"),
    "demand_sale": ("ผู้ซื้อ", "buyer"),
    "accept": ("ตอบรับ", "Accept"),
    "decline": ("ปฏิเสธ", "Decline"),
    "you_accepted": ("ตอบรับแล้ว รออีกฝ่าย", "Accepted; waiting for the other side"),
    "partly_filled": ("จับคู่ได้บางส่วน", "partly matched"),
    "unmatched_state": ("จับคู่ไม่ได้", "unmatched"),
    "offer": ("ผู้ให้กู้", "offer"),
    "need": ("ผู้กู้", "need"),
}

TIER_TEXT: dict[int, tuple[str, str]] = {
    NetworkLevel.AREA: ("ระดับพื้นที่", "area"),
    NetworkLevel.PROVINCE: ("ระดับจังหวัด", "province"),
    NetworkLevel.REGION: ("ระดับภาค", "region"),
    NetworkLevel.NATIONAL: ("ระดับประเทศ", "national"),
}

TEXT.update(JOB_TEXT)  # the funding-plan and stress page's own texts

TIER_BY_NAME = {"area": 0, "province": 1, "region": 2, "national": 3}


def state_text(state: str, lang: str) -> str:
    """A fill state (filled / partly_filled / unmatched) in words."""
    return text("unmatched_state" if state == "unmatched" else state, lang)


def tier_label(name: str, lang: str) -> str:
    """A tier stored by name (``area``) in words (``ระดับพื้นที่``)."""
    level = TIER_BY_NAME.get(name)
    return name if level is None else tier_name(level, lang)


def pick_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The page language: ``?lang=`` first, then the cookie, else Thai.

    >>> pick_lang(None, None), pick_lang("en", "th"), pick_lang("xx", "en")
    ('th', 'en', 'en')
    """
    for lang in (query_lang, cookie_lang):
        if lang in LANGS:
            return str(lang)
    return "th"


def text(key: str, lang: str) -> str:
    """The page text ``key`` in ``lang`` (the key itself when unknown)."""
    pair = TEXT.get(key) or REASON_TEXT.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "th" else pair[1]


def tier_name(level: int, lang: str) -> str:
    """A network level's name, e.g. ``ระดับพื้นที่`` / ``area``."""
    th, en = TIER_TEXT.get(level, (str(level), str(level)))
    return th if lang == "th" else en


def long_date(day: date | datetime | None, lang: str) -> str:
    """A date written out: Buddhist Era in Thai, Gregorian in English.

    >>> long_date(date(2026, 11, 21), "th"), long_date(date(2026, 11, 21), "en")
    ('21 พฤศจิกายน 2569', '21 November 2026')
    >>> long_date(None, "th")
    '-'
    """
    if day is None:
        return "-"
    if isinstance(day, datetime):
        day = day.date()
    months = get_month_names("wide", locale="th" if lang == "th" else "en")
    year = day.year + BE_OFFSET if lang == "th" else day.year
    return f"{day.day} {months[day.month]} {year}"


def baht(amount_satang: int | None) -> str:
    """Satang as baht with thousands separators (``1,234.50``); ``-`` when unknown."""
    return "-" if amount_satang is None else format_baht(int(amount_satang))


def percent(rate_bps: int | None) -> str:
    """Basis points as a percentage with two places."""
    return "-" if rate_bps is None else format_bps_percent(int(rate_bps))


def baht_decimal(amount_satang: int) -> Decimal:
    """Satang as an exact baht :class:`~decimal.Decimal` (a number cell in Excel).

    >>> baht_decimal(123456), baht_decimal(-5)
    (Decimal('1234.56'), Decimal('-0.05'))
    """
    return Decimal(satang_to_decimal_string(amount_satang))


def percent_decimal(rate_bps: int | None) -> Decimal | None:
    """Basis points as an exact percentage :class:`~decimal.Decimal` (``350`` → ``3.50``).

    >>> percent_decimal(350), percent_decimal(None)
    (Decimal('3.50'), None)
    """
    return None if rate_bps is None else Decimal(int(rate_bps)).scaleb(-2)
