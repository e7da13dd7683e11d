"""The network policy's nested fields: transport per product, the joint fund, processors.

Each maps to the engine's own type (:class:`matcher.produce.model.ProductTransport`,
:class:`matcher.liquidity.model.JointFund`, :class:`matcher.produce.model.Processor`), so
the database round and a file round run the same model on the same terms.

* ``product_transport``: a product's own rate (satang per base unit per km), road factor,
  reach and integer trucks (capacity, cost per truck); products not listed travel on the
  policy's ``transport`` block.
* ``joint_fund``: the network's fund (a national root network only): an account lending
  its balance at its posted rate, at the national tier, after every coop's offer (the
  engine's lender of last resort). The balance is the open amount of the fund account's
  offer (:mod:`api.services.round.fund`), so what it lends is reserved and committed like
  any offer.
* ``startup_capital``: long-term start-up capital the network's joint fund offers a coop
  starting a business (``businesses``: ``fuel_station`` …), at most
  ``max_per_coop_satang`` per coop, for at most ``max_term_days`` (up to ten years), at
  ``rate_bps``; ``coop_kinds`` (empty: every kind) limit who qualifies. Only the terms of
  the policy of the network that holds the fund apply (:mod:`api.services.startup_capital`).
* ``processors``: a midstream stage at a coop (grading, feed milling, packing): it buys
  ``in_product``/``in_grade`` and sells ``out_product``/``out_grade``, ``yield_bps`` output
  units per 10,000 input units (default 10,000: one for one; units out are rounded down),
  at most ``capacity_units`` input units a business day, at ``cost_satang_per_unit`` per
  output unit.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from matcher.domain import CoopKind
from matcher.liquidity.model import JointFund
from matcher.produce.checks import YIELD_MESSAGE
from matcher.produce.model import MAX_YIELD_BPS, YIELD_ONE_BPS, Processor, ProductTransport


def _whole(value: object) -> object:
    """A JSON number that is whole (``500`` or ``500.0``); strings and fractions refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number (ต้องเป็นจำนวนเต็ม)")
    return value


Whole = Annotated[int, BeforeValidator(_whole)]
"""A whole JSON number (bounds are set per field)."""


def _yield(value: object) -> object:
    """A yield: a whole number of output units per 10,000 input units, 1 … 100,000."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_YIELD_BPS:
        raise ValueError(YIELD_MESSAGE)
    return value


Yield = Annotated[
    int,
    BeforeValidator(_yield),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_YIELD_BPS, "default": 10_000}),
]
"""Output units per 10,000 input units (the message names the rule in Thai and English)."""
Ident = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Grade = Annotated[str, Field(min_length=1, max_length=16)]


class ProductTransportPolicy(BaseModel):
    """One product's transport terms (in place of the policy's ``transport``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    product: Ident
    satang_per_unit_km: Whole = Field(ge=0, le=100_000)
    road_factor_bps: Whole = Field(13_000, ge=10_000, le=30_000)
    reach_km: Whole = Field(300, ge=1, le=3_000)
    truck_capacity_units: Whole = Field(0, ge=0, le=1_000_000)
    """0: priced per unit; above 0: an integer number of trucks per lane of this product."""
    truck_cost_satang: Whole = Field(0, ge=0, le=10**10)

    @model_validator(mode="after")
    def _cost_needs_capacity(self) -> ProductTransportPolicy:
        if self.truck_cost_satang > 0 and self.truck_capacity_units == 0:
            raise ValueError(
                "truck_capacity_units: a truck cost needs a truck capacity (ค่ารถบรรทุกต้องมีความจุรถ)"
            )
        return self

    def to_domain(self) -> ProductTransport:
        """The engine's terms of this product."""
        return ProductTransport(
            self.product,
            self.satang_per_unit_km,
            self.road_factor_bps,
            self.reach_km * 1000,
            self.truck_cost_satang,
            self.truck_capacity_units,
        )


