"""Member behaviours of a replay: how each member system answers its proposals and pays.

A scenario file may carry a ``replay:`` section (:class:`scenarios.sim.schema.ReplaySpec`)
with behaviours for every member, per network (the coops of the network and of the
networks under it), per group and per coop. For each coop the levels apply from the
general to the specific — the policy's stress case (its ``late_buyer`` group pays
``late_days`` late, as in ``coopmatch simulate``), ``members``, its networks from the root
down to its own, its group, the coop itself — each set field replacing what came before.
The command line's ``--decline-bps`` then overrides every member's share of declines.

``decline_bps``  share of the proposals in which the member is a party that it declines
                 (drawn from the seed; a proposal is declined by the first of its supply
                 and demand sides whose draw falls under its share)
``repay``        ``on_time``; ``late``: its debts fall due ``late_days`` after their due
                 date (it pays then, as far as its cash goes); ``never``: it pays no debt
                 in cash (a round may still set its debts off; what stays unpaid at the
                 season end is a default)
"""

from __future__ import annotations

from dataclasses import dataclass

from matcher.errors import IssueCollector
from scenarios.sim.loader import Scenario
from scenarios.sim.schema import MemberBehaviour, ReplaySpec
from scenarios.sim.setup import SeasonSetup


@dataclass(frozen=True)
class Behaviour:
    """One member's resolved behaviour."""

    decline_bps: int = 0
    repay: str = "on_time"
    late_days: int = 0


def _apply(b: Behaviour, level: MemberBehaviour | None) -> Behaviour:
    if level is None:
        return b
    repay = level.repay if level.repay is not None else b.repay
    late = level.late_days if level.late_days is not None else b.late_days
    return Behaviour(
        level.decline_bps if level.decline_bps is not None else b.decline_bps,
        repay,
        late if repay == "late" else 0,
    )


def resolve(
    scenario: Scenario, setup: SeasonSetup, decline_bps: int | None = None
) -> dict[str, Behaviour]:
    """Every coop's behaviour (see the module docstring)."""
    spec = scenario.spec.replay or ReplaySpec()
    parent = {n.id: n.parent for n in scenario.spec.networks}
    stress = setup.policy.stress
    out: dict[str, Behaviour] = {}
    for coop, group in zip(scenario.coops, scenario.group_of, strict=True):
        b = Behaviour()
        if coop.id in setup.late:
            b = Behaviour(0, "late", stress.late_days)
        b = _apply(b, spec.members)
        chain: list[str] = []
        net: str | None = group.network
        while net is not None:
            chain.append(net)
            net = parent.get(net)
        for nid in reversed(chain):
            b = _apply(b, spec.networks.get(nid))
        b = _apply(b, spec.groups.get(group.id))
        b = _apply(b, spec.coops.get(coop.id))
        if decline_bps is not None:
            b = Behaviour(decline_bps, b.repay, b.late_days)
        out[coop.id] = b
    return out


def check_behaviours(scenario: Scenario, col: IssueCollector) -> None:
    """Every network, group and coop the ``replay`` section names exists in the scenario."""
    spec = scenario.spec.replay
    if spec is None:
        return
    known = {
        "networks": {n.id for n in scenario.spec.networks},
        "groups": {g.id for g in scenario.spec.groups},
        "coops": {c.id for c in scenario.coops},
    }
    what = {"networks": "เครือข่าย / network", "groups": "กลุ่ม / group", "coops": "สหกรณ์ / coop"}
    for level in ("networks", "groups", "coops"):
        for key in sorted(getattr(spec, level)):
            col.require(
                key in known[level],
                f"replay.{level}.{key}",
                f"ไม่มี{what[level].split(' / ')[0]}นี้ในสถานการณ์ / no {what[level].split(' / ')[1]} "
                f"{key!r} in the scenario",
            )


def late_by(behaviours: dict[str, Behaviour]) -> dict[str, int]:
    """Coop → days its debts fall due late (late payers only)."""
    return {c: b.late_days for c, b in sorted(behaviours.items()) if b.repay == "late"}


def never_pays(behaviours: dict[str, Behaviour]) -> frozenset[str]:
    """Coops that pay no debt in cash."""
    return frozenset(c for c, b in behaviours.items() if b.repay == "never")


def differs_from_simulator(behaviours: dict[str, Behaviour], setup: SeasonSetup) -> list[str]:
    """Coops whose repayment differs from the simulator's (stress late payers aside)."""
    stress_days = setup.policy.stress.late_days
    out = []
    for coop, b in sorted(behaviours.items()):
        sim = ("late", stress_days) if coop in setup.late else ("on_time", 0)
        if (b.repay, b.late_days) != sim:
            out.append(coop)
    return out
