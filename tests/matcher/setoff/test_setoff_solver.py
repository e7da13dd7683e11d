"""Set-off solver: worked examples, the status fallback and the totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from setoff_cases import coops, lp_cleared, problem, solve_valid

import matcher.setoff.solver as solver_mod
from matcher.results import SolveStatus
from matcher.setoff.model import Obligation, SetoffProblem
from matcher.setoff.validator import validate


def test_triangle_cancels_the_smallest_debt_around_the_cycle() -> None:
    r = solve_valid(problem([("a", "b", 100), ("b", "c", 80), ("c", "a", 50)]))
    assert [(n.set_off_satang, n.remaining_satang) for n in r.notices] == [
        (50, 50),
        (50, 30),
        (50, 0),
    ]
    assert r.status is SolveStatus.OPTIMAL
    assert r.totals.cleared_satang == 150
    assert r.totals.net_internal_satang == 50
    assert r.totals.remaining_satang == 80
    assert r.totals.bilateral_cleared_satang == 0


def test_chain_without_cycle_clears_nothing() -> None:
    r = solve_valid(problem([("a", "b", 100), ("b", "c", 100)]))
    assert r.totals.cleared_satang == 0
    assert r.totals.cleared_share_bps == 0
    assert r.totals.net_internal_satang == 100


def test_full_cycle_clears_everything() -> None:
    r = solve_valid(problem([("a", "b", 70), ("b", "c", 70), ("c", "d", 70), ("d", "a", 70)]))
    assert r.totals.cleared_share_bps == 10_000
    assert r.totals.net_internal_satang == 0
    assert r.injection.settle_all_satang == 0


def test_long_cycle_beats_bilateral_netting() -> None:
    # Netting a<->b clears 2; the long cycle a->b->c->d->a through the same a->b clears 4.
    p = problem([("a", "b", 1), ("b", "a", 1), ("b", "c", 1), ("c", "d", 1), ("d", "a", 1)])
    r = solve_valid(p)
    assert r.totals.bilateral_cleared_satang == 2
    assert r.totals.cleared_satang == 4 == round(lp_cleared(p))


def test_remaining_counts_every_edge_of_a_path() -> None:
    # a owes c 9 net; it must stay as 3 on a->c and 6 on each edge of a->b->c: 3 + 12 = 15,
    # above the net internal lower bound of 9 because that path has two edges.
    r = solve_valid(problem([("a", "b", 10), ("b", "c", 10), ("c", "a", 4), ("a", "c", 3)]))
    assert r.totals.net_internal_satang == 9
    assert r.totals.remaining_satang == 15
    assert r.totals.cleared_satang == 27 - 15


def test_empty_problem() -> None:
    r = solve_valid(SetoffProblem((), ()))
    assert r.notices == ()
    assert r.totals.gross_satang == 0
    assert r.totals.cleared_share_bps == 10_000
    assert [(p.cash_satang, p.cleared_satang) for p in r.injection.curve] == [(0, 0)]


def test_notices_follow_sorted_ids_and_keep_due_dates() -> None:
    p = SetoffProblem(
        coops("a", "b"),
        (
            Obligation("z9", "a", "b", 5, date(2026, 12, 31)),
            Obligation("a1", "b", "a", 5, date(2026, 12, 1)),
        ),
    )
    r = solve_valid(p)
    assert [n.obligation_id for n in r.notices] == ["a1", "z9"]
    assert r.notices[0].due_date == date(2026, 12, 1)


def test_flow_failure_falls_back_to_bilateral_netting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_mod, "min_remaining", lambda g: (None, "min-cost flow failed"))
    p = problem([("a", "b", 9), ("b", "a", 4), ("b", "c", 4), ("c", "a", 4)])
    r = solver_mod.solve_setoff(p)
    assert validate(p, r) == []
    assert r.status is SolveStatus.FEASIBLE
    assert r.totals.cleared_satang == r.totals.bilateral_cleared_satang == 8
    assert "bilateral netting" in r.notes[0]


def test_every_flow_status_is_mapped() -> None:
    mcf = solver_mod._MCF
    for status in (
        mcf.NOT_SOLVED,
        mcf.FEASIBLE,
        mcf.INFEASIBLE,
        mcf.UNBALANCED,
        mcf.BAD_RESULT,
        mcf.BAD_COST_RANGE,
        mcf.BAD_CAPACITY_RANGE,
    ):
        assert status in solver_mod._STATUS_NOTE


def test_timings_use_the_clock_passed_in() -> None:
    ticks = iter(range(0, 10_000_000_000, 1_000_000_000))
    r = solver_mod.solve_setoff(problem([("a", "b", 1)]), clock=lambda: next(ticks))
    assert r.timings.build_ms == 1000
    assert r.timings.solve_ms == 1000
    assert r.timings.total_ms == 3000
    assert r.solver == "ortools.SimpleMinCostFlow"


def test_parallel_debts_are_set_off_due_first() -> None:
    p = SetoffProblem(
        coops("a", "b"),
        (
            Obligation("o1", "a", "b", 50, date(2026, 12, 20)),
            Obligation("o2", "a", "b", 50),
            Obligation("o3", "a", "b", 50, date(2026, 12, 5)),
            Obligation("o4", "b", "a", 70, date(2026, 12, 31)),
        ),
    )
    r = solve_valid(p)
    assert {n.obligation_id: n.set_off_satang for n in r.notices} == {
        "o1": 20,
        "o2": 0,
        "o3": 50,
        "o4": 70,
    }
    early = r.notices[2]
    late = r.notices[0]._replace(set_off_satang=50, remaining_satang=0)
    swapped = (
        late,
        r.notices[1],
        early._replace(set_off_satang=20, remaining_satang=30),
        r.notices[3],
    )
    assert any("earlier-due" in e for e in validate(p, replace(r, notices=swapped)))
