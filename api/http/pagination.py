"""Cursor pagination: an opaque cursor naming the last id of the previous page (≤ 100 a page)."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator

from api.db.ids import is_row_id
from api.http.errors import ApiError
from api.http.strict import PLAIN_TEXT, has_control
from api.schemas.common import whole_text

MAX_LIMIT = 100

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description="items per page (at most 100)"),
    BeforeValidator(whole_text),
]
Cursor = Annotated[
    str | None,
    Query(max_length=200, pattern=PLAIN_TEXT, description="`next_cursor` of the previous page"),
]


def encode(last: str | int) -> str:
    """The cursor after ``last``."""
    return base64.urlsafe_b64encode(json.dumps([last]).encode()).decode().rstrip("=")


def decode(cursor: str | None, kind: type) -> Any:
    """The id a cursor points after (None for the first page); 422 on a bad cursor.

    A cursor only ever holds the id of a row, so an integer no row can have (see
    :data:`~api.db.ids.MAX_ROW_ID`) or a text with a control character is as bad as any
    other made-up cursor."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        (value,) = json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise ApiError(422, "validation", "cursor is not valid") from exc
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ApiError(422, "validation", "cursor is not valid")
    if isinstance(value, int) and not is_row_id(value):
        raise ApiError(422, "validation", "cursor is not valid")
    if isinstance(value, str) and has_control(value):
        raise ApiError(422, "validation", "cursor is not valid")
    return value


def next_cursor(items: list[Any], limit: int, key: str) -> tuple[list[Any], str | None]:
    """Trim a ``limit + 1`` fetch to ``limit`` items and the cursor after the last one."""
    if len(items) <= limit:
        return items, None
    page = items[:limit]
    return page, encode(getattr(page[-1], key))
