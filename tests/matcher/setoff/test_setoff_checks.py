"""Input rules: every bad field is named, nothing is solved."""

from __future__ import annotations

import pytest
from setoff_cases import coops

from matcher.errors import InputError
from matcher.money import INT64_MAX
from matcher.setoff.checks import MAX_GROSS_SATANG
from matcher.setoff.model import LiquiditySource, Obligation, SetoffProblem
from matcher.setoff.solver import solve_setoff


def fields(p: SetoffProblem) -> list[str]:
    with pytest.raises(InputError) as info:
        solve_setoff(p)
    return [issue.field for issue in info.value.issues]


CO = coops("a", "b", "c")


def test_self_debt() -> None:
    p = SetoffProblem(CO, (Obligation("o1", "a", "b", 5), Obligation("o2", "c", "c", 5)))
    assert fields(p) == ["obligations[1].creditor"]


@pytest.mark.parametrize("amount", [0, -1, INT64_MAX + 1])
def test_amount_out_of_range(amount: int) -> None:
    p = SetoffProblem(CO, (Obligation("o1", "a", "b", 5), Obligation("o2", "a", "b", amount)))
    assert fields(p) == ["obligations[1].amount_satang"]


def test_total_debt_over_the_limit() -> None:
    big = MAX_GROSS_SATANG // 2 + 1
    p = SetoffProblem(CO, (Obligation("o1", "a", "b", big), Obligation("o2", "b", "a", big)))
    assert fields(p) == ["obligations"]


def test_unknown_coops() -> None:
    p = SetoffProblem(CO, (Obligation("o1", "x", "b", 5), Obligation("o2", "a", "y", 5)))
    assert fields(p) == ["obligations[0].debtor", "obligations[1].creditor"]


def test_duplicate_and_empty_ids() -> None:
    p = SetoffProblem(
        (*CO, *coops("a")),
        (Obligation("o1", "a", "b", 5), Obligation("o1", "b", "c", 5), Obligation("", "a", "c", 1)),
    )
    assert fields(p) == ["coops[3].id", "obligations[1].id", "obligations[2].id"]


def test_bad_sources_and_cash_points() -> None:
    p = SetoffProblem(
        CO,
        (Obligation("o1", "a", "b", 5),),
        sources=(
            LiquiditySource("s1", 100, 300, "a"),
            LiquiditySource("s1", 0, 300),
            LiquiditySource("s3", 100, 10_001, "zz"),
        ),
        cash_points_satang=(-1,),
        curve_steps=-1,
    )
    assert fields(p) == [
        "sources[1].id",
        "sources[1].amount_satang",
        "sources[2].coop",
        "sources[2].rate_bps",
        "cash_points_satang[0]",
        "curve_steps",
    ]


def test_all_issues_are_reported_together() -> None:
    p = SetoffProblem(CO, (Obligation("o1", "a", "a", 0), Obligation("o1", "q", "b", 1)))
    assert fields(p) == [
        "obligations[0].creditor",
        "obligations[0].amount_satang",
        "obligations[1].id",
        "obligations[1].debtor",
    ]
