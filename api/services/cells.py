"""Whole-number cells of imported spreadsheets, read by the one strict rule of
:func:`api.schemas.common.parse_whole` (ASCII digits, bounded length): a cell holding ``²``
or a 5,000-digit number is a row-numbered problem in the file's report, never a crash.
"""

from __future__ import annotations

from api.schemas.common import parse_whole
from api.services.tabular import RowErrors


def int_cell(
    err: RowErrors, row: int, col: str, text: str, *, lo: int, hi: int, default: int | None = None
) -> int | None:
    """An integer within ``[lo, hi]``; blank gives ``default`` (or an error if None)."""
    if text == "":
        if default is None:
            err.add(row, col, "required (ต้องระบุ)")
        return default
    try:
        return parse_whole(text, lo, hi)
    except ValueError as exc:
        err.add(row, col, str(exc))
        return None
