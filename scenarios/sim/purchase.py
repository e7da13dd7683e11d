"""Joint purchasing over a season: the members of a group buy an input together each week.

For every ``joint_purchases`` entry of a scenario (the fuel-station network's diesel, the
egg cluster's layer feed), week w (business date = season start + 7·w) has one need per
member of the buying group: ``weekly_units`` × a log-normal factor (σ = noise), rounded to
a whole unit, highest price ``max_price_baht``, delivered to the member's district point,
due a week later. The suppliers' standing offers are the same every week. Each week is
solved by :func:`matcher.purchase.solver.solve_purchase`; the season totals put the saving
of buying together beside the buy-alone baseline. The draws come from the seed alone, so a
season is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from matcher.purchase.model import PurchaseNeed, PurchaseProblem, SharingRule, SupplierOffer
from matcher.purchase.solver import solve_purchase
from matcher.purchase.validator import validate
from scenarios.sim.loader import District, Scenario
from scenarios.sim.purchase_offers import offers_of
from scenarios.sim.schema import JointPurchaseSpec

WEEK_DAYS = 7


@dataclass(frozen=True, slots=True)
class PurchaseSeason:
    """Season totals of one joint purchase (satang and base units)."""

    product_id: str
    weeks: int
    needs: int
    served: int
    units_needed: int
    units_served: int
    saving_satang: int
    alone_saving_satang: int
    goods_satang: int
    delivery_satang: int


def week_problem(
    scenario: Scenario,
    jp: JointPurchaseSpec,
    offers: tuple[SupplierOffer, ...],
    week: int,
    rng: np.random.Generator,
) -> PurchaseProblem:
    """Week ``week``'s round: one need per member of the buying group."""
    day = scenario.spec.season.start + timedelta(days=WEEK_DAYS * week)
    members = [
        c for c, g in zip(scenario.coops, scenario.group_of, strict=True) if g.id == jp.buyers
    ]
    sigma = jp.weekly_noise_bps / 10_000
    factors = rng.lognormal(-sigma * sigma / 2, sigma, len(members))
    needs = tuple(
        PurchaseNeed(
            f"{c.id}-{jp.product_id}-w{week:02d}",
            c.id,
            jp.product_id,
            max(1, round(jp.weekly_units * float(f))),
            day + timedelta(days=WEEK_DAYS),
            jp.max_price_baht,
            c.lat_e5 or 0,
            c.lon_e5 or 0,
        )
        for c, f in zip(members, factors, strict=True)
    )
    return PurchaseProblem(
        day, needs, offers, sharing=SharingRule(jp.sharing), time_limit_ms=2_000, gap_bps=0
    )


def simulate_purchases(
    scenario: Scenario, table: dict[str, District], seed: np.random.SeedSequence
) -> list[PurchaseSeason]:
    """Every joint purchase of the scenario over the season, week by week, validated."""
    out = []
    weeks = max(1, scenario.spec.season.days // WEEK_DAYS)
    for k, jp in enumerate(scenario.spec.joint_purchases):
        child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 9_000 + k))
        rng = np.random.default_rng(child)
        offers = offers_of(jp, table)
        totals: dict[str, int] = {}
        for week in range(weeks):
            _add_week(totals, week_problem(scenario, jp, offers, week, rng), jp.product_id, week)
        out.append(
            PurchaseSeason(
                jp.product_id,
                weeks,
                *(totals.get(key, 0) for key in _TOTALS),
            )
        )
    return out


_TOTALS = (
    "needs",
    "served",
    "units_needed",
    "units_served",
    "saving",
    "alone",
    "goods",
    "delivery",
)


def _add_week(totals: dict[str, int], problem: PurchaseProblem, product: str, week: int) -> None:
    """Solve one week, validate it and add its figures to the season totals."""
    result = solve_purchase(problem)
    errors = validate(problem, result)
    if errors:
        raise AssertionError(f"week {week} of {product}: {errors[:3]}")
    o = result.objective
    figures = (
        len(problem.needs),
        len(result.allocations),
        o.units_needed,
        o.units_served,
        o.saving_satang,
        o.alone_saving_satang,
        o.goods_satang,
        o.delivery_satang,
    )
    for key, value in zip(_TOTALS, figures, strict=True):
        totals[key] = totals.get(key, 0) + value


PURCHASE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("product", "สินค้า product"),
    ("weeks", "สัปดาห์ weeks"),
    ("served", "ได้รับ served / needs"),
    ("units_served", "ปริมาณ units served"),
    ("saving_baht", "ประหยัดเมื่อซื้อร่วม saving together ฿"),
    ("alone_baht", "ต่างคนต่างซื้อ buying alone ฿"),
    ("gain_baht", "ส่วนเพิ่ม gain ฿"),
)


def purchase_rows(seasons: list[PurchaseSeason]) -> list[dict[str, str | int | float]]:
    """One row per joint purchase: the saving together beside the buy-alone baseline."""
    return [
        {
            "product": s.product_id,
            "weeks": s.weeks,
            "served": f"{s.served}/{s.needs}",
            "units_served": s.units_served,
            "saving_baht": round(s.saving_satang / 100, 2),
            "alone_baht": round(s.alone_saving_satang / 100, 2),
            "gain_baht": round((s.saving_satang - s.alone_saving_satang) / 100, 2),
        }
        for s in seasons
    ]
