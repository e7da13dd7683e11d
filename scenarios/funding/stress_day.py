"""A stress ledger from a simulated season day, and shocks named the way coordinators do.

The season of the scenario's funding policy runs to the end of day ``day``; its open debts
(inter-coop loans to repay, sale debts) become claims, each coop's cash that day its liquid
funds, and its own money at the season start (cash plus idle funds, from its group) its
reserve (illustrative: the scenario file has no balance sheets).

Shocks: ``default`` coops stop paying; a ``group`` (a scenario group id or a network id)
loses ``price_fall_bps`` of its liquid funds (in season, mostly produce stock and cash from
its sale: a price fall of 40 % is modelled as a 40 % loss of liquid funds).
"""

from __future__ import annotations

from matcher.errors import FieldIssue
from matcher.stress.model import Claim, Position, Shock
from scenarios.funding.run import PlanInputError, funding_policy
from scenarios.sim.ledger import SeasonState
from scenarios.sim.loader import Scenario
from scenarios.sim.montecarlo import run_seed
from scenarios.sim.season import simulate_season

BPS = 10_000


def simulated_ledger(
    scenario: Scenario, seed: int, day: int
) -> tuple[tuple[Position, ...], tuple[Claim, ...]]:
    """Positions and claims at the end of ``day`` of run 0 of ``seed``."""
    days = scenario.spec.season.days
    if not 0 <= day < days:
        raise PlanInputError(
            [FieldIssue("day", f"ต้องอยู่ระหว่าง 0 ถึง {days - 1} / must be 0 to {days - 1}")]
        )
    seen: dict[str, object] = {}

    def observe(t: int, st: SeasonState) -> None:
        if t == day:
            seen["cash"] = dict(st.cash)
            seen["debts"] = [
                (k, d.debtor, d.creditor, d.remaining)
                for k, d in sorted(st.debts.items())
                if d.remaining > 0
            ]

    simulate_season(scenario, funding_policy(scenario), run_seed(seed, 0), 0, observer=observe)
    cash: dict[str, int] = seen["cash"]  # type: ignore[assignment]
    debts: list[tuple[str, str, str, int]] = seen["debts"]  # type: ignore[assignment]
    positions = tuple(
        Position(c.id, max(0, cash.get(c.id, 0)), g.cash_baht + g.idle_funds_baht)
        for c, g in zip(scenario.coops, scenario.group_of, strict=True)
    )
    known = {p.coop_id for p in positions}
    claims = tuple(
        Claim(k, debtor, creditor, amount, "sale" if "sale" in k else "loan")
        for k, debtor, creditor, amount in debts
        if debtor in known and creditor in known
    )
    return positions, claims


def group_members(scenario: Scenario, group: str) -> list[str]:
    """Coops of a scenario group id or of a network id (and the networks under it)."""
    by_group = [
        c.id for c, g in zip(scenario.coops, scenario.group_of, strict=True) if g.id == group
    ]
    if by_group:
        return by_group
    nets, grew = {group}, True
    while grew:
        more = {n.id for n in scenario.networks if n.parent_id in nets} - nets
        grew = bool(more)
        nets |= more
    return [m for n in scenario.networks if n.id in nets for m in n.members]


def shocks_for(
    known: set[str],
    members: dict[str, list[str]],
    defaults: list[str],
    groups: list[str],
    price_fall_bps: int,
) -> tuple[Shock, ...]:
    """Shocks from the command's ``--default`` and ``--group`` options (fields named)."""
    issues = []
    for i, cid in enumerate(defaults):
        if cid not in known:
            issues.append(FieldIssue(f"default[{i}]", f"ไม่รู้จักสหกรณ์ / unknown coop {cid!r}"))
    for i, gid in enumerate(groups):
        if not members.get(gid):
            issues.append(FieldIssue(f"group[{i}]", f"ไม่รู้จักกลุ่มหรือเครือข่าย / unknown group {gid!r}"))
    if not 0 <= price_fall_bps <= BPS:
        issues.append(FieldIssue("price_fall", "ต้องอยู่ในช่วง [0, 1] / must be in [0, 1]"))
    if not defaults and not groups:
        issues.append(
            FieldIssue("default", "ระบุ --default หรือ --group / name a --default or a --group")
        )
    if issues:
        raise PlanInputError(issues)
    out = {cid: Shock(cid) for cid in defaults}
    for gid in groups:
        for cid in members[gid]:
            out.setdefault(cid, Shock(cid, stops_paying=False, liquid_loss_bps=price_fall_bps))
    return tuple(out[k] for k in sorted(out))
