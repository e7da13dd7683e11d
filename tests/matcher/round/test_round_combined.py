"""The combined round: the shrink rule, set-off before lending, sales on credit, errors."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

import pytest
from round_cases import DAY, crafted, lot, need, ob, offer, order, produce, solve_valid

from matcher.errors import InputError
from matcher.results import SolveStatus
from matcher.round.combined import solve_round, worst_status
from matcher.round.model import CreditTerms, sale_obligation_id
from matcher.round.validator import validate_round


def test_need_shrinks_exactly_by_cleared_payables_due_today() -> None:
    r = solve_valid(crafted())
    cleared = {n.obligation_id: n.set_off_satang for n in r.setoff.notices}
    assert cleared == {"x1": 300, "x2": 300, "x3": 300}
    got = {c.need_id: (c.relief_satang, c.new_amount_satang, c.new_min_amount_satang)
           for c in r.need_changes}  # fmt: skip
    # a: relief 300 (x1), needs by id: n1 100 → 0, n2 500 → 300 (min 300 kept).
    # b: relief 300 (x2). c's x3 is due later: no relief (c has no need anyway).
    assert got == {"n1": (100, 0, 0), "n2": (200, 300, 300), "m1": (300, 700, 0)}
    assert [c.need_id for c in r.need_changes] == ["m1", "n1", "n2"]
    assert r.summary.needs_shrunk_satang == 600
    assert r.summary.needs_covered_count == 1
    assert {p.need_id for p in r.liquidity.proposals} == {"n2", "m1"}
    assert r.summary.loans_satang == 1_000


def test_min_amount_follows_the_shrunk_amount() -> None:
    r = solve_valid(crafted(needs=(need("n1", "a", 500, 400),)))
    (c,) = r.need_changes
    assert (c.new_amount_satang, c.new_min_amount_satang) == (200, 200)


def test_later_and_undated_payables_give_no_relief() -> None:
    obligations = (ob("x1", "a", "b", 400, DAY + timedelta(1)), ob("x2", "b", "a", 400, None))
    r = solve_valid(crafted(obligations=obligations))
    assert r.summary.debt_cleared_satang == 800
    assert all(c.relief_satang == 0 for c in r.need_changes)


def test_relief_beyond_the_needs_never_goes_negative() -> None:
    obligations = (ob("x1", "a", "b", 5_000), ob("x2", "b", "a", 5_000))
    r = solve_valid(crafted(obligations=obligations))
    assert all(c.new_amount_satang == 0 for c in r.need_changes)
    assert r.summary.needs_covered_count == 3
    assert r.liquidity.proposals == ()
    assert r.summary.needs_shrunk_satang == r.summary.needs_posted_satang


def test_setoff_before_lending_reduces_loans() -> None:
    with_setoff = solve_valid(crafted())
    without = solve_valid(crafted(obligations=()))
    assert without.summary.loans_satang == 1_600
    assert with_setoff.summary.loans_satang == 1_000
    saved = without.summary.loans_satang - with_setoff.summary.loans_satang
    assert saved == with_setoff.summary.needs_shrunk_satang


def test_sales_on_credit_become_obligations_for_the_next_round() -> None:
    r = solve_valid(crafted())
    assert r.produce is not None
    sales = {(m.source_id, m.target_id): m for m in r.produce.matches}
    assert sales
    by_id = {sale_obligation_id(s, t): m for (s, t), m in sales.items()}
    for o in r.new_obligations:
        m = by_id[o.id]
        assert (o.debtor, o.creditor) == ("e", m.seller)
        assert o.amount_satang == m.price_satang_per_unit * m.quantity
        assert o.due_date == DAY + timedelta(days=15)
    assert {o.id for o in r.new_obligations} == {sale_obligation_id(s, t) for s, t in sales}
    assert r.summary.new_obligations_satang == r.summary.sales_satang


def test_cash_buyers_create_no_obligations() -> None:
    r = solve_valid(crafted(credit=CreditTerms(sale_credit_days=15, credit_buyers=())))
    assert r.summary.sale_count > 0
    assert r.new_obligations == ()


def test_round_without_produce_or_debts() -> None:
    r = solve_valid(crafted(produce=None, obligations=()))
    assert r.produce is None
    assert r.summary.debt_cleared_satang == 0
    assert r.status == SolveStatus.OPTIMAL


def test_same_result_whatever_the_input_order() -> None:
    base = crafted(
        offers=(offer("o1", "d", 700), offer("o2", "e", 500)),
        credit=CreditTerms(15, ("c",)),
        produce=produce(
            ("a", "b", "c", "d", "e"),
            (lot("L1", "a", 100), lot("L2", "b", 80)),
            (order("P1", "c", 90), order("P2", "d", 60)),
        ),
    )
    want = solve_valid(base)
    rng = random.Random(7)
    assert base.produce is not None and want.produce is not None
    for _ in range(3):
        shuffled = replace(
            base,
            coops=tuple(rng.sample(base.coops, len(base.coops))),
            obligations=tuple(rng.sample(base.obligations, len(base.obligations))),
            offers=tuple(rng.sample(base.offers, len(base.offers))),
            needs=tuple(rng.sample(base.needs, len(base.needs))),
            produce=replace(
                base.produce,
                lots=tuple(rng.sample(base.produce.lots, len(base.produce.lots))),
                orders=tuple(rng.sample(base.produce.orders, len(base.produce.orders))),
            ),
        )
        got = solve_valid(shuffled)
        assert got.produce is not None
        assert got.produce.matches == want.produce.matches
        assert got.need_changes == want.need_changes
        assert got.liquidity.proposals == want.liquidity.proposals
        assert got.new_obligations == want.new_obligations
        assert got.summary == want.summary
        assert got.setoff.notices == want.setoff.notices


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"needs": (need("n1", "a", 0),)}, "needs[0].amount_satang"),
        ({"credit": CreditTerms(15, ("zz",))}, "credit.credit_buyers[0]"),
        ({"credit": CreditTerms(-1, ())}, "credit.sale_credit_days"),
        ({"obligations": (ob("x1", "a", "a", 5),)}, "obligations[0].creditor"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as exc:
        solve_round(crafted(**change))
    assert field in [i.field for i in exc.value.issues]


def test_produce_errors_are_prefixed_and_dates_must_agree() -> None:
    ids = ("a", "b", "c", "d", "e")
    bad = produce(ids, (lot("L1", "zz", 10),), (), day=DAY + timedelta(1))
    with pytest.raises(InputError) as exc:
        solve_round(crafted(produce=bad))
    fields = [i.field for i in exc.value.issues]
    assert "produce.round_date" in fields
    assert "produce.lots[0].seller" in fields


def test_validator_catches_tampering() -> None:
    p = crafted()
    r = solve_valid(p)
    changes = (replace(r.need_changes[0], new_amount_satang=1), *r.need_changes[1:])
    assert validate_round(p, replace(r, need_changes=changes))
    obligations = (replace(r.new_obligations[0], due_date=DAY), *r.new_obligations[1:])
    assert validate_round(p, replace(r, new_obligations=obligations))
    assert validate_round(p, replace(r, status=SolveStatus.FEASIBLE))
    assert validate_round(p, replace(r, summary=replace(r.summary, loans_satang=1)))


def test_worst_status() -> None:
    assert worst_status([SolveStatus.OPTIMAL, SolveStatus.TIME_LIMITED]) == SolveStatus.TIME_LIMITED
    assert worst_status([]) == SolveStatus.OPTIMAL
