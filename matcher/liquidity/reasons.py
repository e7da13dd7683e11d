"""Stable reason codes for liquidity explanations.

Codes are part of the public contract (API, exports and reports refer to them): never rename
one, only add. Each maps to a Thai and an English sentence for people.
"""

from __future__ import annotations

FILLED = "filled"
NO_NETWORK = "no_network"
BYLAWS_NO_BORROWING = "bylaws_no_borrowing"
BYLAWS_NO_LENDING = "bylaws_no_lending"
BORROWING_LIMIT = "borrowing_limit"
RESERVE_FLOOR = "reserve_floor"
RATE_GAP = "rate_gap"
TERM_TOO_LONG = "term_too_long"
NO_COMPATIBLE_NEED = "no_compatible_need"
FUNDS_EXHAUSTED = "funds_exhausted"
DEMAND_EXHAUSTED = "demand_exhausted"
BELOW_MINIMUM = "below_minimum_amount"
MAX_LENDERS = "max_lenders"
EXPOSURE_CAP = "exposure_cap"
FAIR_SHARE = "fair_share"
HIGHER_PRIORITY = "higher_urgency_first"
NO_OFFER_IN_REACH = "no_offer_in_reach"
NO_NEED_IN_REACH = "no_need_in_reach"

TEXT: dict[str, tuple[str, str]] = {
    FILLED: ("จับคู่ได้ครบ", "fully matched"),
    NO_NETWORK: ("ไม่ได้อยู่ในเครือข่ายเดียวกับคู่ใดเลย", "shares no network with any counterpart"),
    BYLAWS_NO_BORROWING: ("ข้อบังคับไม่อนุญาตให้กู้จากสหกรณ์อื่น", "bylaws do not allow borrowing"),
    BYLAWS_NO_LENDING: ("ข้อบังคับไม่อนุญาตให้ให้กู้แก่สหกรณ์อื่น", "bylaws do not allow lending"),
    BORROWING_LIMIT: (
        "ถึงวงเงินกู้ยืมที่นายทะเบียนอนุมัติแล้ว",
        "registrar-approved borrowing limit reached",
    ),
    RESERVE_FLOOR: ("ต้องคงเงินสำรองสภาพคล่องไว้", "lender must keep its liquidity reserve"),
    RATE_GAP: ("อัตราดอกเบี้ยไม่ตรงกับคู่ใด", "no counterpart with a compatible rate"),
    TERM_TOO_LONG: ("ระยะเวลากู้ยาวเกินกว่าที่ผู้ให้กู้รับได้", "term longer than any lender accepts"),
    NO_COMPATIBLE_NEED: (
        "ไม่มีผู้กู้ที่อัตราและระยะเวลาตรงกัน",
        "no need with compatible rate and term",
    ),
    FUNDS_EXHAUSTED: ("เงินทุนในเครือข่ายไม่พอ", "funds in reach are exhausted"),
    DEMAND_EXHAUSTED: ("ความต้องการกู้ในเครือข่ายหมดแล้ว", "all compatible needs are met"),
    BELOW_MINIMUM: (
        "ได้ไม่ถึงจำนวนขั้นต่ำที่ใช้ประโยชน์ได้",
        "could not reach the minimum useful amount",
    ),
    MAX_LENDERS: ("ถึงจำนวนผู้ให้กู้สูงสุดต่อคำขอแล้ว", "maximum number of lenders reached"),
    EXPOSURE_CAP: ("ถึงเพดานการให้กู้ต่อผู้กู้รายเดียว", "lender's cap per borrower reached"),
    FAIR_SHARE: ("แบ่งเงินที่มีจำกัดอย่างเป็นธรรม", "scarce funds shared fairly"),
    HIGHER_PRIORITY: ("ให้คำขอที่เร่งด่วนกว่าก่อน", "more urgent needs served first"),
    NO_OFFER_IN_REACH: (
        "ไม่มีข้อเสนอให้กู้ในเครือข่ายของสหกรณ์เลย",
        "no lending offer in any of its networks",
    ),
    NO_NEED_IN_REACH: (
        "ไม่มีคำขอกู้ในเครือข่ายของสหกรณ์เลย",
        "no borrowing need in any of its networks",
    ),
}
