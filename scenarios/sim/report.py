"""Tables of a Monte Carlo run as plain rows: policies side by side, and one row per season.

Money is shown in baht with 2 decimals (from integer satang means), shares in percent with
1 decimal. The CLI prints these rows with Rich and writes them as CSV and XLSX.
"""

from __future__ import annotations

from dataclasses import asdict

from scenarios.sim.metrics import PolicySummary, SeasonMetrics

Cell = str | int | float

SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("policy", "นโยบาย policy"),
    ("runs", "runs"),
    ("need_covered_pct", "ได้เงิน cover %"),
    ("need_baht", "ต้องการ need ฿"),
    ("loans_baht", "กู้ loans ฿"),
    ("interest_baht", "ดอกเบี้ย interest ฿"),
    ("setoff_baht", "หักกลบ set-off ฿"),
    ("sold_units", "ขาย sold"),
    ("spoiled_units", "เสีย spoiled"),
    ("turned_away_units", "รับไม่ได้ refused"),
    ("days_short_p50", "ขาดเงิน short P50"),
    ("days_short_p95", "short P95"),
    ("min_fill_pct", "ต่ำสุด min fill %"),
    ("gini_fill", "Gini"),
    ("loans_by_tier", "กู้ตามระดับ loans by tier"),
    ("sales_by_tier", "ขายตามระดับ sales by tier"),
)


def _baht(satang: float) -> float:
    return round(satang / 100, 2)


def _tiers(tiers: dict[str, float]) -> str:
    return "; ".join(f"{t} {v / 100:,.0f}" for t, v in tiers.items()) or "-"


def summary_rows(summaries: list[PolicySummary]) -> list[dict[str, Cell]]:
    """One row per policy (means over runs; days short: worst coop's P50 and P95)."""
    rows: list[dict[str, Cell]] = []
    for s in summaries:
        m = s.mean
        rows.append(
            {
                "policy": s.policy,
                "runs": s.runs,
                "need_covered_pct": round(s.covered_bps / 100, 1),
                "need_baht": _baht(m["need_satang"]),
                "loans_baht": _baht(m["loans_satang"]),
                "interest_baht": _baht(m["interest_satang"]),
                "setoff_baht": _baht(m["setoff_cleared_satang"]),
                "sold_units": round(m["sold_units"]),
                "spoiled_units": round(m["spoiled_units"]),
                "turned_away_units": round(m["turned_away_units"]),
                "days_short_p50": round(max(s.days_short_p50.values(), default=0.0), 1),
                "days_short_p95": round(max(s.days_short_p95.values(), default=0.0), 1),
                "min_fill_pct": round(m["min_fill_bps"] / 100, 1),
                "gini_fill": round(m["gini_fill_bps"] / 10_000, 3),
                "loans_by_tier": _tiers(s.loans_by_tier),
                "sales_by_tier": _tiers(s.sales_by_tier),
            }
        )
    return rows


def coop_rows(summaries: list[PolicySummary]) -> list[dict[str, Cell]]:
    """Days short per collector and policy (P50, P95 over runs)."""
    return [
        {
            "policy": s.policy,
            "coop": coop,
            "days_short_p50": round(p50, 1),
            "days_short_p95": round(s.days_short_p95[coop], 1),
        }
        for s in summaries
        for coop, p50 in s.days_short_p50.items()
    ]


def season_rows(seasons: list[SeasonMetrics]) -> list[dict[str, Cell]]:
    """One row per (policy, run) with every integer metric, tiers flattened."""
    rows: list[dict[str, Cell]] = []
    for s in seasons:
        row: dict[str, Cell] = {}
        for key, value in asdict(s).items():
            if key in ("days_short", "loans_by_tier", "sales_by_tier"):
                continue
            row[key] = value
        row["days_short_max"] = max((d for _, d in s.days_short), default=0)
        for tier, amount in s.loans_by_tier:
            row[f"loans_{tier}_satang"] = amount
        for tier, amount in s.sales_by_tier:
            row[f"sales_{tier}_satang"] = amount
        rows.append(row)
    return rows