class JointFundPolicy(BaseModel):
    """The network's joint fund: its account, balance and posted rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    account_id: Ident
    """The fund's account (created as a coop of the network, kind ``joint_fund``)."""
    balance_satang: Whole = Field(ge=1, le=10**13)
    rate_bps: Whole = Field(ge=0, le=10_000)
    """The fund's posted loan rate, basis points per year (every fund loan is at it)."""
    max_term_days: Whole = Field(365, ge=1, le=3650)

    def to_domain(self, network_id: str, available_satang: int) -> JointFund:
        """The engine's fund, lending what its account has still free."""
        return JointFund(
            self.account_id, network_id, available_satang, self.rate_bps, self.max_term_days
        )


class StartupCapitalPolicy(BaseModel):
    """Start-up capital from the network's joint fund (ทุนเริ่มต้นธุรกิจจากกองทุนร่วม)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    enabled: bool = True
    businesses: tuple[Ident, ...] = Field(min_length=1, max_length=50)
    """The businesses a coop may start with the fund's capital (``fuel_station`` …)."""
    coop_kinds: tuple[Ident, ...] = Field((), max_length=20)
    """Coop kinds that qualify (``agricultural`` …); empty: every kind."""
    max_per_coop_satang: Whole = Field(ge=1, le=10**12)
    """Most start-up capital one coop may hold at once (proposed, lent and not repaid)."""
    max_term_days: Whole = Field(1826, ge=30, le=3650)
    """Longest term of a start-up loan (1826 days: five years)."""
    rate_bps: Whole = Field(ge=0, le=10_000)
    """The rate of every start-up loan, basis points per year."""

    @model_validator(mode="after")
    def _kinds_known(self) -> StartupCapitalPolicy:
        known = {k.value for k in CoopKind} - {CoopKind.JOINT_FUND.value}
        bad = [k for k in self.coop_kinds if k not in known]
        if bad:
            raise ValueError(
                f"coop_kinds: unknown coop kind {bad[0]!r}; one of {', '.join(sorted(known))} "
                "(ไม่รู้จักประเภทสหกรณ์)"
            )
        return self


class ProcessorPolicy(BaseModel):
    """A midstream stage at a coop of the network."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Ident
    coop_id: Ident
    in_product: Ident
    in_grade: Grade
    out_product: Ident
    out_grade: Grade
    capacity_units: Whole = Field(ge=1, le=10**9)
    """Most input units it processes in one business day (over every round of the day)."""
    cost_satang_per_unit: Whole = Field(0, ge=0, le=10**8)
    """Processing cost per output unit."""
    yield_bps: Yield = YIELD_ONE_BPS
    """Output units per 10,000 input units (9,300: 100 raw eggs → 93 graded eggs); units
    out = ⌊units in × yield_bps / 10,000⌋."""

    @model_validator(mode="after")
    def _changes_something(self) -> ProcessorPolicy:
        if (self.in_product, self.in_grade) == (self.out_product, self.out_grade):
            raise ValueError(
                "out_grade: a processor's output must differ from its input (ผลผลิตต้องต่างจากวัตถุดิบ)"
            )
        return self

    def to_domain(self) -> Processor:
        """The engine's processor."""
        return Processor(
            self.id,
            self.coop_id,
            self.in_product,
            self.in_grade,
            self.out_product,
            self.out_grade,
            self.capacity_units,
            self.cost_satang_per_unit,
            self.yield_bps,
        )


def unique_lines(items: tuple[BaseModel, ...], key: str, field: str) -> list[str]:
    """``field[i].key: … listed twice`` for each repeated key (Thai and English)."""
    seen: set[str] = set()
    out = []
    for i, x in enumerate(items):
        value = str(getattr(x, key))
        if value in seen:
            out.append(f"{field}[{i}].{key}: {value!r} is listed twice (ระบุซ้ำ)")
        seen.add(value)
    return out


__all__ = [
    "JointFundPolicy",
    "ProcessorPolicy",
    "ProductTransportPolicy",
    "StartupCapitalPolicy",
    "Whole",
    "unique_lines",
]
