"""The scenario file format (YAML), validated with pydantic; unknown keys are errors.

Units are part of every field name: ``*_baht`` money (whole baht, a decimal string with at
most 2 places, or millions written ``"0.431 M"``; never a float), ``*_bps`` integer basis
points, ``*_kg`` integer kilograms, ``*_days`` integer days. A scenario file holds the
network tree (with the published figures it is calibrated to), groups of member coops
(expanded into ``count`` coops), the season and a list of funding policies to compare.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_MONEY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(M)?\s*$")


def _baht_to_satang(value: object) -> int:
    """Money in baht (int, "123.45", "0.431 M") → integer satang; floats are refused."""
    if isinstance(value, (bool, float)):
        raise ValueError(
            "write money in baht as a whole number or a string such as '93.021 M' "
            "or '431000.00', not a float"
        )
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value * 100
    if not isinstance(value, str):
        raise ValueError("must be baht: a whole number or a string such as '0.431 M'")
    match = _MONEY.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not baht: use a number with at most 2 decimals, "
            "optionally followed by ' M' for millions (no other units)"
        )
    try:
        amount = Decimal(match.group(1)) * (1_000_000 if match.group(2) else 1) * 100
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only numbers
        raise ValueError(f"{value!r} is not a number") from exc
    if amount != amount.to_integral_value():
        raise ValueError(f"{value!r} has more precision than one satang")
    return int(amount)


Satang = Annotated[int, BeforeValidator(_baht_to_satang)]
"""A ``*_baht`` field as read from the file, held as integer satang."""
Bps = Annotated[int, Field(strict=True, ge=0, le=10_000)]
Kg = Annotated[int, Field(strict=True, ge=0)]
Days = Annotated[int, Field(strict=True, ge=0, le=3650)]
Count = Annotated[int, Field(strict=True, ge=1, le=10_000)]
Ident = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
District = Annotated[str, Field(pattern=r"^\d{4}$")]


class Strict(BaseModel):
    """Base: unknown keys and type coercion are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Published(Strict):
    """A published figure the network is calibrated to, with its source."""

    coops: int = Field(default=0, strict=True, ge=0)
    farmer_groups: int = Field(default=0, strict=True, ge=0)
    business_baht: Satang | None = None
    source: str = ""


class NetworkSpec(Strict):
    """A node of the network tree; ``parent`` is empty only at the root."""

    id: Ident
    name_th: str
    name_en: str
    level: Literal["area", "province", "region", "national"]
    parent: Ident | None = None
    districts: tuple[District, ...] = ()
    """Districts the network covers (for area networks by district)."""
    published: Published | None = None
    coordinator: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
    """The principal who coordinates the network once imported into the database."""


class GroupSpec(Strict):
    """``count`` similar members of one network; sizes are per member."""

    id: Ident
    network: Ident
    count: Count
    kind: Literal[
        "agricultural", "savings", "service", "consumer", "shop", "farmer_group", "fisheries"
    ] = "agricultural"
    name_th: str
    name_en: str
    districts: tuple[District, ...] = Field(min_length=1)
    """Members are spread over these districts in turn."""
    harvest_kg: Kg = 0
    """Season deliveries from farmers per member (collectors)."""
    cash_baht: Satang = 0
    """Cash on hand at the season start per member."""
    idle_funds_baht: Satang = 0
    """Idle funds offered to other coops per member (lenders)."""
    lend_rate_bps: Bps = 400
    buy_kg_per_day: Kg = 0
    """Daily purchase capacity per member (buyers)."""
    buy_margin_bps: Bps = 1500
    """Highest delivered price = farm price × (1 + margin)."""
    borrow_rate_bps: Bps = 700
    borrowing_limit_baht: Satang | None = None


class SeasonSpec(Strict):
    """The season: start date, length, peak and the produce traded."""

    start: date
    days: int = Field(strict=True, ge=1, le=366)
    peak_day: int = Field(strict=True, ge=0, le=365)
    peak_width_days: int = Field(strict=True, ge=1, le=365)
    product_id: Ident
    product_th: str
    product_en: str
    unit: Literal["kg", "egg", "litre"] = "kg"
    grade: str = "A"
    shelf_life_days: int = Field(strict=True, ge=1, le=365)
    farm_price_baht: Satang
    """Farm-gate price per unit at the season start."""
    price_volatility_bps: Bps = 300
    """Standard deviation of the daily log-price step."""
    harvest_noise_bps: Bps = 2000
    carry_back_kg: Kg = 0


