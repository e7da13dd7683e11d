"""Lane building on threads gives exactly the serial answer.

Large groups are built in chunks that run on a small thread pool
(:mod:`matcher.produce.pool`) and are joined in input order. On seeded rounds with several
areas (so several components per tier) and chunk sizes forced small (so every group has
many more chunks than threads), the lanes, the stages they mark and the whole result must be
the same with 1, 2 and 3 workers.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import numpy as np
import pytest
from produce_cases import DAY, lot, order, problem

from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce import lanes as lanes_mod
from matcher.produce import pool, reach
from matcher.produce.checks import check_problem
from matcher.produce.lanes import tier_lanes
from matcher.produce.model import Processor, ProduceProblem, Transport
from matcher.produce.solver import solve_produce
from matcher.produce.state import build_state
from matcher.produce.validator import validate

FIELDS = ("s", "d", "comp", "dist_m", "transport", "spoil", "gain", "day")
N_COOPS = 48
N_AREAS = 4


def _round(seed: int) -> ProduceProblem:
    """160 lots and 200 orders of grades AA/A/B at 48 coops in four areas, a processor."""
    rng = np.random.default_rng(seed)
    lat = rng.integers(1_750_000, 1_900_000, N_COOPS)
    lon = rng.integers(9_850_000, 9_950_000, N_COOPS)
    coops = [
        Coop(f"c{i:02d}", f"สหกรณ์ {i}", f"Coop {i}", lat_e5=int(lat[i]), lon_e5=int(lon[i]))
        for i in range(N_COOPS)
    ]
    grades = ("AA", "A", "B")
    lots = [
        lot(
            f"l{k:03d}",
            f"c{rng.integers(0, N_COOPS):02d}",
            int(rng.integers(200, 3_000)),
            int(rng.integers(1_000, 1_900)),
            grades[int(rng.integers(0, 3))],
            ready_date=DAY - timedelta(int(rng.integers(0, 2))),
            spoilage_satang_per_unit_day=int(rng.integers(0, 40)),
        )
        for k in range(160)
    ]
    orders = [
        order(
            f"o{k:03d}",
            f"c{rng.integers(0, N_COOPS):02d}",
            int(rng.integers(200, 3_000)),
            {g: int(rng.integers(1_500, 2_300)) for g in grades if rng.random() < 0.6}
            or {"A": 2_000},
            deliver_by=DAY + timedelta(int(rng.integers(0, 3))),
        )
        for k in range(200)
    ]
    areas = tuple(
        Network(
            f"a{j}",
            f"เขต {j}",
            f"Area {j}",
            NetworkLevel.AREA,
            None,
            tuple(c.id for c in coops[j::N_AREAS]),
        )
        for j in range(N_AREAS)
    )
    proc = Processor("p1", "c00", "longan", "B", "longan", "A", 3_000, 150)
    return problem(
        coops,
        lots,
        orders,
        networks=areas,
        processors=(proc,),
        transport=Transport(2, max_distance_m=60_000, km_per_day=40),
        max_lanes_per_order=7,
    )


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
