"""The canonical match order computed in numpy equals Python's sort by (source, target, tier).

Ids are drawn so that lots and processors (and orders and processors) may share an id, and
some hold a NUL (sorted by Python then); equal keys keep their input order.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from matcher.produce.matches import _canonical_order
from matcher.produce.state import ProduceState


def _ids(rng: np.random.Generator, n: int, nul: bool) -> list[SimpleNamespace]:
    alphabet = ["a", "b", "ab", "B", "ก", "ข", "a1", "" if not nul else "a\x00"]
    return [
        SimpleNamespace(id=str(rng.choice(alphabet)) + str(rng.integers(0, 3))) for _ in range(n)
    ]


@pytest.mark.parametrize("nul", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_canonical_order_equals_python_sort(seed: int, nul: bool) -> None:
    rng = np.random.default_rng(seed)
    st = cast(
        Any,
        SimpleNamespace(
            lots=_ids(rng, 9, nul), orders=_ids(rng, 7, False), procs=_ids(rng, 3, nul)
        ),
    )
    n_s, n_d = len(st.lots) + len(st.procs), len(st.orders) + len(st.procs)
    keys = [
        (rng.integers(0, n_s, 30), rng.integers(0, n_d, 30), tier)
        for tier in ("province", "area", "national", "area")
    ]
    src = [x.id for x in st.lots] + [x.id for x in st.procs]
    dst = [x.id for x in st.orders] + [x.id for x in st.procs]
    flat = [
        (src[s], dst[d], t)
        for k in keys
        for s, d, t in zip(k[0].tolist(), k[1].tolist(), [k[2]] * 30, strict=True)
    ]
    expected = sorted(range(len(flat)), key=lambda i: flat[i])
    assert _canonical_order(cast(ProduceState, st), keys) == expected
