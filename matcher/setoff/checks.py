"""Input rules of the set-off, checked before anything is solved.

Every problem is reported with a field path in input order, e.g.
``obligations[3].amount_satang``; all problems are collected and raised together as one
:class:`~matcher.errors.InputError`.
"""

from __future__ import annotations

from matcher.errors import IssueCollector
from matcher.money import INT64_MAX, MAX_RATE_BPS
from matcher.setoff.model import Obligation, SetoffProblem

MAX_GROSS_SATANG = 2**62
"""Total debt (and total cash) is bounded so every sum inside the flow solver fits int64."""
MAX_CURVE_STEPS = 100


def check_problem(problem: SetoffProblem) -> None:
    """Raise :class:`InputError` naming every field that breaks a rule.

    Rules: unique coop ids; per obligation a unique id, known debtor and creditor that
    differ (no self-debt), 0 < amount ≤ int64; total debt ≤ 2^62; per source a unique id,
    0 < amount, 0 ≤ rate ≤ 10,000 bps and a known coop if one is named; cash points ≥ 0.

    >>> from matcher.domain import Coop
    >>> p = SetoffProblem((Coop("a", "ก", "A"),), (Obligation("o1", "a", "a", 5),))
    >>> check_problem(p)
    Traceback (most recent call last):
    ...
    matcher.errors.InputError: obligations[0].creditor: a coop cannot owe itself ('a')
    """
    col = IssueCollector()
    known: set[str] = set()
    for i, coop in enumerate(problem.coops):
        if col.require(coop.id not in known, f"coops[{i}].id", f"duplicate coop id {coop.id!r}"):
            known.add(coop.id)
    _check_obligations(problem.obligations, known, col)
    _check_sources(problem, known, col)
    for i, cash in enumerate(problem.cash_points_satang):
        col.require(
            0 <= cash <= MAX_GROSS_SATANG,
            f"cash_points_satang[{i}]",
            f"cash must be between 0 and {MAX_GROSS_SATANG} satang",
        )
    col.require(
        0 <= problem.curve_steps <= MAX_CURVE_STEPS,
        "curve_steps",
        f"must be between 0 and {MAX_CURVE_STEPS}",
    )
    col.raise_if_any()


def _check_obligations(
    obligations: tuple[Obligation, ...], known: set[str], col: IssueCollector
) -> None:
    """Ids, parties and amounts of every obligation, then the total.

    Messages are formatted only when a rule is broken: this loop runs once per obligation.
    """
    seen: set[str] = set()
    gross = 0
    for i, ob in enumerate(obligations):
        if not ob.id:
            col.add(f"obligations[{i}].id", "must not be empty")
        elif ob.id in seen:
            col.add(f"obligations[{i}].id", f"duplicate obligation id {ob.id!r}")
        seen.add(ob.id)
        if ob.debtor not in known:
            col.add(f"obligations[{i}].debtor", f"unknown coop {ob.debtor!r}")
        if ob.creditor not in known:
            col.add(f"obligations[{i}].creditor", f"unknown coop {ob.creditor!r}")
        if ob.debtor == ob.creditor:
            col.add(f"obligations[{i}].creditor", f"a coop cannot owe itself ({ob.debtor!r})")
        if 0 < ob.amount_satang <= INT64_MAX:
            gross += ob.amount_satang
        else:
            col.add(
                f"obligations[{i}].amount_satang",
                "must be greater than zero and at most 2^63-1 satang",
            )
    col.require(
        gross <= MAX_GROSS_SATANG,
        "obligations",
        f"total debt {gross} satang exceeds the limit of {MAX_GROSS_SATANG} satang",
    )


def _check_sources(problem: SetoffProblem, known: set[str], col: IssueCollector) -> None:
    """Ids, lenders, amounts and rates of the liquidity sources."""
    seen: set[str] = set()
    total = 0
    for i, src in enumerate(problem.sources):
        where = f"sources[{i}]"
        if col.require(bool(src.id), f"{where}.id", "must not be empty") and col.require(
            src.id not in seen, f"{where}.id", f"duplicate source id {src.id!r}"
        ):
            seen.add(src.id)
        if src.coop is not None:
            col.require(src.coop in known, f"{where}.coop", f"unknown coop {src.coop!r}")
        if col.require(
            0 < src.amount_satang <= INT64_MAX,
            f"{where}.amount_satang",
            "must be greater than zero and at most 2^63-1 satang",
        ):
            total += src.amount_satang
        col.require(
            0 <= src.rate_bps <= MAX_RATE_BPS,
            f"{where}.rate_bps",
            f"must be between 0 and {MAX_RATE_BPS} basis points",
        )
    col.require(
        total <= MAX_GROSS_SATANG,
        "sources",
        f"total funds {total} satang exceed the limit of {MAX_GROSS_SATANG} satang",
    )
