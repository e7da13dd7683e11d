"""Lane building on threads gives exactly the serial answer.

Large groups are built in chunks that run on a small thread pool
(:mod:`matcher.produce.pool`) and are joined in input order. On seeded rounds with several
areas (so several components per tier) and chunk sizes forced small (so every group has
many more chunks than threads), the lanes, the stages they mark and the whole result must be
the same with 1, 2 and 3 workers.
"""

from __future__ import annotations

import threading

import pytest
from produce_cases import seeded_round

from matcher.produce import lanes as lanes_mod
from matcher.produce import pool, reach
from matcher.produce.checks import check_problem
from matcher.produce.lanes import tier_lanes
from matcher.produce.model import ProduceProblem
from matcher.produce.solver import solve_produce
from matcher.produce.state import build_state
from matcher.produce.validator import validate

FIELDS = ("s", "d", "comp", "dist_m", "transport", "spoil", "gain", "day")


def _round(seed: int) -> ProduceProblem:
    """160 lots and 200 orders of grades AA/A/B at 48 coops in four areas, a processor."""
    return seeded_round(seed, 48, 4, 160, 200)


def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every group takes the chunked path, in many more chunks than there are threads."""
    monkeypatch.setattr(lanes_mod, "CHUNK_CELLS", 60)
    monkeypatch.setattr(reach, "CHUNK_CELLS", 30)


def _tiers(p: ProduceProblem, workers: int) -> list[tuple[dict[str, list[int]], bool, bytes]]:
    """Every tier's lanes on the untouched state, and the stages they leave behind."""
    st = build_state(p, check_problem(p))
    out = []
    for level in st.levels:
        ln = tier_lanes(st, level, p.transport, p.max_lanes_per_order, None, workers)
        cols = {f: getattr(ln, f).tolist() for f in FIELDS}
        out.append((cols, ln.pruned, st.stage_lot.tobytes() + st.stage_order.tobytes()))
    return out


@pytest.mark.parametrize("seed", range(3))
def test_threaded_lanes_equal_serial(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _small_chunks(monkeypatch)
    p = _round(seed)
    serial = _tiers(p, 1)
    assert sum(len(cols["s"]) for cols, _, _ in serial) > 0
    assert len({c for cols, _, _ in serial for c in cols["comp"]}) > 2
    for workers in (2, 3):
        assert _tiers(p, workers) == serial


@pytest.mark.parametrize("seed", range(3))
def test_threaded_solve_equals_serial(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _small_chunks(monkeypatch)
    p = _round(seed)
    serial = solve_produce(p, workers=1)
    assert serial.matches
    assert {m.tier for m in serial.matches} >= {"area"}
    for workers in (2, 3):
        threaded = solve_produce(p, workers=workers)
        assert threaded == serial
        assert repr(threaded) == repr(serial)
    assert validate(p, serial) == []


def test_ordered_map_keeps_input_order_when_items_finish_out_of_order() -> None:
    # Item 0 cannot finish before item 1 has: completion order differs from input order.
    one_done = threading.Event()

    def work(i: int) -> int:
        if i == 0:
            assert one_done.wait(timeout=30)
        if i == 1:
            one_done.set()
        return i * 10

    items = list(range(max(pool.MIN_ITEMS, 6)))
    assert pool.ordered_map(work, items, workers=2) == [i * 10 for i in items]


def test_ordered_map_serial_below_min_items() -> None:
    seen: list[str] = []

    def work(i: int) -> int:
        seen.append(threading.current_thread().name)
        return i

    assert pool.ordered_map(work, list(range(pool.MIN_ITEMS - 1)), workers=2) == [0, 1, 2]
    assert set(seen) == {threading.current_thread().name}
    seen.clear()
    assert pool.ordered_map(work, list(range(8)), workers=1) == list(range(8))
    assert set(seen) == {threading.current_thread().name}
