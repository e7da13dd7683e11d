"""The ``detail`` of a problem the edge itself raises, in Thai.

The edge's refusals (authentication, idempotency, limits, query checks, a missing object)
are written in English where they are raised; this table gives each its Thai sentence, the
parts that vary (a key, a parameter, a size) carried over. A service's refusal carries its
own Thai (:class:`api.services.errors.ServiceError`), and a validation error is worded by
:mod:`api.http.validation_text`. A detail that matches nothing here is kept, after the
problem's Thai title, so a Thai reader still gets a Thai sentence first.
"""

from __future__ import annotations

import re

THAI_DETAILS: tuple[tuple[str, str], ...] = (
    (r"the object does not exist", "ไม่พบข้อมูล"),
    (r"(?P<what>.+) does not exist", "ไม่พบ {what}"),
    (r"cursor is not valid", "cursor ไม่ถูกต้อง"),
    (r"(?P<what>\S+) is a POST", "{what} ต้องส่งด้วย POST"),
    (r"send Authorization: Bearer <(?P<what>[^>]+)>", "ต้องส่ง Authorization: Bearer <{what}>"),
    (r"unknown or revoked API key", "ไม่รู้จักคีย์ API นี้ หรือคีย์ถูกเพิกถอนแล้ว"),
    (r"malformed API key", "รูปแบบคีย์ API ไม่ถูกต้อง"),
    (r"rate limit exceeded", "ส่งคำขอเกินอัตราที่กำหนด กรุณารอสักครู่"),
    (r"too many key checks at once", "มีการตรวจคีย์พร้อมกันมากเกินไป กรุณาลองใหม่"),
    (r"too many checks of this API key; wait", "ตรวจคีย์ API นี้บ่อยเกินไป กรุณารอสักครู่"),
    (r"this operation needs a member \(coop\) key", "รายการนี้ต้องใช้คีย์ของสหกรณ์สมาชิก"),
    (r"this operation needs a coordinator key", "รายการนี้ต้องใช้คีย์ของผู้ประสานงานเครือข่าย"),
    (r"this operation needs an admin key", "รายการนี้ต้องใช้คีย์ของผู้ดูแลระบบ"),
    (r"send an Idempotency-Key header \((?P<n>[^)]+)\)",
     "ต้องส่ง header Idempotency-Key (ยาว {n} ตัวอักษร)"),
    (r"Idempotency-Key must be at most (?P<n>\d+) characters",
     "Idempotency-Key ยาวได้ไม่เกิน {n} ตัวอักษร"),
    (r"Idempotency-Key (?P<key>.+) was used for another request",
     "Idempotency-Key {key} ถูกใช้กับคำขออื่นแล้ว"),
    (r"Idempotency-Key (?P<key>.+) is still in flight",
     "คำขอที่ใช้ Idempotency-Key {key} ยังทำงานอยู่ กรุณาลองใหม่ภายหลัง"),
    (r"query: unknown parameter\(s\) (?P<names>.+)", "query: ไม่รู้จักพารามิเตอร์ {names}"),
    (r"query: (?P<names>.+) given more than once", "query: ระบุ {names} มากกว่าหนึ่งครั้ง"),
    (r"body too slow", "ส่งข้อมูลคำขอช้าเกินไป"),
    (r"at most (?P<n>\d+) bytes", "คำขอมีขนาดได้ไม่เกิน {n} ไบต์"),
    (r"the database connection was lost or refused; retry with the same key",
     "การเชื่อมต่อฐานข้อมูลขาดหรือถูกปฏิเสธ กรุณาลองใหม่ด้วย Idempotency-Key เดิม"),
    (r"internal error", "ระบบขัดข้อง"),
    (r"Not Found", "ไม่พบข้อมูล"),
    (r"Method Not Allowed", "ไม่รองรับเมธอดนี้"),
    (r"body: (?P<rest>.+)", "body: เนื้อหาคำขอไม่ใช่ JSON ที่อ่านได้ ({rest})"),
)  # fmt: skip
_COMPILED = tuple((re.compile(pattern), thai) for pattern, thai in THAI_DETAILS)


def thai_detail(detail: str) -> str | None:
    """The Thai sentence of an edge refusal's English ``detail``; None when unknown.

    >>> thai_detail("coop does not exist"), thai_detail("rate limit exceeded")
    ('ไม่พบ coop', 'ส่งคำขอเกินอัตราที่กำหนด กรุณารอสักครู่')
    >>> thai_detail("something new") is None
    True
    """
    for pattern, thai in _COMPILED:
        found = pattern.fullmatch(detail)
        if found is not None:
            return thai.format(**found.groupdict())
    return None
