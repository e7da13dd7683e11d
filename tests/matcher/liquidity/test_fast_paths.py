"""Fast paths added for national-size rounds give exactly what the slower paths give."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from matcher.errors import IssueCollector
from matcher.liquidity import checks
from matcher.liquidity.model import LoanNeed, LoanOffer
from matcher.liquidity.state import unique_sorted
from matcher.money import INT64_MAX

# Plain values around every bound the checks use, plus values of the wrong type.
VALUES = st.one_of(
    st.sampled_from([0, 1, 5, 6, 36_500, 36_501, 100_000, INT64_MAX, INT64_MAX + 1, -1]),
    st.integers(-10, 200_000),
    st.booleans(),
    st.sampled_from([1.5, "100", None]),
)


def _offer_issues(o: LoanOffer) -> int:
    col = IssueCollector()
    checks._check_offers(col, _Round((o,), ()), {"a"})  # type: ignore[arg-type]
    return len(col.issues)


def _need_issues(n: LoanNeed) -> int:
    col = IssueCollector()
    checks._check_needs(col, _Round((), (n,)), {"b"})  # type: ignore[arg-type]
    return len(col.issues)


class _Round:
    """The two fields the order checks read."""

    def __init__(self, offers: tuple[LoanOffer, ...], needs: tuple[LoanNeed, ...]) -> None:
        self.offers, self.needs = offers, needs


@given(VALUES, VALUES, VALUES, st.one_of(st.none(), VALUES))
def test_offer_quick_check_agrees_with_detailed_checks(
    amount: object, rate: object, term: object, cap: object
) -> None:
    offer = LoanOffer("o", "a", amount, rate, term, cap)  # type: ignore[arg-type]
    assert checks._offer_fields_ok(offer) == (_detailed_offer(offer) == 0)


@given(VALUES, VALUES, VALUES, VALUES, VALUES)
def test_need_quick_check_agrees_with_detailed_checks(
    amount: object, minimum: object, rate: object, term: object, urgency: object
) -> None:
    need = LoanNeed("n", "b", amount, rate, term, minimum, urgency)  # type: ignore[arg-type]
    assert checks._need_fields_ok(need) == (_detailed_need(need) == 0)


def _detailed_offer(o: LoanOffer) -> int:
    # Every offer field check, with the fast path bypassed (unknown lender forces it).
    col = IssueCollector()
    checks._check_offers(col, _Round((o,), ()), set())  # type: ignore[arg-type]
    return len(col.issues) - 1  # less the unknown-lender issue


def _detailed_need(n: LoanNeed) -> int:
    # Every need field check, with the fast path bypassed (unknown borrower forces it).
    col = IssueCollector()
    checks._check_needs(col, _Round((), (n,)), set())  # type: ignore[arg-type]
    return len(col.issues) - 1  # less the unknown-borrower issue


@given(VALUES, VALUES, VALUES)
def test_valid_offer_and_need_pass_whole_check(amount: object, rate: object, term: object) -> None:
    offer = LoanOffer("o", "a", amount, rate, term)  # type: ignore[arg-type]
    need = LoanNeed("n", "b", amount, rate, term)  # type: ignore[arg-type]
    assert (_offer_issues(offer) == 0) == (_detailed_offer(offer) == 0)
    assert (_need_issues(need) == 0) == (_detailed_need(need) == 0)


@given(st.lists(st.integers(-(2**62), 2**62), max_size=60))
def test_unique_sorted_matches_numpy_unique(values: list[int]) -> None:
    arr = np.array(values, dtype=np.int64)
    assert unique_sorted(arr).tolist() == np.unique(arr).tolist()


def _ids_one_at_a_time(ids: list[str]) -> tuple[set[str], list[str]]:
    seen: set[str] = set()
    issues = []
    for i, ident in enumerate(ids):
        if not ident or ident in seen:
            issues.append(f"x[{i}].id")
        seen.add(ident)
    return seen, issues


@given(st.lists(st.sampled_from(["", "a", "b", "c", "d"]), max_size=6))
def test_id_check_quick_path_agrees_with_one_id_at_a_time(ids: list[str]) -> None:
    col = IssueCollector()
    seen = checks._check_ids(col, "x", iter(ids))
    assert (seen, [i.field for i in col.issues]) == _ids_one_at_a_time(ids)
