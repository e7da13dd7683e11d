"""Stable reason codes for joint-purchase explanations.

Codes are part of the public contract (files, exports and reports refer to them): never
rename one, only add. Each maps to a Thai and an English sentence for people.
"""

from __future__ import annotations

SERVED = "served"
POOLED = "pooled"
ALONE = "bought_alone"
NO_OFFER = "no_offer"
OUT_OF_REACH = "out_of_reach"
TOO_LATE = "delivery_too_late"
ABOVE_CAPACITY = "above_capacity"
PRICE_ABOVE_LIMIT = "price_above_limit"
BELOW_MIN_ORDER = "below_min_order"
CAPACITY_TAKEN = "capacity_taken"
NO_SAVING = "no_saving"

TEXT: dict[str, tuple[str, str]] = {
    SERVED: ("ได้รับการจัดซื้อ", "served"),
    POOLED: ("ซื้อร่วมกับสหกรณ์อื่นจนได้ราคาขั้นที่ต่ำกว่า", "pooled with other buyers"),
    ALONE: ("ซื้อคนเดียวจากผู้ขายรายนี้", "served alone by this offer"),
    NO_OFFER: ("ไม่มีผู้ขายเสนอสินค้านี้", "no supplier offers this product"),
    OUT_OF_REACH: ("ผู้ขายทุกรายอยู่นอกระยะส่ง", "every offer is out of delivery reach"),
    TOO_LATE: ("ผู้ขายส่งไม่ทันวันที่ต้องการ", "no offer delivers by the deliver-by date"),
    ABOVE_CAPACITY: ("ปริมาณที่ต้องการเกินกำลังขายของผู้ขาย", "the need exceeds every offer's capacity"),
    PRICE_ABOVE_LIMIT: (
        "ราคาต่ำสุดรวมค่าขนส่งยังสูงกว่าราคาสูงสุดที่รับได้",
        "even the lowest tier price plus delivery is above the highest price",
    ),
    BELOW_MIN_ORDER: (
        "ปริมาณต่ำกว่ายอดสั่งซื้อขั้นต่ำและไม่มีกลุ่มให้ร่วมซื้อ",
        "below the minimum order and no group to join",
    ),
    CAPACITY_TAKEN: (
        "กำลังขายของผู้ขายถูกใช้โดยผู้ซื้อรายอื่นแล้ว",
        "the offer's capacity went to other buyers",
    ),
    NO_SAVING: ("การรวมซื้อไม่ทำให้ประหยัดได้สำหรับรายการนี้", "pooling this need saves nothing"),
}
