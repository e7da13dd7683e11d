"""The range of integer row ids.

Every integer primary key (round, proposal, commitment, …) is SQL ``INTEGER``: 32 bits on
PostgreSQL, 64 on SQLite. A number past the smaller range names no row on either backend,
and sent to the database it is an error (PostgreSQL: "integer out of range"), so the edge
never lets one through.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1
"""The largest id an integer primary key holds on every backend."""


def is_row_id(value: int) -> bool:
    """Whether ``value`` can be the id of a row (ids start at 1)."""
    return 1 <= value <= MAX_ROW_ID
