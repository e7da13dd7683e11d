"""The liquidity matcher as it was before exact stages, for the benchmark's comparison only.

Inside :func:`finite_weights` every network is solved once with weights that rank single
arcs (each stage worth one unit more than the largest arc cost of the stages below, as the
finite weights before did) and the answer is taken as it is: no proven weights, no
certificate, no exact re-solve. The exact matcher's per-tier stage values can then be set
beside these on the same instance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from matcher.liquidity import lexflow


@contextmanager
def finite_weights() -> Iterator[None]:
    """Patch the matcher to trust its small weights (restored on exit)."""
    saved = (lexflow.PROVEN_SLACK, lexflow.QUICK_MARGIN, lexflow._certify)
    lexflow.PROVEN_SLACK, lexflow.QUICK_MARGIN = 0, 1

    def trust(g: object, objs: object, batches: np.ndarray) -> np.ndarray:
        return np.zeros_like(batches)

    lexflow._certify = trust  # type: ignore[assignment]
    try:
        yield
    finally:
        lexflow.PROVEN_SLACK, lexflow.QUICK_MARGIN, lexflow._certify = saved
