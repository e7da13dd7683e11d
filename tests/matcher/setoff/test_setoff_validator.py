"""The validator catches broken results (so a passing validation means something)."""

from __future__ import annotations

from dataclasses import replace

from setoff_cases import problem, solve_valid

from matcher.setoff.model import CurvePoint, SetoffResult, SourceDraw
from matcher.setoff.validator import validate

P = problem(
    [("a", "b", 100), ("b", "c", 80), ("c", "a", 50), ("c", "b", 10)],
    cash_points_satang=(20,),
)


def solved() -> SetoffResult:
    result: SetoffResult = solve_valid(P)
    return result


def test_changed_net_position_is_caught() -> None:
    r = solved()
    notices = list(r.notices)
    n = notices[0]
    notices[0] = n._replace(
        set_off_satang=n.set_off_satang - 1, remaining_satang=n.remaining_satang + 1
    )
    errors = validate(P, replace(r, notices=tuple(notices)))
    assert any("net position of a changed" in e for e in errors)
    assert any("totals.cleared_satang" in e for e in errors)


def test_set_off_above_amount_and_missing_notice_are_caught() -> None:
    r = solved()
    n = r.notices[1]
    bad = (n._replace(set_off_satang=n.amount_satang + 5, remaining_satang=-5), *r.notices[2:])
    errors = validate(P, replace(r, notices=bad))
    assert any("outside [0, amount]" in e for e in errors)
    assert any("without a notice" in e for e in errors)


def test_new_edge_is_caught() -> None:
    r = solved()
    extra = r.notices[0]._replace(obligation_id="o999")
    assert any(
        "unknown or repeated" in e for e in validate(P, replace(r, notices=(*r.notices, extra)))
    )


def test_wrong_totals_and_injection_are_caught() -> None:
    r = solved()
    wrong = replace(r.totals, net_internal_satang=0, cleared_share_bps=1)
    assert len(validate(P, replace(r, totals=wrong))) == 2
    inj = r.injection
    curve = (*inj.curve[:-1], CurvePoint(inj.curve[-1].cash_satang, 1, 0))
    bad_inj = replace(inj, settle_all_satang=1, curve=curve, draws=(SourceDraw("x", 5, 1, 0),))
    errors = validate(P, replace(r, injection=bad_inj))
    assert any("settle_all" in e for e in errors)
    assert any("out of bounds" in e for e in errors)
    assert any("draw" in e for e in errors)
