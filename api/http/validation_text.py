"""A validation error's message in Thai or English, for ``/v1`` problem details and the web
forms alike.

Pydantic writes its messages in English; here each error type the API's schemas raise gets
a Thai sentence with the same numbers (its ``ctx``). The project's own checks raise
``ValueError("English (ไทย)")``: the Thai is the last parenthesised part, the English the
rest. An error type with no Thai sentence keeps pydantic's English message after a general
Thai one, so nothing is ever lost.
"""

from __future__ import annotations

import re
from typing import Any

THAI = re.compile(r"[\u0e00-\u0e7f]")
_OWN = re.compile(r"^(?P<en>.*\S)\s*\((?P<th>[^()]*[\u0e00-\u0e7f][^()]*)\)\s*$", re.S)

THAI_BY_TYPE: dict[str, str] = {
    "missing": "ต้องระบุ",
    "extra_forbidden": "ไม่รู้จักช่องนี้",
    "int_type": "ต้องเป็นจำนวนเต็ม",
    "int_parsing": "ต้องเป็นจำนวนเต็ม",
    "int_from_float": "ต้องเป็นจำนวนเต็ม",
    "string_type": "ต้องเป็นข้อความ",
    "bool_type": "ต้องเป็น true หรือ false",
    "date_type": "ต้องเป็นวันที่ในรูปแบบ ปปปป-ดด-วว (ค.ศ.)",
    "date_from_datetime_parsing": "ต้องเป็นวันที่ในรูปแบบ ปปปป-ดด-วว (ค.ศ.)",
    "list_type": "ต้องเป็นรายการ",
    "dict_type": "ต้องเป็นออบเจกต์",
    "model_type": "ต้องเป็นออบเจกต์",
    "json_invalid": "ไม่ใช่ JSON ที่ถูกต้อง",
    "greater_than_equal": "ต้องไม่น้อยกว่า {ge}",
    "greater_than": "ต้องมากกว่า {gt}",
    "less_than_equal": "ต้องไม่เกิน {le}",
    "less_than": "ต้องน้อยกว่า {lt}",
    "string_too_short": "ต้องยาวอย่างน้อย {min_length} ตัวอักษร",
    "string_too_long": "ต้องยาวไม่เกิน {max_length} ตัวอักษร",
    "string_pattern_mismatch": "รูปแบบไม่ถูกต้อง",
    "too_short": "ต้องมีอย่างน้อย {min_length} รายการ",
    "too_long": "ต้องมีไม่เกิน {max_length} รายการ",
    "literal_error": "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}",
    "enum": "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected}",
    "union_tag_invalid": "kind ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {expected_tags}",
    "union_tag_not_found": "ต้องระบุ kind",
}
GENERAL_TH = "ค่าไม่ถูกต้อง"


def split_own(message: str) -> tuple[str, str]:
    """``"English (ไทย)"`` → ``("English", "ไทย")``; a message with no Thai part → both the same.

    >>> split_own("min_amount must not exceed amount (ต้องไม่เกินจำนวนที่ต้องการ)")
    ('min_amount must not exceed amount', 'ต้องไม่เกินจำนวนที่ต้องการ')
    >>> split_own("at most 5")
    ('at most 5', 'at most 5')
    """
    found = _OWN.match(message)
    if found is None:
        return message, message
    return found["en"], found["th"]


def error_text(error: dict[str, Any], thai: bool) -> str:
    """One pydantic error's message in Thai (``thai``) or English.

    >>> error_text({"type": "less_than_equal", "msg": "...", "ctx": {"le": 36500}}, True)
    'ต้องไม่เกิน 36500'
    >>> error_text({"type": "value_error", "msg": "Value error, bad (ไม่ดี)"}, True)
    'ไม่ดี'
    >>> error_text({"type": "value_error", "msg": "Value error, bad (ไม่ดี)"}, False)
    'bad'
    """
    msg = str(error.get("msg", ""))
    kind = str(error.get("type", ""))
    own = msg.split(", ", 1)[1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg
    en, th = split_own(own)
    if th != en or kind in ("value_error", "assertion_error"):
        return th if thai else en
    if not thai:
        return msg
    template = THAI_BY_TYPE.get(kind)
    if template is None:
        return f"{GENERAL_TH} ({msg})"
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return f"{GENERAL_TH} ({msg})"
