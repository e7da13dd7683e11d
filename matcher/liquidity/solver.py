"""The liquidity matcher: a tier-by-tier cascade of min-cost flows, exact where needed.

For each level of the network tree, most local first (area → province → region →
national), every network of that level is solved as one component of a single min-cost flow
(:mod:`matcher.liquidity.flow`) over its members' still-open orders. Only what a tier leaves
open moves up, so each loan records the tier where it was made. Components where the flow
breaks an integer rule (minimum useful amount, lenders per need) are re-solved exactly with
CP-SAT (:mod:`matcher.liquidity.exact`) when small; larger ones are repaired (breaking needs
dropped or cut to their largest loans) and the flow solved again on what remains, or, above
``FULL_RESOLVE_PAIRS``, only the funds the repair freed are lent again (a residual flow).

Priorities inside a tier, each an exact stage that no later one can trade away
(:mod:`matcher.liquidity.lexflow`): (a) urgency-weighted amount covered, (b) the fairness
policy's band score, (c) the rate-rank cost (cheapest offers first, the joint fund last);
the exact integer solve then takes the fewest loans; the canonical order of ids settles the
rest (inputs are sorted, so the answer never depends on input order).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from matcher.domain import NetworkLevel
from matcher.gc_pause import cycle_collection_paused
from matcher.liquidity.checks import check_problem
from matcher.liquidity.exact import repair, solve_component_exact, violations
from matcher.liquidity.explain import explain
from matcher.liquidity.flow import fairness_score, rate_ranks, solve_level_flow
from matcher.liquidity.levels import LevelPairs, level_pairs
from matcher.liquidity.model import (
    Clock,
    LiquidityObjective,
    LiquidityProblem,
    LiquidityResult,
    LoanProposal,
    TierStages,
)
from matcher.liquidity.parallel import warm_up
from matcher.liquidity.records import build_many
from matcher.liquidity.state import (
    I64,
    LiquidityState,
    build_state,
    interest_satang_many,
    unique_indices,
)
from matcher.money import BPS_PER_UNIT, ratio_bps
from matcher.results import FairnessPolicy, SolveStatus, Timings

SOLVER_NAME = "ortools.min_cost_flow+cp_sat"
EXACT_PAIR_LIMIT = 300
"""When the components that break an integer rule hold at most this many pairs in all, they
are re-solved exactly (CP-SAT); otherwise the pair set is shrunk and the flow re-solved."""
REPAIR_ROUNDS = 3
"""Residual rounds (repair, then lend the freed funds again) in very large networks."""
FULL_RESOLVE_PAIRS = 20_000
"""Up to this many pairs in the components that break an integer rule, the repaired level is
solved again in full; above it only the funds that the repair freed are lent again."""
WARM_UP_ORDERS = 5_000
"""Orders from which a round is large enough to spread its flows over worker processes
(:mod:`matcher.liquidity.parallel`); they are started before the problem is built."""


@dataclass(frozen=True)
class _Loans:
    """The loans made at one level, as arrays (offer, need, amount, rate, network index)."""

    offers: I64
    needs: I64
    amounts: I64
    rates: I64
    level: NetworkLevel
    networks: I64


@dataclass
class _Run:
    """Book-keeping of one solve."""

    status: SolveStatus = SolveStatus.OPTIMAL
    notes: list[str] = field(default_factory=list)
    loans: list[_Loans] = field(default_factory=list)
    stages: list[TierStages] = field(default_factory=list)

    def downgrade(self, status: SolveStatus, note: str) -> None:
        order = [SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.TIME_LIMITED]
        if order.index(status) > order.index(self.status):
            self.status = status
        if note not in self.notes:
            self.notes.append(note)


def solve_liquidity(
    problem: LiquidityProblem, clock: Clock | None = None, *, explain: bool = True
) -> LiquidityResult:
    """Match idle funds to needs under the network's rules.

    Args:
        problem: the round's coops, networks, offers, needs, rules and policy.
        clock: a monotonic nanosecond clock for the timings (none: timings are zero).
        explain: build one explanation per order (the default). False leaves
            ``explanations`` empty and everything else the same, for a caller that never
            reads them (the season simulator); such a result does not pass the validator's
            explanation check.

    Returns:
        The proposals, one explanation per order, the objective terms and the status.

    Raises:
        InputError: when the problem breaks a rule; nothing is solved.

    >>> from matcher.domain import Coop, Network, NetworkLevel
    >>> from matcher.liquidity.model import LoanOffer, LoanNeed
    >>> net = Network("lp", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE, members=("a", "b"))
    >>> p = LiquidityProblem(
    ...     coops=(Coop("a", "ก", "A"), Coop("b", "ข", "B")), networks=(net,),
    ...     offers=(LoanOffer("o1", "a", 100_000_00, 300, 90),),
    ...     needs=(LoanNeed("n1", "b", 60_000_00, 500, 45),))
    >>> r = solve_liquidity(p)
    >>> r.status.value, [(x.amount_satang, x.rate_bps, x.tier) for x in r.proposals]
    ('optimal', [(6000000, 400, 'province')])
    """
    with cycle_collection_paused():
        return _solve(problem, clock, explain)


def _solve(problem: LiquidityProblem, clock: Clock | None, explained: bool) -> LiquidityResult:
    start = clock() if clock else 0
    if len(problem.offers) + len(problem.needs) >= WARM_UP_ORDERS:
        warm_up()  # the worker processes start while the problem is checked and built
    tree = check_problem(problem)
    state = build_state(problem, tree)
    built = clock() if clock else 0
    posted = {
        state.net_index[n.id]: n.posted_rate_bps
        for n in tree.networks.values()
        if n.posted_rate_bps is not None
    }
    run = _Run()
    budget_s = problem.time_limit_ms / 1000
    for level in tree.levels():
        pairs = level_pairs(state, level, problem.rate_rule, posted, problem.max_pairs_per_network)
        if pairs.pruned_components:
            run.downgrade(SolveStatus.FEASIBLE, "candidate pairs pruned in large networks")
        if pairs.pair_off.size:
            flow = _solve_level(state, pairs, problem, run, budget_s)
            _apply(state, pairs, flow, run, problem)
    done = clock() if clock else 0
    return _result(
        problem,
        state,
        run,
        Timings(
            build_ms=(built - start) // 1_000_000,
            solve_ms=(done - built) // 1_000_000,
            total_ms=(done - start) // 1_000_000,
        ),
        explained,
    )


def _solve_level(
    state: LiquidityState,
    pairs: LevelPairs,
    problem: LiquidityProblem,
    run: _Run,
    budget_s: float,
) -> I64:
    flow = solve_level_flow(state, pairs, problem.policy, problem.fairness_steps)
    bad = violations(state, pairs.pair_need, flow)
    if bad.size == 0:
        return flow
    # The pairs of every component where a need breaks a rule.
    breaking = np.zeros(len(state.net_index), dtype=np.bool_)
    breaking[state.coop_net_at[pairs.level][state.need_borrower[bad]]] = True
    sel = np.flatnonzero(breaking[pairs.pair_comp])
    if sel.size <= EXACT_PAIR_LIMIT:
        # Small components are solved exactly and together: they are disjoint, so the
        # lexicographic stages over their union reach each component's own optimum.
        exact = solve_component_exact(
            state,
            pairs.pair_off[sel],
            pairs.pair_need[sel],
            rate_ranks(state, pairs),
            flow[sel],
            problem.policy,
            problem.fairness_steps,
            budget_s,
        )
        flow[sel] = exact.pair_flow
        if exact.status is SolveStatus.TIME_LIMITED:
            run.downgrade(exact.status, "time limit reached in an exact (integer) solve")
        elif exact.status is not SolveStatus.OPTIMAL:
            run.downgrade(exact.status, "rate ranks scaled down in an exact (integer) solve")
        return flow
    sub = _subset(pairs, sel)
    if sel.size <= FULL_RESOLVE_PAIRS:
        flow[sel] = _resolve_without_breaches(state, sub, flow[sel], problem)
    else:
        flow[sel] = _lend_freed_funds(state, sub, flow[sel], problem)
    run.downgrade(SolveStatus.FEASIBLE, "integer rules enforced by re-solving in large networks")
    return flow


def _subset(pairs: LevelPairs, sel: I64) -> LevelPairs:
    return LevelPairs(
        pairs.level,
        pairs.pair_off[sel],
        pairs.pair_need[sel],
        pairs.pair_comp[sel],
        pairs.pair_rate[sel],
        (),
    )


def _resolve_without_breaches(
    state: LiquidityState, pairs: LevelPairs, flow: I64, problem: LiquidityProblem
) -> I64:
    """Enforce the integer rules by shrinking the pair set and solving the flow again.

    A need below its minimum leaves the round at this tier; a need over its lender count
    keeps only its largest loans' lenders. The flow is solved again on what remains and a
    final repair drops anything still in breach, so the answer is always valid.
    """
    keep = np.ones(pairs.pair_off.size, dtype=np.bool_)
    bad = violations(state, pairs.pair_need, flow)
    if bad.size:
        fixed = repair(state, pairs.pair_off, pairs.pair_need, flow)
        keep &= ~np.isin(pairs.pair_need, bad) | (fixed > 0)
        sub = np.flatnonzero(keep)
        flow = np.zeros_like(flow)
        flow[sub] = solve_level_flow(
            state, _subset(pairs, sub), problem.policy, problem.fairness_steps
        )
    return repair(state, pairs.pair_off, pairs.pair_need, flow)


def _lend_freed_funds(
    state: LiquidityState, pairs: LevelPairs, flow: I64, problem: LiquidityProblem
) -> I64:
    """Enforce the integer rules in a large component, then lend again what that freed.

    A need below its minimum leaves the round at this tier; a need over its lender count
    keeps only its largest loans. The funds this frees are offered again in a residual flow
    (kept loans stay; needs continue from their current fill, so fairness goes on where it
    stopped), and a final repair drops anything still in breach, so the answer is valid.
    Only pairs next to what was freed can gain: before the cut the flow was maximal.
    """
    fixed = repair(state, pairs.pair_off, pairs.pair_need, flow)
    for _ in range(REPAIR_ROUNDS):
        sub = _freed_pairs(state, pairs, flow, fixed)
        if sub.size == 0:
            break
        residual = _residual_state(state, pairs, fixed)
        extra = solve_level_flow(
            residual, _subset(pairs, sub), problem.policy, problem.fairness_steps
        )
        flow = fixed.copy()
        flow[sub] += extra
        fixed = repair(state, pairs.pair_off, pairs.pair_need, flow)
    return fixed


def _freed_pairs(state: LiquidityState, pairs: LevelPairs, before: I64, after: I64) -> I64:
    """Pairs that may take funds freed by a repair (``before`` → ``after``)."""
    po, pn = pairs.pair_off, pairs.pair_need
    cut = before > after
    lenders = np.zeros(len(state.coop_ids), dtype=np.bool_)
    lenders[state.off_lender[po[cut]]] = True
    borrowers = np.zeros(len(state.coop_ids), dtype=np.bool_)
    borrowers[state.need_borrower[pn[cut]]] = True
    lent = np.flatnonzero(after)
    fill = np.zeros(len(state.need_ids), dtype=np.int64)
    np.add.at(fill, pn[lent], after[lent])
    count = np.zeros(len(state.need_ids), dtype=np.int64)
    np.add.at(count, pn[lent], 1)
    # Only pairs next to a cut can gain; the other tests run on those alone.
    near = np.flatnonzero(lenders[state.off_lender[po]] | borrowers[state.need_borrower[pn]])
    po, pn, kept = po[near], pn[near], after[near] > 0
    b = state.need_borrower[pn]
    dropped = (fill[pn] == 0) & (state.need_filled[pn] == 0) & (state.need_min[pn] > 0)
    more_lenders = (state.need_lenders + count)[pn] < state.max_lenders[b]
    room = (state.off_rem[po] > 0) & (state.need_rem()[pn] > fill[pn]) & (more_lenders | kept)
    out: I64 = near[room & ~dropped].astype(np.int64)
    return out


def _residual_state(state: LiquidityState, pairs: LevelPairs, flow: I64) -> LiquidityState:
    """A copy of ``state`` as if ``flow`` had been lent (the original is left unchanged)."""
    out = copy.copy(state)
    out.off_rem = state.off_rem.copy()
    out.need_filled = state.need_filled.copy()
    out.need_lenders = state.need_lenders.copy()
    out.lend_rem = state.lend_rem.copy()
    out.borrow_rem = state.borrow_rem.copy()
    out.exposure = state.exposure.copy()
    lent = flow > 0
    out.lend_many(pairs.pair_off[lent], pairs.pair_need[lent], flow[lent])
    return out


def _apply(
    state: LiquidityState, pairs: LevelPairs, flow: I64, run: _Run, problem: LiquidityProblem
) -> None:
    """Record the level's loans and its stage values, and shrink what stays open."""
    lent = np.flatnonzero(flow > 0)
    if lent.size == 0:
        return
    po, pn, x = pairs.pair_off[lent], pairs.pair_need[lent], flow[lent]
    needs = unique_indices(pn, len(state.need_ids))
    lent_to = np.zeros(len(state.need_ids), dtype=np.int64)
    np.add.at(lent_to, pn, x)  # integers: bincount's weights would be floats
    added = lent_to[needs]
    fair = fairness_score(
        state.need_amount[needs],
        state.need_min[needs],
        state.need_filled[needs],
        added,
        problem.policy,
        problem.fairness_steps,
    )
    run.stages.append(
        TierStages(
            pairs.level.name.lower(),
            int((state.need_urgency[pn] * x).sum()),
            fair,
            int((rate_ranks(state, pairs)[po] * x).sum()),
        )
    )
    state.lend_many(po, pn, x)
    run.loans.append(_Loans(po, pn, x, pairs.pair_rate[lent], pairs.level, pairs.pair_comp[lent]))


