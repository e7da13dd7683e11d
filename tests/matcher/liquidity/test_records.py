"""Bulk record construction equals building the records one at a time."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.liquidity.model import LoanProposal, OrderExplanation
from matcher.liquidity.records import build_many
from matcher.results import FillState

_text = st.text(max_size=6)
_int = st.integers(min_value=0, max_value=2**62)
_proposal_row = st.tuples(_text, _text, _text, _text, _int, _int, _int, _text, _text, _int)
_explanation_row = st.tuples(
    _text,
    st.sampled_from(["offer", "need"]),
    _text,
    st.sampled_from(list(FillState)),
    _int,
    _int,
    st.tuples(_text),
    _text,
    st.none() | _int,
)


@given(st.lists(_proposal_row, max_size=20))
def test_proposals_built_in_bulk_equal_one_at_a_time(rows: list[tuple[object, ...]]) -> None:
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 10
    bulk = build_many(LoanProposal, *columns)
    assert bulk == [LoanProposal(*row) for row in rows]  # type: ignore[arg-type]
    assert [hash(p) for p in bulk] == [hash(LoanProposal(*row)) for row in rows]  # type: ignore[arg-type]


@given(st.lists(_explanation_row, max_size=20))
def test_explanations_built_in_bulk_equal_one_at_a_time(rows: list[tuple[object, ...]]) -> None:
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 9
    bulk = build_many(OrderExplanation, *columns)
    assert bulk == [OrderExplanation(*row) for row in rows]  # type: ignore[arg-type]
    assert all(type(x) is OrderExplanation for x in bulk)


def test_bulk_records_stay_frozen() -> None:
    (p,) = build_many(LoanProposal, ["o"], ["n"], ["a"], ["b"], [1], [2], [3], ["area"], ["x"], [0])
    with pytest.raises(AttributeError):
        p.amount_satang = 5  # type: ignore[misc]


def test_bulk_records_refuse_mismatched_columns() -> None:
    with pytest.raises(ValueError, match="fields"):
        build_many(LoanProposal, ["o"])
    with pytest.raises(ValueError, match="lengths"):
        build_many(LoanProposal, ["o"], ["n"], ["a"], ["b"], [1], [2], [3], ["t"], ["x"], [])


def test_bulk_records_refuse_types_with_post_init() -> None:
    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(ValueError, match="slotted"):
        build_many(Checked, [1])
