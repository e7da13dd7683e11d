"""``plan funding`` on a scenario: sample, solve, compare with simple rules, check out of sample.

1. Sample ``runs`` seasons of the funding policy with no joint fund
   (:mod:`scenarios.funding.sampling`) and turn the uncovered needs into the outstanding
   requirement over the policy's loan term.
2. Solve the plan (:func:`matcher.funding.plan.solve_funding`) and validate it.
3. Simple rules a coordinator would use, costed and scored on the same samples: the P95 over
   seasons of the peak daily shortfall, and last year's joint fund, each held as a joint
   fund.
4. Out of sample: ``check_runs`` fresh seeds (runs ``runs ..``) through the real simulator
   with a joint fund of the plan's total size (lines are modelled as fund capacity there),
   the share of days on which no urgent need was left uncovered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matcher.errors import FieldIssue
from matcher.funding.model import BPS, FundingPlan, FundingProblem, FundTerms, Source
from matcher.funding.plan import outstanding_requirement, solve_funding
from matcher.funding.validator import check_plan, plan_cost, served_share
from scenarios.funding.sampling import SampleCache, sample_seasons
from scenarios.sim.loader import Scenario
from scenarios.sim.montecarlo import Executor
from scenarios.sim.schema import FundingSpec, PolicySpec, SourceSpec

DEFAULT_SOURCES = (
    SourceSpec(
        id="fin-idle",
        name_th="เงินทุนเหลือของสหกรณ์ภาคการเงิน",
        name_en="Financial-network coops' idle funds",
        commitment_fee_bps=25,
        interest_bps=400,
    ),
    SourceSpec(
        id="fed-liquidity",
        name_th="เงินกู้สภาพคล่อง 12 เดือน ชุมนุมสหกรณ์ออมทรัพย์",
        name_en="Savings federation 12-month liquidity loans",
        commitment_fee_bps=50,
        interest_bps=550,
    ),
    SourceSpec(
        id="bank",
        name_th="วงเงินสำรองธนาคาร",
        name_en="Bank standby line",
        commitment_fee_bps=75,
        interest_bps=700,
    ),
)
"""Sources used when the scenario has no ``funding.sources`` (illustrative terms)."""
DEFAULT_RETURN_FORGONE_BPS = 300


class PlanInputError(ValueError):
    """The plan request breaks a rule; ``issues`` name each field."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(str(i) for i in issues))


@dataclass(frozen=True)
class RuleResult:
    """A simple sizing rule, held as a joint fund, scored on the samples."""

    name: str
    fund_satang: dict[str, int]
    cost_satang: int
    service_bps: dict[str, int]


@dataclass(frozen=True)
class FundingReport:
    """Everything ``plan funding`` shows."""

    scenario_id: str
    policy: str
    target_bps: int
    runs: int
    seed: int
    problem: FundingProblem
    plan: FundingPlan
    rules: tuple[RuleResult, ...]
    out_of_sample_bps: dict[str, int]
    out_of_sample_runs: int
    sources: tuple[Source, ...]
    sampling_s: float
    checking_s: float


def funding_spec(scenario: Scenario) -> FundingSpec:
    """The scenario's funding section, or the defaults."""
    return scenario.spec.funding or FundingSpec()


def funding_policy(scenario: Scenario) -> PolicySpec:
    """The sampled policy with its joint fund removed (the plan sizes it)."""
    spec = funding_spec(scenario)
    name = spec.policy or scenario.spec.policies[0].name
    policy = next(p for p in scenario.spec.policies if p.name == name)
    return policy.model_copy(update={"joint_fund_baht": 0, "name": f"{name}-no-fund"})


