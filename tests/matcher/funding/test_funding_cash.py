"""The multi-period cash model on Cornuéjols & Tütüncü's published instance, with an
independent oracle (SciPy's HiGHS on a formulation written out by hand)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.optimize import linprog

from matcher.errors import InputError
from matcher.funding.cash import (
    CashProblem,
    Instrument,
    InstrumentKind,
    check_cash_plan,
    solve_cash,
    textbook_problem,
)
from matcher.results import SolveStatus


def test_textbook_final_wealth_to_four_decimals() -> None:
    plan = solve_cash(textbook_problem())
    assert plan.status is SolveStatus.OPTIMAL
    assert round(plan.final_wealth, 4) == 92.4969
    assert check_cash_plan(textbook_problem(), plan) == []


def test_textbook_shadow_prices() -> None:
    """One more thousand in January is worth 1.0373 at the end (the book's dual)."""
    duals = solve_cash(textbook_problem()).balance_duals
    assert [round(d, 4) for d in duals] == [1.0373, 1.0302, 1.02, 1.0169, 1.01, 1.0]


def _oracle() -> float:
    """x1..x5 credit line, y1..y3 paper, z1..z5 surplus, v wealth (the book's LP)."""
    n = 14
    a = np.zeros((6, n))
    x, y, z, v = range(5), range(5, 8), range(8, 13), 13
    for t in range(6):
        if t < 5:
            a[t, x[t]], a[t, z[t]] = 1.0, -1.0
        if t < 3:
            a[t, y[t]] = 1.0
        if t >= 1:
            a[t, x[t - 1]], a[t, z[t - 1]] = -1.01, 1.003
        if t >= 3:
            a[t, y[t - 3]] = -1.02
    a[5, v] = -1.0
    b = np.array([150, 100, -200, 200, -50, -300], dtype=float)
    bounds = [(0, 100)] * 5 + [(0, None)] * 8 + [(None, None)]
    c = np.zeros(n)
    c[v] = -1.0
    res = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    assert res.status == 0
    return float(-res.fun)


def test_textbook_matches_independent_lp() -> None:
    assert solve_cash(textbook_problem()).final_wealth == pytest.approx(_oracle(), abs=1e-6)


def test_limit_binds_and_is_respected() -> None:
    """Feasible family: a cheap line capped at 10 against a 30 outflow; paper the rest."""
    p = CashProblem(
        (-30, 0, 40),
        (
            Instrument("line", InstrumentKind.BORROW, 1, 100, limit=10),
            Instrument("paper", InstrumentKind.BORROW, 2, 500),
        ),
    )
    plan = solve_cash(p)
    assert plan.status is SolveStatus.OPTIMAL
    assert check_cash_plan(p, plan) == []
    assert max(plan.issued["line"]) == pytest.approx(10.0)
    assert plan.issued["paper"][0] == pytest.approx(20.0, abs=0.2)


def test_no_way_to_cover_is_infeasible() -> None:
    """Infeasible family: an outflow with a line limited below it and nothing else."""
    p = CashProblem((-30, 40), (Instrument("line", InstrumentKind.BORROW, 1, 100, limit=10),))
    assert solve_cash(p).status is SolveStatus.INFEASIBLE


def test_bad_input_names_the_field() -> None:
    p = CashProblem((1,), (Instrument("a", InstrumentKind.BORROW, 0, -1, limit=-5),))
    with pytest.raises(InputError) as err:
        solve_cash(p)
    fields = {i.field for i in err.value.issues}
    assert fields == {
        "instruments[0].term_periods",
        "instruments[0].return_bps",
        "instruments[0].limit",
    }


def test_validator_catches_a_broken_balance() -> None:
    p = textbook_problem()
    plan = solve_cash(p)
    broken = dict(plan.issued)
    broken["paper"] = (149.0, *plan.issued["paper"][1:])
    assert check_cash_plan(p, replace(plan, issued=broken))
