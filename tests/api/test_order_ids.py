"""Order ids sort in posting order (ties between equal matches go to the earlier post)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from api.services.order_ids import new_order_id


def test_ids_have_the_public_shape_and_grow_in_posting_order() -> None:
    ids = [new_order_id() for _ in range(2_000)]
    assert all(re.fullmatch(r"ord_[0-9a-f]{24}", x) for x in ids)
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


def test_ids_from_threads_are_unique_and_each_thread_sees_them_grow() -> None:
    def batch(_: int) -> list[str]:
        return [new_order_id() for _ in range(500)]

    with ThreadPoolExecutor(4) as ex:
        batches = list(ex.map(batch, range(4)))
    assert all(b == sorted(b) for b in batches)
    assert len({x for b in batches for x in b}) == 2_000
