"""Stable reason codes for set-off explanations: why a debt was cleared or not.

Codes are part of the public contract (the stored round report, ``/v1``, exports refer to
them): never rename one, only add. Each maps to a Thai and an English sentence.

>>> explain(100, 100, 0), explain(100, 40, 60), explain(100, 0, 100)
(('filled', ('cleared',)), ('partly_filled', ('partly_cleared',)), ('unmatched', ('no_cycle',)))
"""

from __future__ import annotations

from matcher.results import FillState

CLEARED = "cleared"
PARTLY_CLEARED = "partly_cleared"
NO_CYCLE = "no_cycle"

TEXT: dict[str, tuple[str, str]] = {
    CLEARED: ("หักกลบลบหนี้ได้ทั้งจำนวน", "cleared in full by set-off"),
    PARTLY_CLEARED: (
        "หักกลบได้บางส่วน ส่วนที่เหลือต้องชำระเป็นเงินสด",
        "cleared in part; the rest is to be paid in cash",
    ),
    NO_CYCLE: (
        "ไม่มีวงจรหนี้ที่หักกลบผ่านหนี้นี้ได้ ต้องชำระเป็นเงินสด",
        "no circle of debts through it could be cleared; to be paid in cash",
    ),
}


def explain(
    amount_satang: int, set_off_satang: int, remaining_satang: int
) -> tuple[str, tuple[str, ...]]:
    """The fill state (a :class:`FillState` value) and reason codes of one set-off notice."""
    if set_off_satang > 0 and remaining_satang == 0:
        return FillState.FILLED.value, (CLEARED,)
    if set_off_satang > 0:
        return FillState.PARTLY_FILLED.value, (PARTLY_CLEARED,)
    return FillState.UNMATCHED.value, (NO_CYCLE,)
