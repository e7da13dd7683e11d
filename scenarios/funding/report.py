"""Funding plans and stress results as JSON (sorted keys: the same input, the same bytes)."""

from __future__ import annotations

import json
from typing import Any

from matcher.stress.model import StressResult
from scenarios.funding.run import FundingReport


def funding_dict(report: FundingReport) -> dict[str, Any]:
    """The plan, the rules and the checks as plain data (money in satang)."""
    plan = report.plan
    return {
        "scenario": report.scenario_id,
        "policy": report.policy,
        "target_bps": report.target_bps,
        "runs": report.runs,
        "seed": report.seed,
        "status": plan.status.value,
        "fund_satang": plan.fund_satang,
        "lines_satang": [
            {"source": k, "network": n, "amount_satang": v}
            for (k, n), v in sorted(plan.lines_satang.items())
        ],
        "cost_satang": plan.cost_satang,
        "service_in_sample_bps": plan.service_bps,
        "service_out_of_sample_bps": report.out_of_sample_bps,
        "out_of_sample_runs": report.out_of_sample_runs,
        "marginal_cost_per_baht_of_buffer": {k: round(v, 9) for k, v in plan.capacity_dual.items()},
        "sources": [
            {
                "source": v.source,
                "committed_satang": v.committed_satang,
                "limit_dual_per_baht": round(v.limit_dual, 9),
                "reduced_cost_per_baht": {k: round(x, 9) for k, x in v.reduced_cost.items()},
            }
            for v in plan.source_values
        ],
        "rules": [
            {
                "rule": r.name,
                "fund_satang": r.fund_satang,
                "cost_satang": r.cost_satang,
                "service_in_sample_bps": r.service_bps,
            }
            for r in report.rules
        ],
        "model": {
            "variables": plan.variables,
            "constraints": plan.constraints,
            "cut_rounds": plan.cut_rounds,
            "served_points": plan.points,
        },
    }


def funding_json(report: FundingReport) -> str:
    """:func:`funding_dict` as JSON (timings left out so reruns are byte-identical)."""
    return json.dumps(funding_dict(report), sort_keys=True, ensure_ascii=False, indent=2)


def stress_dict(result: StressResult, shocks: list[str]) -> dict[str, Any]:
    """A stress result as plain data (money in satang)."""
    return {
        "shocked": shocks,
        "rounds": result.rounds,
        "debtrank": round(result.debtrank, 9),
        "importance": {k: round(v, 9) for k, v in sorted(result.importance.items())},
        "reserve_broken": [o.coop_id for o in result.outcomes if o.reserve_broken],
        "coops": [
            {
                "coop": o.coop_id,
                "owes_satang": o.owes_satang,
                "pays_satang": o.pays_satang,
                "owed_satang": o.owed_satang,
                "loss_satang": o.loss_satang,
                "liquid_satang": o.liquid_satang,
                "reserve_satang": o.reserve_satang,
                "reserve_broken": o.reserve_broken,
                "liquid_short": o.liquid_short,
                "default_round": o.default_round,
                "largest_borrower": o.largest_borrower,
                "largest_exposure_bps": o.largest_exposure_bps,
            }
            for o in result.outcomes
        ],
    }


def stress_json(result: StressResult, shocks: list[str]) -> str:
    """:func:`stress_dict` as JSON."""
    return json.dumps(stress_dict(result, shocks), sort_keys=True, ensure_ascii=False, indent=2)
