"""The plain-Python :func:`~matcher.setoff.graph.fill_in_order` gives numpy's shares."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from setoff_cases import random_problems, solve_valid

import matcher.setoff.graph as graph
from matcher.setoff.model import SetoffProblem
from matcher.setoff.solver import solve_setoff


@st.composite
def fills(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    m = draw(st.integers(1, 40))
    k = draw(st.integers(1, 6))
    group = draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m))
    quota = draw(st.lists(st.integers(-5, 10**12), min_size=k, max_size=k))
    amounts = draw(st.lists(st.integers(1, 10**11), min_size=m, max_size=m))
    due = draw(st.lists(st.integers(0, 4), min_size=m, max_size=m))
    return tuple(np.array(x, dtype=np.int64) for x in (group, quota, amounts, due))  # type: ignore[return-value]


@settings(max_examples=300, deadline=None)
@given(fills())
def test_small_fill_equals_the_array_fill(args: tuple[np.ndarray, ...]) -> None:
    small = graph.fill_in_order(*args)
    with mock.patch.object(graph, "SMALL_FILL", 0):
        arrays = graph.fill_in_order(*args)
    assert small.dtype == arrays.dtype and small.tolist() == arrays.tolist()


@settings(max_examples=100, deadline=None)
@given(random_problems())
def test_setoff_is_the_same_on_either_fill(p: SetoffProblem) -> None:
    small = solve_valid(p)
    with mock.patch.object(graph, "SMALL_FILL", 0):
        assert solve_setoff(p) == small
