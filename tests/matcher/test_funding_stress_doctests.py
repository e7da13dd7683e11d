"""The doctests of the funding and stress modules (their entry points' examples)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "matcher.funding.cash",
    "matcher.funding.plan",
    "matcher.stress.clearing",
    "matcher.stress.debtrank",
    "matcher.stress.run",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    assert result.attempted > 0
