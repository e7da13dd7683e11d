"""Stable reason codes of know-how explanations (add, never rename), Thai and English."""

from __future__ import annotations

MATCHED = "matched"
NO_MENTOR = "no_mentor_for_topic"
OUT_OF_REACH = "no_mentor_within_reach"
CAPACITY_TAKEN = "mentor_capacity_taken"

TEXT: dict[str, tuple[str, str]] = {
    MATCHED: ("จับคู่กับผู้สอนแล้ว", "placed with a mentor"),
    NO_MENTOR: ("ไม่มีผู้สอนหัวข้อนี้", "no mentor teaches this topic"),
    OUT_OF_REACH: ("ไม่มีผู้สอนในระยะเดินทาง", "no mentor within travel reach"),
    CAPACITY_TAKEN: ("ผู้สอนในระยะรับผู้เรียนเต็มแล้ว", "mentors within reach are full"),
}
