"""What a truck solve returns, and how its proven gap is graded (shared by the truck modules)."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.results import SolveStatus

GAP = 0.01
"""The target: a proven relative gap of 1 % is *feasible*, above it *time-limited*."""


@dataclass(frozen=True)
class TruckOutcome:
    """Units and trucks per lane, the status and the proven relative gap."""

    flow: I64
    trucks: I64
    status: SolveStatus
    gap: float
    effort_ms: int = 0
    """Counted milliseconds: CP-SAT's deterministic time, HiGHS's simplex iterations
    (reproducible, unlike wall time)."""
    best: float = 0.0
    bound: float = 0.0
    stopped: bool = False
    """A wall-clock guard or a missing solution stopped the solve (the answer may then
    depend on the machine's load, or be the flow answer)."""


def grade(best: float, bound: float) -> tuple[SolveStatus, float]:
    """Status and relative gap of a solution ``best`` under a proven upper ``bound``."""
    gap = max(0.0, bound - best) / max(1.0, abs(best))
    if gap <= 1e-9:
        return SolveStatus.OPTIMAL, 0.0
    return (SolveStatus.FEASIBLE if gap <= GAP else SolveStatus.TIME_LIMITED), gap


def truck_value(lanes: TierLanes, flow: I64, capacity: int, truck_cost: int) -> float:
    """Σ g·x − F·Σ⌈x / C⌉ of a lot → order flow, in satang."""
    return float((lanes.gain * flow).sum() - truck_cost * (-(-flow // capacity)).sum())
