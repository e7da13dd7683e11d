"""The produce matcher: a tier-by-tier cascade of min-cost flows (CP-SAT with trucks).

For each level of the network tree, most local first (area → province → region →
national), every network of that level is one component of a single solve over its
members' still-open lots, orders and processors (:mod:`matcher.produce.lanes`,
:mod:`matcher.produce.flow`). Only unsold surplus and unfilled orders move up, so each match
records the tier where it was made. Orders that a tier would fill below their minimum lot
are left out of that tier and the tier is solved again. Parts of a tier that hold a
processor whose yield is not one unit per unit are solved by CP-SAT instead of the flow
(:mod:`matcher.produce.yields`). With a truck capacity the tier is re-solved with integer
trucks (:mod:`matcher.produce.trucks`), hinted with the flow answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from matcher.domain import NetworkLevel
from matcher.gc_pause import cycle_collection_paused
from matcher.produce.checks import check_problem
from matcher.produce.distance import I64
from matcher.produce.explain import explain as explain_orders
from matcher.produce.explain import explain_lists
from matcher.produce.lanes import TierLanes, has_trade, tier_lanes
from matcher.produce.matches import Part, build_matches, objective_of, tier_stages_of
from matcher.produce.model import YIELD_ONE_BPS, Clock, PriceRule, ProduceProblem, ProduceResult
from matcher.produce.pool import WORKERS
from matcher.produce.prices import transport_duals
from matcher.produce.shadow import ShadowBook, marginal_duals
from matcher.produce.small import SmallRound, eligible
from matcher.produce.small_flow import NeedsStages
from matcher.produce.state import Layout, ProduceState, build_state, layout_of
from matcher.produce.trucks import solve_tier_trucks
from matcher.produce.yields import solve_tier as solve_tier_units
from matcher.results import FairnessPolicy, SolveStatus, Timings

SOLVER_FLOW = "ortools.min_cost_flow"
SOLVER_TRUCKS = "ortools.min_cost_flow+highs+cp_sat"
SOLVER_YIELD = "ortools.min_cost_flow+cp_sat"
"""A processor's yield other than one: its components are solved by CP-SAT
(:mod:`matcher.produce.yields`), the others by the min-cost flow."""
"""With trucks: HiGHS's root (through MathOpt) solves and bounds plain components, CP-SAT the
others (:mod:`matcher.produce.trucks`)."""
_RANK = [SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIME_LIMITED]


@dataclass
class Shipments:
    """Lanes with positive flow, accumulated over the tiers."""

    parts: list[Part] = field(default_factory=list)
    status: SolveStatus = SolveStatus.OPTIMAL
    notes: list[str] = field(default_factory=list)
    relaxed_lot: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    relaxed_order: I64 = field(default_factory=lambda: np.zeros(0, np.int64))
    below_min: set[int] = field(default_factory=set)
    truck_ms_used: int = 0
    tiers_left: int = 0
    shadow: ShadowBook = field(default_factory=lambda: ShadowBook(0))
    lanes: int = 0
    truck_best: float = 0.0
    truck_bound: float = 0.0

    def downgrade(self, status: SolveStatus, note: str) -> None:
        if _RANK.index(status) > _RANK.index(self.status):
            self.status = status
        if note not in self.notes:
            self.notes.append(note)


def solve_produce(
    problem: ProduceProblem,
    clock: Clock | None = None,
    *,
    checked: bool = False,
    layout: Layout | None = None,
    explain: bool = True,
    workers: int = WORKERS,
) -> ProduceResult:
    """Match surplus stock lots to purchase orders, most local network first.

    Args:
        problem: the round's coops, networks, products, lots, orders, processors, transport.
        clock: a monotonic nanosecond clock for the timings (none: timings are zero).
        checked: the caller vouches that ``problem`` passes :func:`check_problem` (it built
            the round itself, as the season simulator does): the input check is not run
            again. Input from files or the API must leave it false.
        layout: :func:`matcher.produce.state.layout_of` of the round's coops, networks and
            transport, for a caller that solves many rounds on the same ones; used only
            where it fits the round (:meth:`~matcher.produce.state.Layout.fits`).
        explain: build one explanation per lot and order (the default). False leaves
            ``explanations`` empty and everything else the same, for a caller that never
            reads them (the season simulator); such a result does not pass the validator's
            explanation check.
        workers: threads for building the lanes of large groups (1: serial); the result
            does not depend on it.

    Returns:
        The matches with agreed prices, one explanation per lot and order, the objective
        terms (gains from trade, transport, spoilage) and the status.

    Raises:
        InputError: when the problem breaks a rule; nothing is solved.

    >>> from datetime import date
    >>> from matcher.domain import Coop
    >>> from matcher.produce.model import (GradeBid, Product, PurchaseOrder, StockLot,
    ...     Transport)
    >>> d = date(2025, 8, 5)
    >>> p = ProduceProblem(d,
    ...     coops=(Coop("a", "ก", "A", lat_e5=1855230, lon_e5=9905934),
    ...            Coop("b", "ข", "B", lat_e5=1841906, lon_e5=9888671)), networks=(),
    ...     products=(Product("longan", "ลำไย", "longan", "kg", 5, ("AA", "A")),),
    ...     lots=(StockLot("l1", "a", "longan", "AA", 1000, 18_00, d, date(2025, 8, 8)),),
    ...     orders=(PurchaseOrder("o1", "b", "longan", (GradeBid("AA", 26_00),), 600, d),),
    ...     transport=Transport(cost_satang_per_unit_km=2))
    >>> r = solve_produce(p)
    >>> r.status.value, [(m.quantity, m.price_satang_per_unit, m.tier) for m in r.matches]
    ('optimal', [(600, 2230, 'national')])
    """
    # Matches and explanations are some 100,000 small objects in no reference cycle: the
    # cyclic collector would only walk the live heap over and over (see gc_pause).
    with cycle_collection_paused():
        return _solve(problem, clock, checked, layout, explain, workers)


def _solve(
    problem: ProduceProblem,
    clock: Clock | None,
    checked: bool,
    layout: Layout | None,
    explain: bool,
    workers: int,
) -> ProduceResult:
    """:func:`solve_produce` with the cyclic collector paused."""
    now = clock or (lambda: 0)
    t0 = now()
    tree = None if checked else check_problem(problem)
    if layout is None or not layout.fits(problem):
        layout = layout_of(problem.coops, problem.networks, problem.transport, tree)
    if eligible(problem):
        try:
            return _solve_small(problem, layout, now, t0, explain)
        except NeedsStages:
            pass  # a tier needs the staged solve of the array path
    st = build_state(problem, tree, layout)
    t1 = now()
    ship = Shipments(
        relaxed_lot=np.zeros(st.n_lots, np.int64),
        relaxed_order=np.zeros(st.n_orders, np.int64),
        shadow=ShadowBook(st.n_lots),
    )
    ship.tiers_left = len(st.levels)
    for level in st.levels:
        if has_trade(st, level):
            _solve_tier(problem, st, level, ship, workers)
        ship.tiers_left -= 1
    t2 = now()
    matches = build_matches(problem, st, ship.parts)
    explanations = (
        explain_orders(
            problem, st, matches, ship.relaxed_lot, ship.relaxed_order, ship.below_min, ship.shadow
        )
        if explain
        else ()
    )
    t3 = now()
    return ProduceResult(
        status=ship.status,
        policy=problem.policy,
        price_rule=problem.price_rule,
        matches=matches,
        explanations=explanations,
        objective=objective_of(problem, matches),
        solver=_solver_name(problem),
        timings=Timings((t1 - t0) // 1_000_000, (t2 - t1) // 1_000_000, (t3 - t0) // 1_000_000),
        notes=tuple(ship.notes),
        shadow_values=ship.shadow.values(st),
        lanes=ship.lanes,
        tiers=tier_stages_of(problem, matches),
        truck_gap_bps=_gap_bps(ship) if problem.trucks else None,
    )


def _solve_small(
    problem: ProduceProblem, layout: Layout, now: Clock, t0: int, explain: bool
) -> ProduceResult:
    """A small round on the plain-Python path (:mod:`matcher.produce.small`): the result
    the array path gives (no trucks, processors, shadow values or clearing prices)."""
    small = SmallRound(problem, layout)
    t1 = now()
    ship = Shipments()
    for level in layout.levels:
        if small.has_trade(level):
            _solve_small_tier(small, level, ship)
    t2 = now()
    matches = small.matches()
    explanations = (
        explain_lists(
            problem,
            small.reached(),
            matches,
            layout.in_network,
            full_procs=frozenset(),
            relaxed=None,
            below_min=ship.below_min,
        )
        if explain
        else ()
    )
    t3 = now()
    return ProduceResult(
        status=ship.status,
        policy=problem.policy,
        price_rule=problem.price_rule,
        matches=matches,
        explanations=explanations,
        objective=objective_of(problem, matches),
        solver=SOLVER_FLOW,
        timings=Timings((t1 - t0) // 1_000_000, (t2 - t1) // 1_000_000, (t3 - t0) // 1_000_000),
        notes=tuple(ship.notes),
        lanes=ship.lanes,
        tiers=tier_stages_of(problem, matches),
    )


def _solver_name(p: ProduceProblem) -> str:
    """The solvers the round's tiers may use."""
    if p.trucks:
        return SOLVER_TRUCKS
    if any(x.yield_bps != YIELD_ONE_BPS for x in p.processors):
        return SOLVER_YIELD
    return SOLVER_FLOW


