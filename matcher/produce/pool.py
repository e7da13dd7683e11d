"""Independent numpy chunks on a few threads, results in input order.

Large vectorised numpy operations (sorts, fancy indexing, ufuncs over tens of thousands of
elements) release the GIL, so two threads overlap them on two cores. The results come back
in the order of the inputs, so whatever concatenates them gets exactly the serial answer.
Work that holds the GIL gains nothing here; OR-Tools' ``SimpleMinCostFlow.solve`` (9.15) is
such work, which is why the flow's components are still solved one after another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

WORKERS = 2
"""Threads for lane building (the benchmark machine has two cores); 1 runs serially."""
MIN_ITEMS = 4
"""Fewer chunks than this run serially: starting threads would cost more than it saves."""

T = TypeVar("T")
R = TypeVar("R")


def ordered_map(fn: Callable[[T], R], items: Sequence[T], workers: int = WORKERS) -> list[R]:
    """``[fn(x) for x in items]``, on up to ``workers`` threads when there are enough items.

    ``fn`` must not depend on the order in which items run (shared state it updates must be
    updated under a lock, with an order-independent operation).

    >>> ordered_map(lambda x: x * x, list(range(6)), workers=2)
    [0, 1, 4, 9, 16, 25]
    """
    if workers <= 1 or len(items) < MIN_ITEMS:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
        return list(pool.map(fn, items))
