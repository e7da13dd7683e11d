"""The mutable state of one season: cash, open debts (indexed by due day), stock, totals.

Debts are kept in a dict by key and, beside it, in buckets by the day they fall due for
their debtor (the due day plus ``late_days`` for a late payer). A debt enters the *due set*
on that day and stays there until it is paid or set off, so each day reads only the debts
that are due instead of scanning and sorting every open debt. A debt only ever shrinks
while it is due (set-off and payments touch due debts only), so only the due set is swept
for debts that are settled.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Debt:
    """What ``debtor`` still owes ``creditor``."""

    debtor: str
    creditor: str
    remaining: int
    due: int
    """Day index on which it falls due."""


@dataclass
class SeasonState:
    """Mutable state of one season (local to one simulation)."""

    cash: dict[str, int]
    fund: int
    late: frozenset[str] = frozenset()
    late_days: int = 0
    debts: dict[str, Debt] = field(default_factory=dict)
    due_keys: set[str] = field(default_factory=set)
    """Keys of the debts whose (late-adjusted) due day has come and that are still open."""
    by_due: dict[int, list[str]] = field(default_factory=dict)
    """Late-adjusted due day → keys of the debts falling due that day (not yet reached)."""
    day: int = 0
    """The day being simulated."""
    stock: dict[str, dict[int, int]] = field(default_factory=dict)
    """Collector → arrival day → units held."""
    totals: dict[str, int] = field(default_factory=dict)
    need: dict[str, int] = field(default_factory=dict)
    covered: dict[str, int] = field(default_factory=dict)
    short: dict[str, int] = field(default_factory=dict)
    loan_tiers: dict[str, int] = field(default_factory=dict)
    sale_tiers: dict[str, int] = field(default_factory=dict)
    seq: int = 0
    memo: dict[str, object] = field(default_factory=dict)
    """Round inputs built on earlier days, by id (loan offers, obligations), reused while
    their figures are unchanged (frozen, so sharing them is safe)."""

    def add(self, key: str, amount: int) -> None:
        """Add ``amount`` to the season total ``key``."""
        self.totals[key] = self.totals.get(key, 0) + amount

    def due_day(self, debt: Debt) -> int:
        """The day the debtor actually pays: the due day, later for a late payer."""
        return debt.due + (self.late_days if debt.debtor in self.late else 0)

    def owe(self, key: str, debt: Debt) -> None:
        """Record a new debt; it joins the due set at once if its day has already come."""
        self.debts[key] = debt
        when = self.due_day(debt)
        if when <= self.day:
            self.due_keys.add(key)
        else:
            self.by_due.setdefault(when, []).append(key)

    def open_day(self, t: int) -> dict[str, Debt]:
        """Start day ``t``: the open debts due by today, in key order."""
        self.day = t
        self.due_keys.update(self.by_due.pop(t, ()))
        debts = self.debts
        return {k: debts[k] for k in sorted(self.due_keys) if debts[k].remaining > 0}

    def drop_settled(self) -> None:
        """Forget the debts that are fully paid or set off."""
        for key in [k for k in self.due_keys if self.debts[k].remaining <= 0]:
            del self.debts[key]
            self.due_keys.discard(key)
            self.memo.pop(key, None)
