"""Independent check of a set-off result; uses no solver and no array code of the solver.

It recomputes, with plain integers and dictionaries: one notice per obligation and no
other; 0 ≤ set-off ≤ amount and set-off + remaining = amount; every coop's net position
before and after; due-first order of set-off inside each (debtor, creditor) pair; gross,
net internal debt, cleared, remaining, share and the bilateral netting baseline;
cleared ≥ bilateral; and the injection figures (least cash = net internal debt, cheapest
mix by rate, curve bounds and shape).
"""

from __future__ import annotations

from collections import defaultdict

from matcher.money import ratio_bps, simple_interest_satang
from matcher.setoff.model import InjectionResult, SetoffProblem, SetoffResult


def validate(problem: SetoffProblem, result: SetoffResult) -> list[str]:
    """Every rule ``result`` breaks, as readable lines; an empty list means valid.

    >>> from matcher.domain import Coop
    >>> from matcher.setoff.model import Obligation
    >>> from matcher.setoff.solver import solve_setoff
    >>> p = SetoffProblem((Coop("a", "ก", "A"), Coop("b", "ข", "B")),
    ...                   (Obligation("x", "a", "b", 9), Obligation("y", "b", "a", 4)))
    >>> validate(p, solve_setoff(p))
    []
    """
    errors: list[str] = []
    by_id = {ob.id: ob for ob in problem.obligations}
    seen: set[str] = set()
    before: dict[str, int] = defaultdict(int)
    after: dict[str, int] = defaultdict(int)
    for item in problem.obligations:
        before[item.creditor] += item.amount_satang
        before[item.debtor] -= item.amount_satang
    for notice in result.notices:
        ob = by_id.get(notice.obligation_id)
        if ob is None or notice.obligation_id in seen:
            errors.append(f"notice for unknown or repeated obligation {notice.obligation_id!r}")
            continue
        seen.add(ob.id)
        if (notice.debtor, notice.creditor, notice.amount_satang) != (
            ob.debtor,
            ob.creditor,
            ob.amount_satang,
        ):
            errors.append(f"{ob.id}: notice parties or amount differ from the obligation")
        if not 0 <= notice.set_off_satang <= ob.amount_satang:
            errors.append(f"{ob.id}: set-off {notice.set_off_satang} outside [0, amount]")
        if notice.set_off_satang + notice.remaining_satang != ob.amount_satang:
            errors.append(f"{ob.id}: set-off + remaining != amount")
        after[ob.creditor] += notice.remaining_satang
        after[ob.debtor] -= notice.remaining_satang
    if seen != set(by_id):
        errors.append(f"{len(set(by_id) - seen)} obligation(s) without a notice")
    for coop in sorted(set(before) | set(after)):
        if before[coop] != after[coop]:
            errors.append(f"net position of {coop} changed: {before[coop]} -> {after[coop]}")
    errors += _check_due_order(problem, result)
    errors += _check_totals(problem, result, before)
    errors += _check_injection(problem, result.injection, result.totals.cleared_satang)
    return errors


def _check_due_order(problem: SetoffProblem, result: SetoffResult) -> list[str]:
    """Inside one (debtor, creditor) pair, set-off goes to the obligation due first.

    Order: due date (undated last), then id. A later obligation may only be set off once
    every earlier one is set off in full.
    """
    set_off = {n.obligation_id: n.set_off_satang for n in result.notices}
    groups: dict[tuple[str, str], list[tuple[int, str, int]]] = defaultdict(list)
    for ob in problem.obligations:
        rank = ob.due_date.toordinal() if ob.due_date else 10**7
        groups[(ob.debtor, ob.creditor)].append((rank, ob.id, ob.amount_satang))
    errors: list[str] = []
    for (debtor, creditor), members in sorted(groups.items()):
        open_before = False
        for _, ob_id, amount in sorted(members):
            done = set_off.get(ob_id, 0)
            if open_before and done > 0:
                errors.append(f"{ob_id}: set off before an earlier-due {debtor}->{creditor} debt")
            open_before = open_before or done < amount
    return errors


def bilateral_cleared(problem: SetoffProblem) -> int:
    """What netting opposite obligations of each pair clears: Σ_pairs 2·min(A, B)."""
    owed: dict[tuple[str, str], int] = defaultdict(int)
    for ob in problem.obligations:
        owed[(ob.debtor, ob.creditor)] += ob.amount_satang
    return sum(min(a, owed.get((v, u), 0)) for (u, v), a in owed.items())


