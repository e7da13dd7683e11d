"""All random draws of one season, made up front from one numpy Generator.

Drawing everything at once, in a fixed order, from ``np.random.default_rng(seed)`` makes a
season a pure function of (scenario, policy, seed): the day loop reads these arrays only.
Floats are used for the draws; every amount is rounded to an integer before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scenarios.sim.loader import Scenario
from scenarios.sim.schema import PolicySpec


@dataclass(frozen=True)
class SeasonDraws:
    """Prices, arrivals, demand and credit terms of every day."""

    price_satang: NDArray[np.int64]
    """Farm-gate price per unit, per day (after any crash)."""
    arrivals: NDArray[np.int64]
    """Deliveries from farmers, day × collector, in units."""
    demand: NDArray[np.int64]
    """Purchase capacity, day × buyer, in units."""
    credit_days: NDArray[np.int64]
    """Days until buyers pay for each day's sales."""


def seasonal_curve(days: int, peak_day: int, width_days: int) -> NDArray[np.float64]:
    """Share of the season's harvest arriving on each day: a Gaussian bump, sums to 1.

    >>> c = seasonal_curve(92, 56, 15)
    >>> round(float(c.sum()), 6), int(c.argmax())
    (1.0, 56)
    """
    t = np.arange(days, dtype=np.float64)
    w = np.exp(-0.5 * ((t - peak_day) / width_days) ** 2)
    out: NDArray[np.float64] = w / w.sum()
    return out


def draw_season(
    scenario: Scenario,
    policy: PolicySpec,
    collectors: list[int],
    buyers: list[int],
    seed: np.random.SeedSequence,
) -> SeasonDraws:
    """Draw the season; the same seed gives the same arrays whatever the policy's stress."""
    rng = np.random.default_rng(seed)
    season = scenario.spec.season
    days = season.days
    steps = rng.normal(0.0, season.price_volatility_bps / 10_000, size=days)
    steps[0] = 0.0
    level = np.exp(np.cumsum(steps))
    noise_h = rng.lognormal(0.0, season.harvest_noise_bps / 10_000, size=(days, len(collectors)))
    noise_d = rng.lognormal(0.0, 0.15, size=(days, len(buyers)))
    credit_u = rng.random(size=days)
    stress = policy.stress
    if stress.crash_day is not None:
        level[stress.crash_day :] *= stress.crash_to_bps / 10_000
    price = np.maximum(1, np.rint(season.farm_price_baht * level)).astype(np.int64)
    curve = seasonal_curve(days, season.peak_day, season.peak_width_days)
    harvest = np.array([scenario.group_of[c].harvest_kg for c in collectors], dtype=np.float64)
    arrivals = np.rint(curve[:, None] * harvest[None, :] * noise_h).astype(np.int64)
    cap = np.array([scenario.group_of[b].buy_kg_per_day for b in buyers], dtype=np.float64)
    demand = np.rint(cap[None, :] * noise_d).astype(np.int64)
    span = policy.credit_days_max - policy.credit_days_min + 1
    credit = policy.credit_days_min + np.floor(credit_u * span).astype(np.int64)
    return SeasonDraws(price, arrivals, demand, credit)
