"""Input checks of the pure matcher name the field of every problem."""

from __future__ import annotations

import dataclasses

import pytest

from matcher.domain import Network, NetworkLevel
from matcher.errors import InputError
from matcher.liquidity.model import CoopRules, JointFund, LoanNeed, LoanOffer
from matcher.liquidity.solver import solve_liquidity

from .builders import problem

OK = problem([LoanOffer("o", "a", 100, 300, 30)], [LoanNeed("n", "b", 100, 400, 30)])


def _fields(p: object) -> list[str]:
    with pytest.raises(InputError) as err:
        solve_liquidity(p)  # type: ignore[arg-type]
    return [i.field for i in err.value.issues]


def test_valid_problem_passes() -> None:
    assert solve_liquidity(OK).proposals


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offers": (LoanOffer("o", "a", 0, 300, 30),)}, "offers[0].amount_satang"),
        ({"offers": (LoanOffer("o", "a", -1, 300, 30),)}, "offers[0].amount_satang"),
        ({"offers": (LoanOffer("o", "a", 2**64, 300, 30),)}, "offers[0].amount_satang"),
        ({"offers": (LoanOffer("o", "a", 100, -1, 30),)}, "offers[0].min_rate_bps"),
        ({"offers": (LoanOffer("o", "a", 100, 300, 0),)}, "offers[0].max_term_days"),
        ({"offers": (LoanOffer("o", "zz", 100, 300, 30),)}, "offers[0].lender"),
        ({"offers": (LoanOffer("o", "b", 100, 300, 30),)}, "offers[0].lender"),
        ({"needs": (LoanNeed("n", "b", 100, 400, 30, 200),)}, "needs[0].min_amount_satang"),
        ({"needs": (LoanNeed("n", "b", 100, 400, 30, 0, 6),)}, "needs[0].urgency"),
        (
            {"needs": (LoanNeed("n", "b", 100, 400, 30), LoanNeed("n", "b", 5, 400, 30))},
            "needs[1].id",
        ),
        ({"rules": (CoopRules("b", max_lenders_per_need=0),)}, "rules[0].max_lenders_per_need"),
        ({"joint_fund": JointFund("a", "net", 100, 300)}, "joint_fund.id"),
        ({"time_limit_ms": 0}, "time_limit_ms"),
    ],
)
def test_bad_fields_are_named(change: dict[str, object], field: str) -> None:
    assert field in _fields(dataclasses.replace(OK, **change))


def test_network_cycle_is_reported() -> None:
    nets = (
        Network("x", "x", "X", NetworkLevel.AREA, "y", ("a",)),
        Network("y", "y", "Y", NetworkLevel.PROVINCE, "x", ("b",)),
    )
    assert any(f.endswith("parent_id") for f in _fields(dataclasses.replace(OK, networks=nets)))


def test_member_of_two_networks_is_reported() -> None:
    nets = (
        Network("x", "x", "X", NetworkLevel.AREA, None, ("a", "b")),
        Network("y", "y", "Y", NetworkLevel.AREA, None, ("a",)),
    )
    assert "networks[1].members[0]" in _fields(dataclasses.replace(OK, networks=nets))
