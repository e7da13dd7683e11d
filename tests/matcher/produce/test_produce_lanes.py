"""Lane building: the coop-pair path (large groups) gives exactly the dense path's lanes.

Large groups pair coops within reach once and expand them to nodes grade by grade, in
chunks; small groups test every node pair at once. On seeded random rounds (coordinates
and a supplied distance matrix, two areas under the national tier, a processor) both must
give the same lanes, the same pruning flag and the same stages, tier by tier, and the
round's solve must pass the validator.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from produce_cases import seeded_round

from matcher.produce import lanes as lanes_mod
from matcher.produce import reach
from matcher.produce.checks import check_problem
from matcher.produce.distance import great_circle_m
from matcher.produce.lanes import TierLanes, tier_lanes
from matcher.produce.model import Lane, ProduceProblem
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
    p = seeded_round(seed, 36, 2, 90, 110)
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