def _sorted_loans(state: LiquidityState, run: _Run) -> tuple[list[str], list[I64]]:
    """Tier names and the loan columns (offer, need, amount, rate, network, tier index),
    sorted by (need id, offer id, tier)."""
    names = [g.level.name.lower() for g in run.loans]
    cols = [
        np.concatenate([getattr(g, f) for g in run.loans])
        for f in ("offers", "needs", "amounts", "rates", "networks")
    ]
    cols.append(np.repeat(np.arange(len(names)), [g.offers.size for g in run.loans]))
    po, pn, tier = cols[0], cols[1], cols[5]
    # Needs are indexed in id order; offers too, except the joint fund (last): rank by id.
    used = unique_indices(po, len(state.offer_ids)).tolist()
    offer_rank = np.zeros(len(state.offer_ids), dtype=np.int64)
    offer_rank[sorted(used, key=state.offer_ids.__getitem__)] = np.arange(len(used))
    tier_rank = np.array([sorted(names).index(t) for t in names], dtype=np.int64)
    order = np.lexsort((tier_rank[tier], offer_rank[po], pn))
    return names, [c[order] for c in cols]


def _proposals(state: LiquidityState, run: _Run) -> tuple[list[LoanProposal], int]:
    """All loans as proposals, sorted by (need id, offer id, tier), and their total interest."""
    if not run.loans:
        return [], 0
    names, (po, pn, x, rate, comp, tier) = _sorted_loans(state, run)
    term = state.need_term[pn]
    interest = interest_satang_many(x, rate, term)
    # Ids are looked up for all loans at once through object arrays.
    net_ids = np.array(sorted(state.net_index, key=state.net_index.__getitem__), dtype=object)
    offer_ids = np.array(state.offer_ids, dtype=object)
    need_ids = np.array(state.need_ids, dtype=object)
    coop_ids = np.array(state.coop_ids, dtype=object)
    proposals = build_many(
        LoanProposal,
        offer_ids[po].tolist(),
        need_ids[pn].tolist(),
        coop_ids[state.off_lender[po]].tolist(),
        coop_ids[state.need_borrower[pn]].tolist(),
        x.tolist(),
        rate.tolist(),
        term.tolist(),
        np.array(names, dtype=object)[tier].tolist(),
        net_ids[comp].tolist(),
        interest,
    )
    return proposals, sum(interest)


