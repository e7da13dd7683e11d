"""Result vocabulary shared by every matcher: solve status, fairness policy, rate rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

CP_SAT_DET_PER_SECOND = 0.3
"""CP-SAT deterministic time done in one wall-clock second on the reference 2-core machine
(measured on the province-trucks family: 0.05–0.10 units in 0.22–0.34 s). CP-SAT limits are
deterministic (limit × this), so answers do not depend on the machine's load, and a wall-clock
guard of twice the limit only stops a stalled solve."""


class SolveStatus(str, Enum):
    """How a solve ended. A partial match is a result, not an error."""

    OPTIMAL = "optimal"
    """Proven optimal for the stated objective."""
    FEASIBLE = "feasible"
    """Valid, but optimality was not proven (for example candidate pruning was applied)."""
    TIME_LIMITED = "time_limited"
    """The time limit stopped the solver; the best valid answer found is returned."""
    INFEASIBLE = "infeasible"
    """No valid answer exists."""


class FairnessPolicy(str, Enum):
    """How scarce funds or buyers are shared once the urgency-weighted amount is maximal."""

    MAXMIN = "maxmin"
    """Raise the smallest fill ratio first, then the next (leximin over fill ratios)."""
    PROPORTIONAL = "proportional"
    """Every need first gets its minimum useful amount, the rest is shared pro rata."""
    COVERAGE = "coverage"
    """No fairness term: plain maximum coverage, then least cost and fewest matches."""


class RateRule(str, Enum):
    """How the agreed rate (or price) of a match is set."""

    MIDPOINT = "midpoint"
    """Halfway between the lender's lowest and the borrower's highest rate, ties to even."""
    POSTED = "posted"
    """The posted rate of the network where the match is made (midpoint where none is posted)."""


class FillState(str, Enum):
    """Outcome of one order."""

    FILLED = "filled"
    PARTLY_FILLED = "partly_filled"
    UNMATCHED = "unmatched"


@dataclass(frozen=True, slots=True)
class Timings:
    """Wall-clock phases of a solve in milliseconds, measured by a clock the caller passes."""

    build_ms: int
    solve_ms: int
    total_ms: int