class StressSpec(Strict):
    """Stress cases; each is off unless set."""

    lender_drops_out: Ident | None = None
    """A group id: its members stop lending on ``drop_day``."""
    drop_day: int = Field(default=0, strict=True, ge=0)
    late_buyer: Ident | None = None
    """A group id: its members pay ``late_days`` after the due date."""
    late_days: Days = 0
    crash_day: int | None = Field(default=None, strict=True, ge=0)
    crash_to_bps: Bps = 10_000
    """Farm and buyer prices fall to this share from ``crash_day`` on."""


class PolicySpec(Strict):
    """A funding policy: the knobs a coordinator compares side by side."""

    name: Ident
    idle_funds_bps: Bps = 10_000
    """Share of the lenders' idle funds actually offered."""
    joint_fund_baht: Satang = 0
    joint_fund_rate_bps: Bps = 500
    rate_rule: Literal["midpoint", "posted"] = "midpoint"
    fairness: Literal["maxmin", "proportional", "coverage"] = "maxmin"
    transport_satang_per_kg_km: int = Field(default=2, strict=True, ge=0, le=10_000)
    loan_term_days: int = Field(default=45, strict=True, ge=1, le=365)
    credit_days_min: Days = 30
    credit_days_max: Days = 60
    stress: StressSpec = StressSpec()


class TierSpec(Strict):
    """A volume price tier: from ``min_units`` on, ``price_baht`` per unit."""

    min_units: int = Field(strict=True, ge=0)
    price_baht: Satang


class SupplierSpec(Strict):
    """A supplier's standing offer for a joint purchase (one depot, one product)."""

    id: Ident
    name_th: str
    name_en: str
    district: District
    kind: Literal["all_units", "incremental"] = "all_units"
    tiers: tuple[TierSpec, ...] = Field(min_length=1)
    """Tiers in order; each runs up to the next one's ``min_units``."""
    min_order_units: int = Field(default=0, strict=True, ge=0)
    capacity_units: int = Field(strict=True, ge=1)
    """Per week."""
    truck_capacity_units: int = Field(strict=True, ge=1)
    truck_baht: Satang = 0
    truck_baht_per_km: Satang = 0
    lead_days: Days = 1
    max_distance_m: int = Field(default=150_000, strict=True, ge=0)


class JointPurchaseSpec(Strict):
    """Members of ``buyers`` buy ``product_id`` together every week from ``suppliers``."""

    product_id: Ident
    product_th: str
    product_en: str
    unit: Literal["kg", "egg", "litre"] = "litre"
    buyers: Ident
    """A group id: each member posts one need a week."""
    weekly_units: int = Field(strict=True, ge=1)
    """Mean need per member per week."""
    weekly_noise_bps: Bps = 2000
    max_price_baht: Satang
    """Highest delivered price per unit each buyer accepts."""
    sharing: Literal["pro_rata", "equal_per_unit"] = "pro_rata"
    suppliers: tuple[SupplierSpec, ...] = Field(min_length=1)


class FundSpec(Strict):
    """A planning network's joint fund in a funding plan."""

    network: Ident
    return_forgone_bps: Bps = 300
    """Yearly return the fund's capital would earn elsewhere."""
    limit_baht: Satang | None = None


class SourceSpec(Strict):
    """A named source of standby credit lines for a funding plan."""

    id: Ident
    name_th: str
    name_en: str
    commitment_fee_bps: Bps = 0
    """Yearly fee on the committed line."""
    interest_bps: Bps
    """Yearly interest on what is drawn."""
    limit_baht: Satang | None = None
    networks: tuple[Ident, ...] = ()
    """Networks it may serve (empty: every planning network)."""


