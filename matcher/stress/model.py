"""Stress test input and result types, and the input checks.

A ledger of claims between coops (inter-coop loans, sale debts, set-off obligations),
each coop's liquid funds and reserve, and a shock: coops that stop paying, and coops whose
liquid funds fall by a share (a price fall on their produce). See
:mod:`matcher.stress.clearing` and :mod:`matcher.stress.debtrank`.
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.errors import IssueCollector

BPS = 10_000


@dataclass(frozen=True, slots=True)
class Claim:
    """``debtor`` owes ``creditor`` ``amount_satang`` (a loan, a sale debt, an obligation)."""

    id: str
    debtor: str
    creditor: str
    amount_satang: int
    kind: str = "loan"


@dataclass(frozen=True, slots=True)
class Position:
    """A coop's own means: what it can pay with, and what absorbs a loss."""

    coop_id: str
    liquid_satang: int
    """Cash and liquid funds (Eisenberg–Noe's external assets)."""
    reserve_satang: int
    """Reserve (capital) that absorbs losses; a loss above it breaks the reserve."""


@dataclass(frozen=True, slots=True)
class Shock:
    """What hits one coop at the start."""

    coop_id: str
    stops_paying: bool = True
    """It pays nothing on its debts (a default)."""
    liquid_loss_bps: int = 0
    """Share of its liquid funds lost (a price fall on the stock it holds)."""


@dataclass(frozen=True)
class StressProblem:
    """The ledger, the positions and the shock."""

    positions: tuple[Position, ...]
    claims: tuple[Claim, ...]
    shocks: tuple[Shock, ...]


@dataclass(frozen=True, slots=True)
class CoopOutcome:
    """One coop after the clearing."""

    coop_id: str
    owes_satang: int
    pays_satang: int
    """Its clearing payment (rounded down to a satang)."""
    owed_satang: int
    """What others owe it."""
    loss_satang: int
    """What it does not receive: owed − received."""
    liquid_satang: int
    reserve_satang: int
    reserve_broken: bool
    """Its loss exceeds its reserve."""
    liquid_short: bool
    """Its loss exceeds its liquid funds."""
    default_round: int | None
    """0: defaulted by the shock; k: in round k of contagion; None: pays in full."""
    largest_borrower: str | None
    largest_exposure_bps: int
    """Largest single borrower's debt to it as a share of its reserve (bps; capped)."""


@dataclass(frozen=True)
class StressResult:
    """Clearing vector, losses, rounds, DebtRank."""

    payments: tuple[float, ...]
    """Clearing payment of each coop (positions order), exact up to floating point."""
    outcomes: tuple[CoopOutcome, ...]
    rounds: int
    """Rounds of contagion after the shock (0: nobody else defaults)."""
    debtrank: float
    """DebtRank of the shocked coops: share of the system's value lost beyond them."""
    importance: dict[str, float]
    """Coop → its own DebtRank when it alone defaults (the coops asked for)."""
    solve_ms: int


MAX_EXPOSURE_BPS = 1_000_000
"""Exposure shares are capped at 100× the reserve (a coop with no reserve reports this)."""


def check_stress_problem(problem: StressProblem) -> None:
    """Raise :class:`~matcher.errors.InputError` naming every bad field.

    Messages are built only for the fields that fail (a national ledger has 10⁵ claims).
    """
    col = IssueCollector()
    ids: set[str] = set()
    for i, p in enumerate(problem.positions):
        if p.coop_id in ids:
            col.add(f"positions[{i}].coop_id", f"duplicate {p.coop_id!r}")
        ids.add(p.coop_id)
        if p.liquid_satang < 0:
            col.add(f"positions[{i}].liquid_satang", "must not be negative")
        if p.reserve_satang < 0:
            col.add(f"positions[{i}].reserve_satang", "must not be negative")
    for i, c in enumerate(problem.claims):
        if c.amount_satang < 0:
            col.add(f"claims[{i}].amount_satang", "must not be negative")
        if c.debtor not in ids:
            col.add(f"claims[{i}].debtor", f"unknown coop {c.debtor!r}")
        if c.creditor not in ids:
            col.add(f"claims[{i}].creditor", f"unknown coop {c.creditor!r}")
        if c.debtor == c.creditor:
            col.add(f"claims[{i}].creditor", "a coop cannot owe itself")
    for i, s in enumerate(problem.shocks):
        col.require(s.coop_id in ids, f"shocks[{i}].coop_id", f"unknown coop {s.coop_id!r}")
        col.require(
            0 <= s.liquid_loss_bps <= BPS, f"shocks[{i}].liquid_loss_bps", "must be 0 to 10,000"
        )
    col.raise_if_any()
