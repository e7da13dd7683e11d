"""Benchmark fixtures: a smoke mode (``--benchmark-disable``) runs every driver once."""

from __future__ import annotations

import pytest


@pytest.fixture
def smoke(request: pytest.FixtureRequest) -> bool:
    """True when benchmarks are disabled: drivers then use the small smoke instances."""
    return bool(request.config.getoption("benchmark_disable", default=False))