def _gap_bps(ship: Shipments) -> int:
    """Proven relative gap of the truck tiers in basis points, rounded up."""
    gap = max(0.0, ship.truck_bound - ship.truck_best) / max(1.0, abs(ship.truck_best))
    return math.ceil(round(gap * 10_000, 6))


def _solve_tier(
    p: ProduceProblem, st: ProduceState, level: NetworkLevel, ship: Shipments, workers: int
) -> None:
    """Solve one tier, leaving out orders it would fill below their minimum lot."""
    exclude = np.zeros(0, np.int64)
    policy = FairnessPolicy.COVERAGE if p.trucks else p.policy
    while True:
        lanes = tier_lanes(st, level, p.transport, p.max_lanes_per_order, exclude, workers)
        limit_s = p.time_limit_ms / 1000 / max(len(st.levels), 1)
        out = solve_tier_units(st, lanes, policy, p.fairness_steps, limit_s)
        bad = _below_min(st, lanes, out.flow)
        if bad.size == 0:
            break
        exclude = np.union1d(exclude, bad)
        ship.below_min.update(int(b) for b in bad)
    _note_tier(ship, lanes.pruned, out.reduced, bool(exclude.size) and not p.trucks)
    if out.status is not SolveStatus.OPTIMAL:
        ship.downgrade(
            out.status,
            f"processor yields at {level.name.lower()}: CP-SAT {out.status.value} within the "
            "time limit (not every stage proven optimal)",
        )
    if policy is not FairnessPolicy.COVERAGE and lanes.size:
        _note_step(ship, p.fairness_steps)
    flow, trucks = out.flow, np.zeros(lanes.size, np.int64)
    ship.lanes += lanes.size
    _add_relaxed(st, lanes, flow, ship)
    if p.trucks and lanes.size:
        # This tier gets what is left of the limit, less 10 % of the limit kept for each
        # later tier (later tiers only see the leftovers, so they are small).
        left = p.time_limit_ms - ship.truck_ms_used
        budget_ms = max(left - p.time_limit_ms // 10 * (ship.tiers_left - 1), 50)
        flow, trucks = flow.copy(), trucks.copy()
        classes = truck_classes(p, st, lanes)
        for (capacity, cost), sel in classes:
            share = budget_ms * sel.size // max(1, sum(c[1].size for c in classes))
            res = solve_tier_trucks(
                st, lanes.take(sel), capacity, cost, flow[sel], max(share, 50) / 1000
            )
            ship.truck_ms_used += res.effort_ms
            ship.truck_best += res.best
            ship.truck_bound += res.bound
            flow[sel], trucks[sel] = res.flow, res.trucks
            if res.status is not SolveStatus.OPTIMAL:
                ship.downgrade(
                    res.status,
                    f"integer trucks at {level.name.lower()}: {res.status.value}, gains − "
                    f"trucks {res.best / 100:,.2f} baht, proven bound "
                    f"{res.bound / 100:,.2f} baht (gap {res.gap:.2%})",
                )
        if p.policy is not FairnessPolicy.COVERAGE:
            # The policy's fairness stage is not solved at all: not proven, so not optimal.
            ship.downgrade(
                SolveStatus.FEASIBLE,
                "with integer trucks the objective is gains from "
                "trade only (fairness policy not applied)",
            )
    duals = _tier_duals(p, st, level, lanes, ship)
    _apply(st, lanes, flow)
    used = flow > 0
    ship.parts.append(
        (
            lanes.take(used),
            flow[used],
            trucks[used],
            level,
            duals[used] if duals is not None else None,
        )
    )


def truck_classes(
    p: ProduceProblem, st: ProduceState, lanes: TierLanes
) -> list[tuple[tuple[int, int], I64]]:
    """The tier's lanes that travel in integer trucks, grouped by (capacity, cost per
    truck) of their product (:meth:`Transport.of`), in ascending order of the pair.

    A processor's input and output products share their truck terms (checked by
    :func:`matcher.produce.checks.check_problem`), so no group splits a processor's flow.
    """
    terms = [p.transport.of(x) for x in st.products]
    cap = np.array([t.truck_capacity_units for t in terms], np.int64)[st.s_prod[lanes.s]]
    cost = np.array([t.truck_cost_satang for t in terms], np.int64)[st.s_prod[lanes.s]]
    out = []
    for c, f in sorted(set(zip(cap.tolist(), cost.tolist(), strict=True))):
        if c > 0:
            out.append(((c, f), np.flatnonzero((cap == c) & (cost == f)).astype(np.int64)))
    return out


def _note_tier(ship: Shipments, pruned: bool, reduced: bool, excluded: bool) -> None:
    """What keeps a tier's flow from being proven optimal."""
    if pruned:
        ship.downgrade(SolveStatus.FEASIBLE, "candidate lanes were pruned to the best per order")
    if reduced:
        ship.downgrade(SolveStatus.FEASIBLE, "fairness resolution reduced to avoid overflow")
    if excluded:
        # Leaving an order out is a heuristic for the minimum lot: optimality is not proven.
        ship.downgrade(
            SolveStatus.FEASIBLE, "orders that could not reach their minimum lot were left out"
        )


def _note_step(ship: Shipments, steps: int) -> None:
    """What the fairness stage guarantees (docs/produce-guarantees.md): a note, not a
    downgrade, as the stage is solved exactly for the score it states."""
    note = (
        f"fairness in steps of 1/{steps} of each lot: the step score is exact; the smallest "
        "share sold is within one step of the max-min share"
    )
    if note not in ship.notes:
        ship.notes.append(note)


def _solve_small_tier(small: SmallRound, level: NetworkLevel, ship: Shipments) -> None:
    """A tier of a small round (:mod:`matcher.produce.small`, which keeps its shipments),
    noted as ``_solve_tier`` notes one without trucks, shadow values or clearing prices."""
    tier = small.solve_tier(level)
    ship.below_min.update(tier.excluded)
    _note_tier(ship, tier.pruned, tier.reduced, bool(tier.excluded))
    if small.steps and tier.lanes:
        _note_step(ship, small.steps)
    ship.lanes += tier.lanes


def _tier_duals(
    p: ProduceProblem,
    st: ProduceState,
    level: NetworkLevel,
    lanes: TierLanes,
    ship: Shipments,
) -> I64 | None:
    """Solve the tier's transport LP for shadow values (and clearing prices under that rule).

    Shadow values are the least optimal lot duals (:func:`marginal_duals`, exact); under
    the clearing rule GLOP's duals serve both, as the clearing prices have always used them.

    Returns, per lane, the buyer's dual price ``bid − v_d`` under the clearing rule, else None.
    """
    direct = (lanes.s < st.n_lots) & (lanes.d < st.n_orders)
    n_direct = int(direct.sum())
    clearing = p.price_rule is PriceRule.CLEARING
    if n_direct == 0:
        return None
    if p.shadow_max_lanes == 0 and not clearing:
        return None
    if n_direct > p.shadow_max_lanes and not clearing:
        ship.downgrade(
            ship.status,
            f"shadow values not computed at {level.name.lower()}: {n_direct:,} lanes "
            f"(more than {p.shadow_max_lanes:,})",
        )
        return None
    s, d, gain = lanes.s[direct], lanes.d[direct], lanes.gain[direct]
    both = None if clearing else marginal_duals(s, d, gain, st.lot_rem, st.order_rem)
    if both is None:
        both = transport_duals(s, d, gain, st.lot_rem, st.order_rem)
    if both is None:
        return None
    ship.shadow.add(st, level, lanes, both[0])
    if not clearing:
        return None
    bid = st.d_bid[lanes.d, st.s_grade[lanes.s]]
    v = both[1]
    out: I64 = np.where(direct, bid - v[np.where(direct, lanes.d, 0)], 0).astype(np.int64)
    return out


def _below_min(st: ProduceState, lanes: TierLanes, flow: I64) -> I64:
    """Orders the flow would leave strictly between 0 and their minimum lot (cumulative)."""
    to_order = lanes.d < st.n_orders
    got = np.bincount(lanes.d[to_order], weights=flow[to_order], minlength=st.n_orders)
    got = got.astype(np.int64)
    filled = st.order_qty - st.order_rem
    total = filled + got
    bad: I64 = np.flatnonzero((got > 0) & (total < st.order_min)).astype(np.int64)
    return bad


def _add_relaxed(st: ProduceState, lanes: TierLanes, flow: I64, ship: Shipments) -> None:
    lot = lanes.s < st.n_lots
    ship.relaxed_lot += np.bincount(lanes.s[lot], weights=flow[lot], minlength=st.n_lots).astype(
        np.int64
    )
    od = lanes.d < st.n_orders
    ship.relaxed_order += np.bincount(lanes.d[od], weights=flow[od], minlength=st.n_orders).astype(
        np.int64
    )


def _apply(st: ProduceState, lanes: TierLanes, flow: I64) -> None:
    """Subtract what the tier shipped from what is still open."""
    lot = lanes.s < st.n_lots
    st.lot_rem -= np.bincount(lanes.s[lot], weights=flow[lot], minlength=st.n_lots).astype(np.int64)
    od = lanes.d < st.n_orders
    st.order_rem -= np.bincount(lanes.d[od], weights=flow[od], minlength=st.n_orders).astype(
        np.int64
    )
    pin = ~od
    st.proc_rem -= np.bincount(
        lanes.d[pin] - st.n_orders, weights=flow[pin], minlength=st.n_procs
    ).astype(np.int64)
