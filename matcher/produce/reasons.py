"""Stable reason codes for produce explanations.

Codes are part of the public contract (API, exports and reports refer to them): never rename
one, only add. Each maps to a Thai and an English sentence for people.
"""

from __future__ import annotations

SOLD = "sold"
FILLED = "filled"
EXPIRED = "expired"
NO_NETWORK = "no_network"
NO_BUYER = "no_buyer"
NO_SELLER = "no_seller"
GRADE_NOT_ACCEPTED = "grade_not_accepted"
GRADE_NOT_OFFERED = "grade_not_offered"
NO_BUYER_IN_REACH = "no_buyer_within_reach"
NO_SELLER_IN_REACH = "no_seller_within_reach"
TOO_LATE = "delivery_too_late"
PRICE_GAP = "price_gap"
BUYERS_SCARCE = "buyers_scarce"
SUPPLY_SCARCE = "supply_scarce"
TRUCK_NOT_FULL = "truck_not_full"
CAPACITY = "processing_capacity"
BELOW_MIN_LOT = "below_min_lot"

TEXT: dict[str, tuple[str, str]] = {
    SOLD: ("ขายได้ครบ", "sold in full"),
    FILLED: ("ได้รับสินค้าครบ", "filled in full"),
    EXPIRED: ("สินค้าหมดอายุแล้ว", "the lot has expired"),
    NO_NETWORK: ("ไม่ได้อยู่ในเครือข่ายใด", "not a member of any network"),
    NO_BUYER: ("ไม่มีผู้ซื้อสินค้านี้ในเครือข่าย", "no buyer of this product in the network"),
    NO_SELLER: ("ไม่มีผู้ขายสินค้านี้ในเครือข่าย", "no seller of this product in the network"),
    GRADE_NOT_ACCEPTED: ("ไม่มีผู้ซื้อรับเกรดนี้", "no buyer accepts this grade"),
    GRADE_NOT_OFFERED: ("ไม่มีผู้ขายเกรดที่ต้องการ", "no seller offers an accepted grade"),
    NO_BUYER_IN_REACH: ("ไม่มีผู้ซื้อในระยะขนส่ง", "no buyer within reach"),
    NO_SELLER_IN_REACH: ("ไม่มีผู้ขายในระยะขนส่ง", "no seller within reach"),
    TOO_LATE: ("ส่งไม่ทันวันหมดอายุหรือวันที่ต้องการ", "cannot be delivered in time"),
    PRICE_GAP: ("ราคาไม่ตรงกันหลังหักค่าขนส่ง", "price gap after transport and spoilage"),
    BUYERS_SCARCE: ("ผู้ซื้อมีจำกัด แบ่งกันตามนโยบาย", "buyers are scarce and were shared"),
    SUPPLY_SCARCE: ("สินค้ามีจำกัด", "supply within reach is exhausted"),
    TRUCK_NOT_FULL: ("ปริมาณไม่คุ้มค่ารถบรรทุก", "truck not full enough to pay for itself"),
    CAPACITY: ("กำลังการแปรรูปเต็ม", "processing capacity is full"),
    BELOW_MIN_LOT: ("ได้ไม่ถึงปริมาณขั้นต่ำ", "could not reach the minimum lot"),
}
