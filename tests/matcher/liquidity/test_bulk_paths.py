"""The bulk (array-at-once) paths of the liquidity matcher give exactly what the plain,
one-item-at-a-time definitions give: same values, same order, so the same solve."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.gc_pause import cycle_collection_paused
from matcher.liquidity import flow, levels
from matcher.liquidity.checks import check_problem
from matcher.liquidity.exact import repair, violations
from matcher.liquidity.exposure import ExposureBook
from matcher.liquidity.model import LiquidityProblem
from matcher.liquidity.solver import objective_of
from matcher.liquidity.state import UNLIMITED, LiquidityState, build_state, unique_indices
from matcher.money import format_baht

from .builders import solve_valid, tree_problems

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = st.integers(0, 30)


@given(st.lists(st.tuples(st.booleans(), SMALL, SMALL, st.integers(1, 10**6)), max_size=40))
def test_exposure_book_matches_a_dictionary(ops: list[tuple[bool, int, int, int]]) -> None:
    book, model = ExposureBook(n_coops=31), dict[tuple[int, int], int]()
    for bulk, o, b, x in ops:
        if bulk:
            # A bulk record with a repeated key: amounts add up.
            book.add_many(np.array([o, o]), np.array([b, b]), np.array([x, 1]))
            model[(o, b)] = model.get((o, b), 0) + x + 1
        else:
            book.add(o, b, x)
            model[(o, b)] = model.get((o, b), 0) + x
        copy = book.copy()
        assert copy.get(o, b) == model[(o, b)]
    keys = [*model, (30, 0)]
    offers = np.array([k[0] for k in keys], dtype=np.int64)
    borrowers = np.array([k[1] for k in keys], dtype=np.int64)
    expected = [model.get(k, 0) for k in keys]
    assert [book.get(o, b) for o, b in keys] == expected
    assert book.of_many(offers, borrowers).tolist() == expected


@given(st.lists(st.integers(0, 99), max_size=60))
def test_unique_indices_is_numpy_unique(values: list[int]) -> None:
    arr = np.array(values, dtype=np.int64)
    assert unique_indices(arr, 100).tolist() == np.unique(arr).tolist()


@st.composite
def _batched_items(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Items each in one batch (as offers, needs and coops are in one network), with repeats."""
    n_batches = draw(st.integers(1, 5))
    owner = draw(st.lists(st.integers(0, n_batches - 1), min_size=1, max_size=25))
    picks = draw(st.lists(st.integers(0, len(owner) - 1), min_size=1, max_size=60))
    item = np.array(picks, dtype=np.int64)
    batch = np.array(owner, dtype=np.int64)[item]
    order = np.argsort(batch, kind="stable")
    return batch[order], item[order], n_batches


