"""Many frozen, slotted result records built at once, column by column.

A national round creates some 150,000 proposals and explanations. A frozen dataclass's
``__init__`` sets every field through ``object.__setattr__`` in Python code, which was most
of their cost; here the instances are allocated in one pass and each field is stored through
its slot descriptor by a C-level ``map`` over the column. The records are the same as the
ones ``cls(*row)`` builds (no ``__post_init__`` and no defaults are involved: every field is
given), which the tests check.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from itertools import repeat
from typing import Any, TypeVar

T = TypeVar("T")


def build_many(cls: type[T], *columns: Sequence[Any]) -> list[T]:
    """``[cls(*row) for row in zip(*columns)]`` for a frozen dataclass with ``slots=True``.

    Args:
        cls: the record type; it must have slots and no ``__post_init__``.
        columns: one sequence per field, in field order, all of the same length.

    Returns:
        The records, in row order.

    Raises:
        ValueError: when the columns do not match the fields, or the type is not a slotted
            dataclass without ``__post_init__``.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, slots=True)
    ... class P:
    ...     a: str
    ...     b: int
    >>> build_many(P, ["x", "y"], [1, 2])
    [P(a='x', b=1), P(a='y', b=2)]
    """
    if not is_dataclass(cls) or not hasattr(cls, "__slots__") or hasattr(cls, "__post_init__"):
        raise ValueError(f"{cls!r} is not a slotted dataclass without __post_init__")
    names = [f.name for f in fields(cls)]
    if len(columns) != len(names):
        raise ValueError(f"{cls.__name__} has {len(names)} fields, got {len(columns)} columns")
    n = len(columns[0]) if columns else 0
    if any(len(col) != n for col in columns):
        raise ValueError("columns of different lengths")
    records: list[T] = list(map(object.__new__, repeat(cls, n)))
    for name, col in zip(names, columns, strict=True):
        deque(map(getattr(cls, name).__set__, records, col), maxlen=0)
    return records