def _check_totals(problem: SetoffProblem, result: SetoffResult, net: dict[str, int]) -> list[str]:
    """Totals recomputed from the notices and the problem."""
    t = result.totals
    gross = sum(ob.amount_satang for ob in problem.obligations)
    left = sum(n.remaining_satang for n in result.notices)
    nid = sum(-b for b in net.values() if b < 0)
    bilateral = bilateral_cleared(problem)
    expect = {
        "gross_satang": gross,
        "remaining_satang": left,
        "cleared_satang": gross - left,
        "net_internal_satang": nid,
        "cleared_share_bps": ratio_bps(gross - left, gross),
        "bilateral_cleared_satang": bilateral,
        "obligation_count": len(problem.obligations),
        "coop_count": len(problem.coops),
    }
    errors = [
        f"totals.{name} is {getattr(t, name)}, recomputed {value}"
        for name, value in expect.items()
        if getattr(t, name) != value
    ]
    if left < nid:
        errors.append(f"remaining {left} is below the net internal debt {nid}")
    if gross - left < bilateral:
        errors.append(f"cleared {gross - left} is below bilateral netting {bilateral}")
    return errors


def _check_injection(problem: SetoffProblem, inj: InjectionResult, cleared0: int) -> list[str]:
    """Least cash, cash needs, the cheapest mix and the curve's bounds and shape."""
    errors: list[str] = []
    net: dict[str, int] = defaultdict(int)
    for ob in problem.obligations:
        net[ob.creditor] += ob.amount_satang
        net[ob.debtor] -= ob.amount_satang
    needs = sorted((c, -b) for c, b in net.items() if b < 0)
    if [(n.coop_id, n.amount_satang) for n in inj.cash_needs] != needs:
        errors.append("injection.cash_needs differ from the net debtors' net debt")
    settle = sum(a for _, a in needs)
    if inj.settle_all_satang != settle:
        errors.append(f"injection.settle_all_satang {inj.settle_all_satang} != {settle}")
    available = sum(s.amount_satang for s in problem.sources)
    if (inj.available_satang, inj.shortfall_satang) != (available, max(0, settle - available)):
        errors.append("injection.available or shortfall recomputed differently")
    errors += _check_draws(problem, inj, min(settle, available))
    gross = sum(ob.amount_satang for ob in problem.obligations)
    cash = [p.cash_satang for p in inj.curve]
    if (
        cash != sorted(set(cash))
        or not cash
        or cash[0] != 0
        or inj.curve[0].cleared_satang != cleared0
    ):
        errors.append("injection.curve must start at zero cash with the set-off's cleared amount")
    prev = None
    for p in inj.curve:
        low, high = min(gross, cleared0 + p.cash_satang), gross
        if not low <= p.cleared_satang <= high or (
            p.cash_satang >= settle and p.cleared_satang != gross
        ):
            errors.append(f"curve at {p.cash_satang}: cleared {p.cleared_satang} out of bounds")
        if prev is not None and p.cleared_satang < prev:
            errors.append(f"curve decreases at {p.cash_satang}")
        if p.cleared_share_bps != ratio_bps(p.cleared_satang, gross):
            errors.append(f"curve share at {p.cash_satang} recomputed differently")
        prev = p.cleared_satang
    return errors


def _check_draws(problem: SetoffProblem, inj: InjectionResult, wanted: int) -> list[str]:
    """Draws are the cheapest sources first, no source over its amount, total = wanted."""
    errors: list[str] = []
    sources = {s.id: s for s in problem.sources}
    if sum(d.amount_satang for d in inj.draws) != wanted:
        errors.append(f"draws total differs from {wanted}")
    rates = [d.rate_bps for d in inj.draws]
    if rates != sorted(rates):
        errors.append("draws are not cheapest first")
    for d in inj.draws:
        src = sources.get(d.source_id)
        if (
            src is None
            or not 0 < d.amount_satang <= src.amount_satang
            or d.rate_bps != src.rate_bps
        ):
            errors.append(f"draw from {d.source_id!r} does not fit its source")
        elif d.annual_cost_satang != simple_interest_satang(d.amount_satang, d.rate_bps, 365):
            errors.append(f"draw from {d.source_id!r}: annual cost recomputed differently")
    drawn = {d.source_id for d in inj.draws}
    if drawn and any(s.id not in drawn and s.rate_bps < max(rates) for s in problem.sources):
        errors.append("a cheaper source was left unused")
    if sum(d.annual_cost_satang for d in inj.draws) != inj.annual_cost_satang:
        errors.append("injection.annual_cost_satang is not the sum of the draws")
    return errors