@given(_batched_items())
def test_dense_index_equals_the_sorted_index(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    batch, item, nb = case
    dense = flow._Index(batch, item, 25, nb, True)
    keyed = flow._Index(batch, item, 25, nb, False)
    for name in ("item", "batch", "start", "rank", "count"):
        assert getattr(dense, name).tolist() == getattr(keyed, name).tolist()
    assert dense.pos(batch, item).tolist() == keyed.pos(batch, item).tolist()
    assert dense.rank_of(batch, item).tolist() == keyed.rank_of(batch, item).tolist()


@given(st.lists(st.lists(st.integers(0, 4), max_size=12), min_size=1, max_size=6))
def test_arcs_placed_by_counting_equal_a_stable_sort(families: list[list[int]]) -> None:
    graph = object.__new__(flow._LevelGraph)
    graph.n_batches, graph.parts = 5, []
    for f, batches in enumerate(families):
        b = np.sort(np.array(batches, dtype=np.int64))
        tag = 1000 * f + np.arange(b.size, dtype=np.int64)
        graph.parts.append((b, tag, tag + 1, tag + 2, tag + 3))
    cols, start = graph._batch_major()
    batch = np.concatenate([p[0] for p in graph.parts])
    perm = np.argsort(batch, kind="stable")
    for got, i in zip(cols, (1, 2, 3, 4), strict=True):
        assert got.tolist() == np.concatenate([p[i] for p in graph.parts])[perm].tolist()
    assert start.tolist() == np.searchsorted(batch[perm], np.arange(6)).tolist()


def test_an_item_in_two_batches_is_refused() -> None:
    with pytest.raises(ValueError, match="more than one batch"):
        flow._Index(np.array([0, 1]), np.array([3, 3]), 5, 2, True)


def test_arcs_out_of_batch_order_are_refused() -> None:
    graph = object.__new__(flow._LevelGraph)
    graph.n_batches = 2
    b = np.array([1, 0], dtype=np.int64)
    graph.parts = [(b, b, b, b, b)]
    with pytest.raises(ValueError, match="batch order"):
        graph._batch_major()


def _state(p: LiquidityProblem) -> LiquidityState:
    return build_state(p, check_problem(p))


def _reference_pairs(st_: LiquidityState, level: levels.NetworkLevel) -> list[tuple[int, ...]]:
    """Level pairs by their definition (every component small: no pruning), one at a time."""
    offs, needs = levels.active_offers(st_, level), levels.active_needs(st_, level)
    at = st_.coop_net_at[level]
    out = []
    for comp in sorted({int(at[st_.off_lender[o]]) for o in offs}):
        for o in [int(o) for o in offs if at[st_.off_lender[o]] == comp]:
            for n in [int(n) for n in needs if at[st_.need_borrower[n]] == comp]:
                b = int(st_.need_borrower[n])
                if st_.need_term[n] > st_.off_term[o] or st_.off_rate[o] > st_.need_rate[n]:
                    continue
                if st_.off_cap[o] < UNLIMITED and st_.off_cap[o] <= st_.exposure.get(o, b):
                    continue
                low, high = int(st_.off_rate[o]), int(st_.need_rate[n])
                total = low + high
                mid = total // 2 + (total % 2 == 1 and (total // 2) % 2 == 1)
                out.append((o, n, comp, low if st_.off_is_fund[o] else mid))
    return out


@SETTINGS
@given(tree_problems())
def test_level_pairs_follow_their_definition(p: LiquidityProblem) -> None:
    st_ = _state(p)
    # Some exposure already used, so the cap rule has something to drop.
    capped = np.flatnonzero(st_.off_cap < UNLIMITED)
    if capped.size and st_.need_borrower.size:
        o = int(capped[0])
        st_.exposure.add(o, int(st_.need_borrower[0]), int(st_.off_cap[o]))
    for level in st_.tree.levels():
        got = levels.level_pairs(st_, level, p.rate_rule, {}, p.max_pairs_per_network)
        cols = (got.pair_off, got.pair_need, got.pair_comp, got.pair_rate)
        assert list(zip(*(c.tolist() for c in cols), strict=True)) == _reference_pairs(st_, level)


def _reference_violations(st_: LiquidityState, pn: np.ndarray, x: np.ndarray) -> list[int]:
    out = []
    for n in range(len(st_.need_ids)):
        fill = int(x[pn == n].sum())
        count = int((x[pn == n] > 0).sum())
        b = st_.need_borrower[n]
        below = st_.need_filled[n] == 0 and 0 < fill < st_.need_min[n]
        if below or st_.need_lenders[n] + count > st_.max_lenders[b]:
            out.append(n)
    return out


@SETTINGS
@given(tree_problems(tiers=False), st.data())
def test_rule_checks_on_loans_only_match_the_definition(
    p: LiquidityProblem, data: st.DataObject
) -> None:
    st_ = _state(p)
    pairs = levels.level_pairs(st_, next(iter(st_.tree.levels())), p.rate_rule, {}, 10**6)
    po, pn = pairs.pair_off, pairs.pair_need
    amounts = st.sampled_from([0, 0, 1, 10_000, 50_000])
    x = np.array(data.draw(st.lists(amounts, min_size=po.size, max_size=po.size)), np.int64)
    assert violations(st_, pn, x).tolist() == _reference_violations(st_, pn, x)
    fixed = repair(st_, po, pn, x)
    assert violations(st_, pn, fixed).size == 0
    assert bool((fixed <= x).all()) and bool(((fixed == 0) | (fixed == x)).all())


@SETTINGS
@given(tree_problems())
def test_objective_from_the_state_equals_the_objective_of_the_proposals(
    p: LiquidityProblem,
) -> None:
    r = solve_valid(p)
    assert r.objective == objective_of(p, list(r.proposals))


@given(st.integers(0, 2**53), st.integers(0, 2**53))
def test_inline_baht_format_is_format_baht(matched: int, amount: int) -> None:
    from matcher.liquidity.explain import _detail, _reason_text

    text = _reason_text(("filled",))
    assert _detail(("filled",), matched, amount) == (
        f"{format_baht(matched)} / {format_baht(amount)} บาท — {text}"
    )


_CODES = st.sampled_from([("filled",), ("rate_gap", "funds_exhausted"), ()])


@given(st.lists(st.tuples(_CODES, st.integers(0, 2**62), st.integers(0, 2**62)), max_size=30))
def test_details_of_a_column_equal_one_detail_at_a_time(
    rows: list[tuple[tuple[str, ...], int, int]],
) -> None:
    from matcher.liquidity.explain import _detail, _details

    codes = [c for c, _, _ in rows]
    matched = np.array([m for _, m, _ in rows], dtype=np.int64)
    amount = np.array([a for _, _, a in rows], dtype=np.int64)
    assert _details(codes, matched, amount) == [_detail(c, m, a) for c, m, a in rows]


def test_collector_pause_restores_the_previous_state() -> None:
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_in_threads_leave_the_collector_on() -> None:
    """Two solves in worker threads whose pauses overlap, the first closing first: a plain
    save-and-restore would let the second restore 'off' for good."""
    import threading

    assert gc.isenabled()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with cycle_collection_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with cycle_collection_paused():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.isenabled())

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [False]
    assert gc.isenabled()
