"""Lane building: the coop-pair path (large groups) gives exactly the dense path's lanes.

Large groups pair coops within reach once and expand them to nodes grade by grade, in
chunks; small groups test every node pair at once. On seeded random rounds (coordinates
and a supplied distance matrix, two areas under the national tier, a processor) both must
give the same lanes, the same pruning flag and the same stages, tier by tier, and the
round's solve must pass the validator.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from produce_cases import DAY, lot, order, problem

from matcher.domain import Coop, Network, NetworkLevel
from matcher.produce import lanes as lanes_mod
from matcher.produce import reach
from matcher.produce.checks import check_problem
from matcher.produce.distance import great_circle_m
from matcher.produce.lanes import TierLanes, tier_lanes
from matcher.produce.model import Lane, Processor, ProduceProblem, Transport
from matcher.produce.solver import solve_produce
from matcher.produce.state import build_state
from matcher.produce.validator import validate

FIELDS = ("s", "d", "comp", "dist_m", "transport", "spoil", "gain", "day")


def _with_matrix(p: ProduceProblem, seed: int) -> ProduceProblem:
    """The same round with a supplied road matrix (great circle × a random factor 1–2)."""
    lat = np.array([c.lat_e5 for c in p.coops])
    lon = np.array([c.lon_e5 for c in p.coops])
    i, j = (a.ravel() for a in np.meshgrid(np.arange(lat.size), np.arange(lat.size)))
    gc = great_circle_m(lat[i], lon[i], lat[j], lon[j])
    road = (gc * np.random.default_rng(seed).uniform(1.0, 2.0, gc.size)).astype(np.int64)
    matrix = tuple(
        Lane(p.coops[a].id, p.coops[b].id, int(m))
        for a, b, m in zip(i.tolist(), j.tolist(), road.tolist(), strict=True)
    )
    return replace(p, transport=replace(p.transport, lanes=matrix))


def _round(seed: int, matrix: bool) -> ProduceProblem:
    """90 lots and 110 orders of grades AA/A/B at 36 coops in two areas, with a processor."""
    rng = np.random.default_rng(seed)
    lat = rng.integers(1_750_000, 1_900_000, 36)
    lon = rng.integers(9_850_000, 9_950_000, 36)
    coops = [
        Coop(f"c{i:02d}", f"สหกรณ์ {i}", f"Coop {i}", lat_e5=int(lat[i]), lon_e5=int(lon[i]))
        for i in range(36)
    ]
    grades = ("AA", "A", "B")
    lots = [
        lot(
            f"l{k:03d}",
            f"c{rng.integers(0, 36):02d}",
            int(rng.integers(200, 3_000)),
            int(rng.integers(1_000, 1_900)),
            grades[int(rng.integers(0, 3))],
            ready_date=DAY - timedelta(int(rng.integers(0, 2))),
            spoilage_satang_per_unit_day=int(rng.integers(0, 40)),
        )
        for k in range(90)
    ]
    orders = [
        order(
            f"o{k:03d}",
            f"c{rng.integers(0, 36):02d}",
            int(rng.integers(200, 3_000)),
            {g: int(rng.integers(1_500, 2_300)) for g in grades if rng.random() < 0.6}
            or {"A": 2_000},
            deliver_by=DAY + timedelta(int(rng.integers(0, 3))),
        )
        for k in range(110)
    ]
    areas = tuple(
        Network(
            f"a{j}",
            f"เขต {j}",
            f"Area {j}",
            NetworkLevel.AREA,
            None,
            tuple(c.id for c in coops[j::2]),
        )
        for j in range(2)
    )
    proc = Processor("p1", "c00", "longan", "B", "longan", "A", 3_000, 150)
    p = problem(
        coops,
        lots,
        orders,
        networks=areas,
        processors=(proc,),
        transport=Transport(2, max_distance_m=60_000, km_per_day=40),
        max_lanes_per_order=7,
    )
    return _with_matrix(p, seed) if matrix else p


def _all_tiers(p: ProduceProblem) -> list[tuple[TierLanes, bytes]]:
    """Every tier's lanes on the untouched state, with the stages they leave behind."""
    st = build_state(p, check_problem(p))
    out = []
    for level in st.levels:
        ln = tier_lanes(st, level, p.transport, p.max_lanes_per_order)
        out.append((ln, st.stage_lot.tobytes() + st.stage_order.tobytes()))
    return out


@pytest.mark.parametrize("matrix", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_coop_pair_path_equals_dense_path(
    monkeypatch: pytest.MonkeyPatch, seed: int, matrix: bool
) -> None:
    p = _round(seed, matrix)
    dense = _all_tiers(p)
    # Every group takes the coop-pair path, in many small chunks.
    monkeypatch.setattr(lanes_mod, "CHUNK_CELLS", 40)
    monkeypatch.setattr(reach, "CHUNK_CELLS", 25)
    paired = _all_tiers(p)
    assert sum(ln.size for ln, _ in dense) > 0
    assert any(ln.pruned for ln, _ in dense)
    for (a, stage_a), (b, stage_b) in zip(dense, paired, strict=True):
        for f in FIELDS:
            assert getattr(a, f).tolist() == getattr(b, f).tolist(), f
        assert a.pruned == b.pruned
        assert stage_a == stage_b
    r = solve_produce(p)
    assert validate(p, r) == []
