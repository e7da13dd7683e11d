"""Per-season metrics and their aggregation over many seasons, per policy.

A season yields integer totals (satang, units, days); the aggregate gives means and
percentiles (P50, P95) over the runs. Fairness over collectors: the smallest fill ratio of
liquidity needs and the Gini coefficient of the fill ratios (both in basis points).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True, slots=True)
class SeasonMetrics:
    """What one season of one policy produced (all integers)."""

    policy: str
    run: int
    need_satang: int
    """Cash shortfall posted as liquidity needs (farmer payments + payables − cash)."""
    covered_satang: int
    """Of it: lent plus relieved by set-off."""
    loans_satang: int
    interest_satang: int
    setoff_cleared_satang: int
    arrived_units: int
    accepted_units: int
    turned_away_units: int
    sold_units: int
    spoiled_units: int
    held_units: int
    sales_satang: int
    paid_farmers_satang: int
    transport_satang: int
    retail_in_satang: int
    cash_start_satang: int
    cash_end_satang: int
    receivables_end_satang: int
    rounds: int
    min_fill_bps: int
    gini_fill_bps: int
    days_short: tuple[tuple[str, int], ...]
    """Per collector: days it could not pay every farmer delivery in full."""
    loans_by_tier: tuple[tuple[str, int], ...]
    sales_by_tier: tuple[tuple[str, int], ...]


SCALARS = tuple(
    f.name
    for f in fields(SeasonMetrics)
    if f.name not in ("policy", "run", "days_short", "loans_by_tier", "sales_by_tier")
)


def gini_bps(values: list[int]) -> int:
    """Gini coefficient of non-negative values, in basis points (0 = all equal).

    >>> gini_bps([5, 5, 5]), gini_bps([0, 0, 10])
    (0, 6667)
    """
    if not values or sum(values) == 0:
        return 0
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    g = (2.0 * np.sum(np.arange(1, n + 1) * x) / (n * x.sum())) - (n + 1) / n
    return round(float(g) * 10_000)


@dataclass(frozen=True)
class PolicySummary:
    """Aggregates of one policy over all runs."""

    policy: str
    runs: int
    mean: dict[str, float]
    p50: dict[str, float]
    p95: dict[str, float]
    days_short_p50: dict[str, float]
    days_short_p95: dict[str, float]
    loans_by_tier: dict[str, float]
    """Mean satang per season at each tier."""
    sales_by_tier: dict[str, float]

    @property
    def covered_bps(self) -> int:
        """Share of the liquidity need covered (ratio of means), in bps."""
        need = self.mean["need_satang"]
        return 10_000 if need == 0 else round(10_000 * self.mean["covered_satang"] / need)


def _tier_means(rows: list[tuple[tuple[str, int], ...]], runs: int) -> dict[str, float]:
    total: dict[str, int] = {}
    for row in rows:
        for tier, amount in row:
            total[tier] = total.get(tier, 0) + amount
    return {t: v / runs for t, v in sorted(total.items())}


def summarise(seasons: list[SeasonMetrics]) -> list[PolicySummary]:
    """Aggregate seasons per policy, policies in first-seen order."""
    order: list[str] = []
    by_policy: dict[str, list[SeasonMetrics]] = {}
    for s in seasons:
        if s.policy not in by_policy:
            order.append(s.policy)
            by_policy[s.policy] = []
        by_policy[s.policy].append(s)
    out = []
    for name in order:
        rows = sorted(by_policy[name], key=lambda s: s.run)
        mat = np.array([[getattr(s, k) for k in SCALARS] for s in rows], dtype=np.float64)
        short = np.array([[d for _, d in s.days_short] for s in rows], dtype=np.float64)
        coops = [c for c, _ in rows[0].days_short]
        out.append(
            PolicySummary(
                policy=name,
                runs=len(rows),
                mean=dict(zip(SCALARS, mat.mean(axis=0).tolist(), strict=True)),
                p50=dict(zip(SCALARS, np.percentile(mat, 50, axis=0).tolist(), strict=True)),
                p95=dict(zip(SCALARS, np.percentile(mat, 95, axis=0).tolist(), strict=True)),
                days_short_p50=_per_coop(coops, short, 50),
                days_short_p95=_per_coop(coops, short, 95),
                loans_by_tier=_tier_means([s.loans_by_tier for s in rows], len(rows)),
                sales_by_tier=_tier_means([s.sales_by_tier for s in rows], len(rows)),
            )
        )
    return out


def _per_coop(coops: list[str], short: np.ndarray, q: int) -> dict[str, float]:
    if not coops:
        return {}
    return dict(zip(coops, np.percentile(short, q, axis=0).tolist(), strict=True))