class FundingSpec(Strict):
    """What ``coopmatch plan funding`` may use: the policy sampled, funds and sources."""

    policy: Ident | None = None
    """The policy whose seasons are sampled (default: the first); its joint fund is what
    the plan sizes, so it is set to zero in the samples."""
    last_year_fund_baht: Satang | None = None
    """Last season's joint fund (compared with the plan; default: the largest policy's)."""
    funds: tuple[FundSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()


class NetworkPolicyEntry(Strict):
    """A network's stored round policy, for ``coopmatch import scenario`` (fairness, rate
    and price rules, transport per product, trucks, the joint fund, processors: the fields
    of docs/daily-round.md, checked when imported). The season simulator does not read it."""

    network: Ident
    policy: dict[str, Any] = Field(default_factory=dict)


class TeachSpec(Strict):
    """What a member of the scenario can teach (a topic of
    :data:`matcher.knowhow.topics.TOPICS`), learners per season."""

    coop: Ident
    """A coop of the scenario: a group's id when its count is 1, else ``<group>-01`` …"""
    topic: Ident
    capacity: int = Field(strict=True, ge=1, le=100_000)


class LearnSpec(Strict):
    """What a member of the scenario wants to learn, and how far it travels for it."""

    coop: Ident
    topic: Ident
    max_distance_km: int = Field(default=100, strict=True, ge=0, le=5_000)


class KnowhowSpec(Strict):
    """Know-how postings for the database's know-how round (coops learn at their district's
    point); the season simulator does not read them."""

    teach: tuple[TeachSpec, ...] = ()
    learn: tuple[LearnSpec, ...] = ()


REPAY = ("on_time", "late", "never")


class MemberBehaviour(Strict):
    """How member systems answer and pay in ``coopmatch season replay`` (the simulator does
    not read it). Every field is optional: an unset one keeps what a less specific level of
    :class:`ReplaySpec` (or the default: accept everything, pay on time) says."""

    decline_bps: int | None = Field(default=None, strict=True)
    """Share of its proposals the member declines (basis points, drawn from the seed)."""
    repay: str | None = None
    """``on_time``, ``late`` (``late_days`` after the due date) or ``never`` (no cash
    payment; a round may still set its debts off)."""
    late_days: int | None = Field(default=None, strict=True)

    @field_validator("decline_bps")
    @classmethod
    def _bps(cls, v: int | None) -> int | None:
        if v is not None and not 0 <= v <= 10_000:
            raise ValueError("ต้องเป็น 0 ถึง 10000 / basis points from 0 to 10000")
        return v

    @field_validator("repay")
    @classmethod
    def _repay(cls, v: str | None) -> str | None:
        if v is not None and v not in REPAY:
            raise ValueError(
                f"ต้องเป็น on_time, late หรือ never / one of on_time, late, never; got {v!r}"
            )
        return v

    @field_validator("late_days")
    @classmethod
    def _late_days(cls, v: int | None) -> int | None:
        if v is not None and not 0 <= v <= 365:
            raise ValueError("ต้องเป็น 0 ถึง 365 วัน / days from 0 to 365")
        return v

    @model_validator(mode="after")
    def _late_needs_days(self) -> MemberBehaviour:
        if self.repay == "late" and not self.late_days:
            raise ValueError(
                "repay: late ต้องระบุ late_days มากกว่า 0 / repay: late needs late_days above 0"
            )
        return self


class ReplaySpec(Strict):
    """Member behaviours for ``coopmatch season replay``, from the general to the specific:
    ``members`` (every coop), ``networks`` (the coops of a network and of the networks
    under it; a deeper network wins), ``groups`` (the coops of a group) and ``coops`` (one
    coop, by its expanded id such as ``lp-longan-01``). Options on the command line
    (``--decline-bps``) override them all."""

    members: MemberBehaviour = MemberBehaviour()
    networks: dict[str, MemberBehaviour] = Field(default_factory=dict)
    groups: dict[str, MemberBehaviour] = Field(default_factory=dict)
    coops: dict[str, MemberBehaviour] = Field(default_factory=dict)


class ScenarioSpec(Strict):
    """A whole scenario file."""

    id: Ident
    name_th: str
    name_en: str
    illustrative: bool
    """True when coops, names or sizes are invented (labelled ตัวอย่างสมมติ)."""
    description: str = ""
    networks: tuple[NetworkSpec, ...] = Field(min_length=1)
    groups: tuple[GroupSpec, ...] = Field(min_length=1)
    season: SeasonSpec
    policies: tuple[PolicySpec, ...] = Field(min_length=1)
    joint_purchases: tuple[JointPurchaseSpec, ...] = ()
    """Inputs the members buy together each week (diesel, layer feed); see sim/purchase.py."""
    funding: FundingSpec | None = None
    """Funds and credit sources for the funding plan (defaults when absent)."""
    network_policies: tuple[NetworkPolicyEntry, ...] = ()
    """Round policies of networks, for the database (see :class:`NetworkPolicyEntry`)."""
    knowhow: KnowhowSpec | None = None
    """What members teach and want to learn, for the database (see :class:`KnowhowSpec`)."""
    replay: ReplaySpec | None = None
    """Member behaviours for ``coopmatch season replay`` (see :class:`ReplaySpec`)."""