def _result(
    problem: LiquidityProblem,
    state: LiquidityState,
    run: _Run,
    timings: Timings,
    explained: bool = True,
) -> LiquidityResult:
    proposals, interest = _proposals(state, run)
    partly = bool(((state.need_filled > 0) & (state.need_filled < state.need_amount)).any())
    if partly and problem.policy is not FairnessPolicy.COVERAGE and problem.fairness_steps > 1:
        # The fairness stage is exact for its band score; shares move in steps of 1/K.
        run.notes.append(f"fairness shared in steps of 1/{problem.fairness_steps} of each need")
    return LiquidityResult(
        status=run.status,
        policy=problem.policy,
        rate_rule=problem.rate_rule,
        proposals=tuple(proposals),
        explanations=explain(problem, state) if explained else (),
        objective=_objective(state, interest, len(proposals)),
        solver=SOLVER_NAME,
        timings=timings,
        notes=tuple(run.notes),
        tiers=tuple(run.stages),
    )


def _objective(state: LiquidityState, interest: int, loans: int) -> LiquidityObjective:
    """:func:`objective_of` from the final state (every loan is in ``need_filled``)."""
    filled, amount = state.need_filled, state.need_amount
    if filled.size and int(filled.max()) < 2**63 // (2 * BPS_PER_UNIT):
        # ratio_bps half-even, vectorised: q = ⌊f·10⁴ / a⌋, up when 2r > a or (2r = a, q odd).
        q, rem = np.divmod(filled * BPS_PER_UNIT, amount)
        up = (2 * rem > amount) | ((2 * rem == amount) & (q % 2 == 1))
        min_ratio = int((q + up).min())
    else:
        pairs = zip(filled.tolist(), amount.tolist(), strict=True)
        min_ratio = min((ratio_bps(f, a) for f, a in pairs), default=BPS_PER_UNIT)
    return LiquidityObjective(
        urgency_weighted_satang=int((state.need_urgency * filled).sum()),
        covered_satang=int(filled.sum()),
        needed_satang=int(amount.sum()),
        min_fill_ratio_bps=min_ratio,
        interest_satang=interest,
        loan_count=loans,
    )


def objective_of(problem: LiquidityProblem, proposals: list[LoanProposal]) -> LiquidityObjective:
    """The objective terms of a set of proposals (shared with the greedy baseline)."""
    filled: dict[str, int] = {}
    for p in proposals:
        filled[p.need_id] = filled.get(p.need_id, 0) + p.amount_satang
    ratios = [ratio_bps(filled.get(n.id, 0), n.amount_satang) for n in problem.needs]
    return LiquidityObjective(
        urgency_weighted_satang=sum(n.urgency * filled.get(n.id, 0) for n in problem.needs),
        covered_satang=sum(filled.values()),
        needed_satang=sum(n.amount_satang for n in problem.needs),
        min_fill_ratio_bps=min(ratios, default=10_000),
        interest_satang=sum(p.interest_satang for p in proposals),
        loan_count=len(proposals),
    )