def check_request(
    scenario: Scenario, target_bps: int, sources: list[str], networks: list[str]
) -> None:
    """Raise :class:`PlanInputError` for a bad target, unknown names, no uncertainty."""
    issues = []
    if not 0 < target_bps <= BPS:
        issues.append(FieldIssue("target", "ต้องอยู่ในช่วง (0, 1] / must be in (0, 1]"))
    known = {s.id for s in _source_specs(scenario)}
    for i, sid in enumerate(sources):
        if sid not in known:
            issues.append(FieldIssue(f"source[{i}]", f"ไม่รู้จักแหล่งเงิน / unknown source {sid!r}"))
    nets = {n.id for n in scenario.spec.networks}
    for i, nid in enumerate(networks):
        if nid not in nets:
            issues.append(FieldIssue(f"network[{i}]", f"ไม่รู้จักเครือข่าย / unknown network {nid!r}"))
    season = scenario.spec.season
    if season.price_volatility_bps == 0 and season.harvest_noise_bps == 0:
        issues.append(
            FieldIssue(
                "season.price_volatility_bps",
                "ฉากทัศน์ไม่มีความไม่แน่นอน ทุกฤดูเหมือนกัน / the scenario has no uncertainty "
                "(price_volatility_bps and harvest_noise_bps are 0): every season is the same",
            )
        )
    if issues:
        raise PlanInputError(issues)


def _source_specs(scenario: Scenario) -> tuple[SourceSpec, ...]:
    return funding_spec(scenario).sources or DEFAULT_SOURCES


def build_sources(scenario: Scenario, only: list[str]) -> tuple[Source, ...]:
    """The matcher's sources from the scenario (or the defaults), ``only`` if given."""
    return tuple(
        Source(
            s.id,
            s.name_th,
            s.name_en,
            s.commitment_fee_bps,
            s.interest_bps,
            s.limit_baht,
            s.networks,
        )
        for s in _source_specs(scenario)
        if not only or s.id in only
    )


def _funds(scenario: Scenario, networks: tuple[str, ...]) -> tuple[FundTerms, ...]:
    given = {f.network: f for f in funding_spec(scenario).funds}
    return tuple(
        FundTerms(n, given[n].return_forgone_bps, given[n].limit_baht)
        if n in given
        else FundTerms(n, DEFAULT_RETURN_FORGONE_BPS)
        for n in networks
    )


def plan_funding(
    scenario: Scenario,
    target_bps: int,
    runs: int,
    seed: int,
    *,
    check_runs: int | None = None,
    sources: list[str] | None = None,
    networks: list[str] | None = None,
    executor: Executor = Executor.PROCESS,
    workers: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    dask_address: str | None = None,
    cache: SampleCache | None = None,
) -> FundingReport:
    """Sample, plan, compare and check out of sample (see the module docstring).

    ``progress(phase, done, total)`` is told after each chunk of seasons, in the phases
    ``"sample"`` and ``"check"``. With ``cache``, the in-sample seasons of an earlier plan
    on the same scenario, policy, runs and seed are taken from it (the same arrays a fresh
    sampling gives); the out-of-sample check depends on the plan and always runs.

    Raises:
        PlanInputError: a bad target, source, network, or a scenario without uncertainty.
    """
    sources, networks = list(sources or []), list(networks or [])
    check_request(scenario, target_bps, sources, networks)
    policy = funding_policy(scenario)
    started = time.perf_counter()
    key = SampleCache.key(scenario, policy, runs, seed) if cache is not None else ""
    samples = cache.get(key) if cache is not None else None
    if samples is None:
        samples = sample_seasons(
            scenario,
            policy,
            runs,
            seed,
            executor,
            workers,
            _phase(progress, "sample", runs),
            dask_address=dask_address,
        )
        if cache is not None:
            cache.put(key, samples)
    elif progress is not None:
        progress("sample", runs, runs)
    sampling_s = time.perf_counter() - started
    keep = [j for j, n in enumerate(samples.networks) if not networks or n in networks]
    nets = tuple(samples.networks[j] for j in keep)
    if not nets:
        raise PlanInputError(
            [FieldIssue("network", "ไม่มีสหกรณ์รวบรวมผลผลิต / no collecting coop in these networks")]
        )
    requirement = outstanding_requirement(samples.uncovered[:, :, keep], policy.loan_term_days)
    built = build_sources(scenario, sources)
    problem = FundingProblem(nets, requirement, target_bps, _funds(scenario, nets), built)
    plan = solve_funding(problem)
    wrong = check_plan(problem, plan) if plan.status.value == "optimal" else []
    assert not wrong, f"the funding plan failed its validation: {wrong}"
    rules = simple_rules(scenario, problem, samples.uncovered[:, :, keep])
    started = time.perf_counter()
    oos_runs = check_runs if check_runs is not None else min(runs, 200)
    oos = out_of_sample(
        scenario,
        policy,
        plan,
        nets,
        oos_runs,
        seed,
        first_run=runs,
        executor=executor,
        workers=workers,
        progress=_phase(progress, "check", oos_runs),
        dask_address=dask_address,
    )
    return FundingReport(
        scenario_id=scenario.spec.id,
        policy=policy.name,
        target_bps=target_bps,
        runs=runs,
        seed=seed,
        problem=problem,
        plan=plan,
        rules=rules,
        out_of_sample_bps=oos,
        out_of_sample_runs=oos_runs,
        sources=built,
        sampling_s=sampling_s,
        checking_s=time.perf_counter() - started,
    )


