"""The funding plan's input and result types, and the input checks.

A plan sizes, before the season, each planning network's joint fund and the standby credit
lines it holds from named sources, so that on at least the target share of the sampled
season days every urgent need is covered, at the least expected cost. See
:mod:`matcher.funding.plan` for the formulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matcher.errors import IssueCollector
from matcher.money import MAX_RATE_BPS
from matcher.results import SolveStatus

BPS = 10_000


@dataclass(frozen=True, slots=True)
class FundTerms:
    """A planning network's joint fund: capital set aside for the season."""

    network: str
    return_forgone_bps: int
    """Yearly return the capital would earn elsewhere (its cost while it waits)."""
    limit_satang: int | None = None
    """Most capital the network can put in; None: no limit."""


@dataclass(frozen=True, slots=True)
class Source:
    """A named lender offering standby credit lines (one line per network it serves)."""

    id: str
    name_th: str
    name_en: str
    commitment_fee_bps: int
    """Yearly fee on the committed line (charged on the undrawn part)."""
    interest_bps: int
    """Yearly interest on what is drawn."""
    limit_satang: int | None = None
    """Most it will commit over all networks; None: no limit."""
    networks: tuple[str, ...] = ()
    """Networks it may serve; empty: every planning network."""

    def serves(self, network: str) -> bool:
        """Whether this source may open a line for ``network``."""
        return not self.networks or network in self.networks


@dataclass(frozen=True)
class FundingProblem:
    """Sampled requirements and the terms of every fund and source.

    ``requirement[s, t, n]`` (satang) is what network ``n`` would have outstanding from the
    buffer on day ``t`` of sampled season ``s`` if every earlier urgent need had been met
    (:func:`matcher.funding.plan.outstanding_requirement`).
    """

    networks: tuple[str, ...]
    requirement: NDArray[np.int64]
    target_bps: int
    """Share of sampled season days, per network, on which every urgent need is covered."""
    funds: tuple[FundTerms, ...]
    sources: tuple[Source, ...]

    @property
    def samples(self) -> int:
        """Number of sampled seasons."""
        return int(self.requirement.shape[0])

    @property
    def days(self) -> int:
        """Days of each season."""
        return int(self.requirement.shape[1])


@dataclass(frozen=True, slots=True)
class SourceValue:
    """What one more baht of a source is worth, from the LP with the coverage fixed."""

    source: str
    committed_satang: int
    limit_dual: float
    """Expected cost saved per baht of extra limit (0 unless the limit binds)."""
    reduced_cost: dict[str, float]
    """Network → cost added per baht of line forced in beyond the optimum (≥ 0)."""


@dataclass(frozen=True)
class FundingPlan:
    """The sizes, the cost and how well the plan serves the samples."""

    status: SolveStatus
    fund_satang: dict[str, int]
    """Network → joint fund (whole baht, rounded up)."""
    lines_satang: dict[tuple[str, str], int]
    """(source, network) → committed line (whole baht, rounded up)."""
    cost_satang: int
    """Expected season cost of the rounded plan (recomputed, not the LP's figure)."""
    lp_cost: float
    """The LP's objective in satang (before rounding the sizes)."""
    service_bps: dict[str, int]
    """Network → share of sampled days served (in-sample)."""
    capacity_dual: dict[str, float]
    """Network → cost of one more baht of required buffer."""
    source_values: tuple[SourceValue, ...]
    variables: int
    constraints: int
    solve_ms: int
    cut_rounds: int = 0
    """LP solves of the cutting-plane loop."""
    points: int = 0
    """Served sample-days with a positive requirement (the samples the draw cost reads)."""
    solver: str = "highs"

    def capacity_satang(self, network: str) -> int:
        """Fund plus lines of ``network``."""
        lines = sum(v for (_, n), v in self.lines_satang.items() if n == network)
        return self.fund_satang.get(network, 0) + lines


def check_funding_problem(problem: FundingProblem) -> None:
    """Raise :class:`~matcher.errors.InputError` naming every bad field."""
    col = IssueCollector()
    col.require(0 < problem.target_bps <= BPS, "target", "must be in (0, 1]")
    req = problem.requirement
    ok = col.require(
        req.ndim == 3 and req.shape[2] == len(problem.networks),
        "requirement",
        "must be samples × days × networks",
    )
    if ok:
        col.require(req.shape[0] >= 1 and req.shape[1] >= 1, "requirement", "no samples")
        col.require(bool((req >= 0).all()), "requirement", "must not be negative")
    nets = set(problem.networks)
    for i, f in enumerate(problem.funds):
        col.require(f.network in nets, f"funds[{i}].network", f"unknown network {f.network!r}")
        _rate(col, f"funds[{i}].return_forgone_bps", f.return_forgone_bps)
        _limit(col, f"funds[{i}].limit_satang", f.limit_satang)
    seen: set[str] = set()
    for i, s in enumerate(problem.sources):
        where = f"sources[{i}]"
        col.require(s.id not in seen, f"{where}.id", f"duplicate source {s.id!r}")
        seen.add(s.id)
        _rate(col, f"{where}.commitment_fee_bps", s.commitment_fee_bps)
        _rate(col, f"{where}.interest_bps", s.interest_bps)
        col.require(
            s.interest_bps >= s.commitment_fee_bps,
            f"{where}.interest_bps",
            "must be at least the commitment fee",
        )
        _limit(col, f"{where}.limit_satang", s.limit_satang)
        for j, n in enumerate(s.networks):
            col.require(n in nets, f"{where}.networks[{j}]", f"unknown network {n!r}")
    col.raise_if_any()


def _rate(col: IssueCollector, field: str, value: int) -> None:
    col.require(0 <= value <= MAX_RATE_BPS, field, "must be between 0 and 10,000 bps")


def _limit(col: IssueCollector, field: str, value: int | None) -> None:
    if value is not None:
        col.require(value >= 0, field, "must not be negative")
