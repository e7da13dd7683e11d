"""Hypothesis: random small rounds always validate, and the shrink rule's invariants hold."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from round_cases import DAY, coops, lot, network, ob, offer, order, produce, solve_valid

from matcher.liquidity.model import LoanNeed
from matcher.round.model import CreditTerms, RoundProblem

IDS = ("a", "b", "c", "d", "e")
DUE = st.sampled_from([DAY - timedelta(2), DAY, DAY + timedelta(3), None])


@st.composite
def rounds(draw: st.DrawFn) -> RoundProblem:
    """3–5 coops: the first two borrow, the others may lend; random debts, sales, credit."""
    ids = IDS[: draw(st.integers(3, 5))]
    pairs = [(x, y) for x in ids for y in ids if x != y]
    edges = draw(
        st.lists(st.tuples(st.sampled_from(pairs), st.integers(1, 5_000), DUE), max_size=8)
    )
    obligations = tuple(ob(f"x{k}", d, c, a, due) for k, ((d, c), a, due) in enumerate(edges))
    needs = tuple(
        LoanNeed(f"n{k}", b, amt, 600, 30, draw(st.integers(0, amt)), urgency=3)
        for k, (b, amt) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(ids[:2]), st.integers(1, 4_000)), max_size=4))
        )
    )
    offers = tuple(
        offer(f"o{k}", lender, amt)
        for k, (lender, amt) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(ids[2:]), st.integers(1, 6_000)), max_size=3))
        )
    )
    parties = st.lists(st.tuples(st.sampled_from(ids), st.integers(1, 200)), max_size=2)
    lots = tuple(lot(f"L{k}", s, q) for k, (s, q) in enumerate(draw(parties)))
    orders = tuple(order(f"P{k}", b, q) for k, (b, q) in enumerate(draw(parties)))
    return RoundProblem(
        business_date=DAY,
        coops=coops(*ids),
        networks=(network(*ids),),
        obligations=obligations,
        offers=offers,
        needs=needs,
        produce=produce(ids, lots, orders) if draw(st.booleans()) else None,
        credit=CreditTerms(draw(st.integers(0, 60)), tuple(draw(st.sets(st.sampled_from(ids))))),
    )


@settings(max_examples=40, deadline=None)
@given(rounds())
def test_random_rounds_validate(problem: RoundProblem) -> None:
    r = solve_valid(problem)
    relief: dict[str, int] = defaultdict(int)
    for n in r.setoff.notices:
        if n.due_date is not None and n.due_date <= DAY:
            relief[n.debtor] += n.set_off_satang
    posted: dict[str, int] = defaultdict(int)
    shrunk: dict[str, int] = defaultdict(int)
    for c in r.need_changes:
        assert 0 <= c.new_min_amount_satang <= c.new_amount_satang <= c.amount_satang
        posted[c.borrower] += c.amount_satang
        shrunk[c.borrower] += c.relief_satang
    for coop, amount in posted.items():
        assert shrunk[coop] == min(relief[coop], amount)
    assert r.summary.loans_satang <= sum(c.new_amount_satang for c in r.need_changes)