def _phase(
    progress: Callable[[str, int, int], None] | None, phase: str, total: int
) -> Callable[[int], None] | None:
    if progress is None:
        return None
    done = [0]

    def tell(n: int) -> None:
        done[0] += n
        progress(phase, done[0], total)

    return tell


def simple_rules(
    scenario: Scenario, problem: FundingProblem, uncovered: np.ndarray
) -> tuple[RuleResult, ...]:
    """No buffer; the P95 of each season's peak daily shortfall; last year's fund (split
    evenly over the planning networks); each held as a joint fund, scored on the samples."""
    peak = uncovered.max(axis=1)  # season × network
    p95 = {
        n: 100 * -(-int(np.ceil(np.percentile(peak[:, j], 95))) // 100)
        for j, n in enumerate(problem.networks)
    }
    spec = funding_spec(scenario)
    last = spec.last_year_fund_baht
    if last is None:
        last = max(p.joint_fund_baht for p in scenario.spec.policies)
    share = last // len(problem.networks)
    out = []
    rules = (
        ("no-buffer", dict.fromkeys(problem.networks, 0)),
        ("p95-peak-daily", p95),
        ("last-year", dict.fromkeys(problem.networks, share)),
    )
    for name, fund in rules:
        out.append(
            RuleResult(
                name, fund, round(plan_cost(problem, fund, {})), served_share(problem, fund, {})
            )
        )
    return tuple(out)


def out_of_sample(
    scenario: Scenario,
    policy: PolicySpec,
    plan: FundingPlan,
    networks: tuple[str, ...],
    runs: int,
    seed: int,
    *,
    first_run: int,
    executor: Executor = Executor.PROCESS,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    dask_address: str | None = None,
) -> dict[str, int]:
    """Share of days (bps) with no uncovered urgent need in fresh seasons simulated with a
    joint fund of the plan's total size."""
    if runs == 0:
        return {}
    total = sum(plan.capacity_satang(n) for n in networks)
    funded = policy.model_copy(update={"joint_fund_baht": total, "name": "planned"})
    fresh = sample_seasons(
        scenario,
        funded,
        runs,
        seed,
        executor,
        workers,
        progress,
        first_run=first_run,
        dask_address=dask_address,
    )
    out = {}
    for n in networks:
        j = fresh.networks.index(n)
        served = np.count_nonzero(fresh.uncovered[:, :, j] == 0)
        out[n] = int(served * BPS // fresh.uncovered[:, :, j].size)
    return out
