"""The network policy: stored, versioned, the only source of a round's settings.

Each edit appends a version to ``network_policy`` (audited as ``policy.set``). A round of
network N takes the newest policy of N or, when N has none, of its nearest ancestor that
has one; with none at all the defaults below apply. Fields (see docs/daily-round.md):

=============================  ============================================================
``fairness``                   ``maxmin`` (default), ``proportional`` or ``coverage``
``rate_rule``                  ``midpoint`` (default) or ``posted``
``posted_rate_bps``            the network's posted loan rate; required with ``posted``
``price_rule``                 ``split`` (default) or ``clearing`` (produce sales)
``transport``                  satang per base unit per km, road factor (bps), reach (km),
                               truck capacity (units, 0 = no integer trucks), truck cost:
                               the terms of every product not in ``product_transport``
``product_transport``          a product's own terms (same fields, plus ``product``)
``joint_fund``                 the network's fund: ``account_id``, ``balance_satang``,
                               ``rate_bps``, ``max_term_days`` (a national root only)
``startup_capital``            start-up capital from the joint fund: ``businesses``,
                               ``coop_kinds``, ``max_per_coop_satang``, ``max_term_days``,
                               ``rate_bps``, ``enabled`` (read on the fund's network only)
``processors``                 midstream stages (grading, feed milling, packing): coop,
                               input and output product/grade, capacity, cost per unit
``proposal_ttl_business_days`` a proposal expires at the end (Bangkok) of this business day
                               after the round's date; 0/absent: the server's hours
``overdue_loans``              a borrower with an overdue instalment: ``allow`` (default),
                               ``refuse`` new loans, or ``cap`` them at ``overdue_cap_satang``
=============================  ============================================================
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event, canonical_json
from api.db.tables_round import NetworkPolicyRow
from api.db.tx import in_write_transaction, read_session
from api.services.clock import UtcClock, system_clock
from api.services.errors import ServiceError
from api.services.hooks import OnCommit, with_hook
from api.services.round.calendar import add_business_days, business_day_end
from api.services.round.fund import ensure_fund_account, network_lines
from api.services.round.policy_fields import (
    JointFundPolicy,
    ProcessorPolicy,
    ProductTransportPolicy,
    StartupCapitalPolicy,
    unique_lines,
)
from api.services.snapshot import RoundParams
from matcher.liquidity.model import JointFund
from matcher.produce.checks import truck_conflicts
from matcher.produce.model import Transport
from matcher.results import FairnessPolicy, RateRule


def _whole_number(value: object) -> object:
    """A JSON number that is whole (``500`` or ``500.0``); strings and fractions refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number of basis points (ต้องเป็นจำนวนเต็ม)")
    return value


Whole = Annotated[int, BeforeValidator(_whole_number)]
"""A whole JSON number (bounds are set per field)."""


PostedRate = Annotated[
    int,
    BeforeValidator(_whole_number),
    Field(ge=0, le=10_000),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 10_000}),
]
"""A posted loan rate in basis points per year (500 = 5.00 %)."""


class TransportPolicy(BaseModel):
    """Produce transport of the network's rounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    satang_per_unit_km: Whole = Field(1, ge=0, le=100_000)
    road_factor_bps: Whole = Field(13_000, ge=10_000, le=30_000)
    reach_km: Whole = Field(300, ge=1, le=3_000)
    truck_capacity_units: Whole = Field(0, ge=0, le=1_000_000)
    """0: transport is priced per unit; above 0: an integer number of trucks per lane."""
    truck_cost_satang: Whole = Field(0, ge=0, le=10**10)


class PolicySpec(BaseModel):
    """A network policy as stored and as edited (every field optional: defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    fairness: FairnessPolicy = FairnessPolicy.MAXMIN
    rate_rule: RateRule = RateRule.MIDPOINT
    posted_rate_bps: PostedRate | None = None
    """The network's posted loan rate, basis points per year (500 = 5.00 %)."""
    price_rule: str = Field("split", pattern=r"^(split|clearing)$")
    transport: TransportPolicy = TransportPolicy()
    proposal_ttl_business_days: Whole = Field(0, ge=0, le=30)
    overdue_loans: str = Field("allow", pattern=r"^(allow|refuse|cap)$")
    """A borrower with an overdue loan instalment: new loans ``allow``-ed, ``refuse``-d, or
    ``cap``-ped at ``overdue_cap_satang`` more than it owes now."""
    overdue_cap_satang: Whole = Field(0, ge=0, le=10**13)
    product_transport: tuple[ProductTransportPolicy, ...] = Field((), max_length=200)
    """Transport terms per product; products not listed travel on ``transport``."""
    joint_fund: JointFundPolicy | None = None
    startup_capital: StartupCapitalPolicy | None = None
    """Start-up capital the joint fund offers (read on the network holding the fund)."""
    processors: tuple[ProcessorPolicy, ...] = Field((), max_length=1000)

    @model_validator(mode="after")
    def _posted_needs_a_rate(self) -> PolicySpec:
        if self.rate_rule is RateRule.POSTED and self.posted_rate_bps is None:
            raise ValueError(
                "posted_rate_bps is required with rate_rule posted "
                "(ต้องระบุอัตราดอกเบี้ยประกาศเมื่อใช้กฎอัตราประกาศ)"
            )
        lines = unique_lines(self.product_transport, "product", "product_transport")
        if self.startup_capital is not None and self.joint_fund is None:
            lines.append(
                "startup_capital: start-up capital is lent by this network's joint_fund; "
                "set joint_fund too (ทุนเริ่มต้นธุรกิจให้กู้จากกองทุนร่วมของเครือข่ายนี้ ต้องระบุ joint_fund ด้วย)"
            )
        if (
            self.startup_capital is not None
            and self.joint_fund is not None
            and self.startup_capital.max_term_days > self.joint_fund.max_term_days
        ):
            lines.append(
                "startup_capital.max_term_days: longer than joint_fund.max_term_days "
                "(ระยะเวลาทุนเริ่มต้นยาวกว่าที่กองทุนร่วมให้กู้)"
            )
        lines += unique_lines(self.processors, "id", "processors")
        for i in truck_conflicts(self.transport_domain(), [p.to_domain() for p in self.processors]):
            lines.append(
                f"processors[{i}]: its input and output products need the same truck terms "
                "(วัตถุดิบและผลผลิตของผู้แปรรูปต้องใช้รถบรรทุกแบบเดียวกัน)"
            )
        if lines:
            raise ValueError("; ".join(lines))
        return self

    def transport_domain(self) -> Transport:
        """The engine's transport terms of the policy (per product where listed)."""
        t = self.transport
        return Transport(
            cost_satang_per_unit_km=t.satang_per_unit_km,
            road_factor_bps=t.road_factor_bps,
            max_distance_m=t.reach_km * 1000,
            truck_cost_satang=t.truck_cost_satang,
            truck_capacity_units=t.truck_capacity_units,
            products=tuple(
                sorted((x.to_domain() for x in self.product_transport), key=lambda x: x.product)
            ),
        )


class PolicyError(ServiceError):
    """A policy that breaks a rule; the lines name the fields."""


@dataclass(frozen=True)
class StoredPolicy:
    """The policy a network's round takes, with where it comes from."""

    spec: PolicySpec
    network_id: str | None
    """The network whose stored policy applies (itself or an ancestor); None: defaults."""
    version: int = 0


def parse_policy(data: Any) -> PolicySpec:
    """Validate a policy document.

    Raises:
        PolicyError: Thai and English, one line per bad field.
    """
    try:
        return PolicySpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors(include_url=False):
            msg = str(e["msg"]).removeprefix("Value error, ")
            where = _field_path(e["loc"])
            for m in msg.split("; "):
                if not where:
                    lines.append(m)
                elif _NAMES_FIELD.match(m):  # a rule names its field itself
                    lines.append(f"{where}{'' if m.startswith('[') else '.'}{m}")
                else:
                    lines.append(f"{where}: {m}")
        raise PolicyError("the policy is not valid", "นโยบายเครือข่ายไม่ถูกต้อง", lines) from exc


_NAMES_FIELD = re.compile(r"^[a-z_]+(\[\d+\])?(\.[a-z_]+)?: ")


def _field_path(loc: tuple[int | str, ...]) -> str:
    """``("processors", 0, "id")`` → ``processors[0].id``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _newest(session: Session, network_id: str) -> NetworkPolicyRow | None:
    return session.execute(
        select(NetworkPolicyRow)
        .where(col(NetworkPolicyRow.network_id) == network_id)
        .order_by(col(NetworkPolicyRow.version).desc())
        .limit(1)
    ).scalar_one_or_none()


def stored_version(session: Session, network_id: str) -> int:
    """The newest version stored for ``network_id`` itself (0: none)."""
    row = _newest(session, network_id)
    return 0 if row is None else row.version


def policy_of(session: Session, network_id: str) -> StoredPolicy:
    """The policy of ``network_id``: its own newest version, else its nearest ancestor's."""
    for nid in repo.ancestors(session, network_id):
        row = _newest(session, nid)
        if row is not None:
            return StoredPolicy(parse_policy(json.loads(row.policy_json)), nid, row.version)
    return StoredPolicy(PolicySpec(), None)


def answer_by(session: Session, network_id: str, day: date, default_days: int) -> datetime:
    """When a proposal of a round of ``network_id`` on ``day`` expires: the end (Asia/Bangkok)
    of the policy's ``proposal_ttl_business_days``-th business day after ``day``, or of the
    ``default_days``-th when the policy sets none (the lifetime of the know-how, start-up and
    group-order proposals; the daily round's loans fall back to the server's hours)."""
    ttl = policy_of(session, network_id).spec.proposal_ttl_business_days
    return business_day_end(add_business_days(day, ttl if ttl > 0 else default_days))


def round_params(session: Session, network_id: str, base: RoundParams) -> RoundParams:
    """``base`` with the settings of the round network's policy; the posted rate of every
    network of the subtree whose policy posts one; the joint fund and the processors of
    the policies stored on the subtree's networks (and of the policy the round takes)."""
    stored = policy_of(session, network_id)
    spec = stored.spec
    posted = []
    fund: JointFund | None = None
    procs = {p.id: p.to_domain() for p in spec.processors}
    for net in repo.subtree(session, network_id):
        got = policy_of(session, net.id)
        own = got.spec
        if own.posted_rate_bps is not None:
            posted.append((net.id, own.posted_rate_bps))
        if got.network_id != net.id:
            continue  # inherited: its fund and processors belong to the ancestor
        if own.joint_fund is not None:
            fund = own.joint_fund.to_domain(net.id, 0)
        for p in own.processors:
            procs.setdefault(p.id, p.to_domain())
    t = spec.transport
    return replace(
        base,
        policy=spec.fairness,
        rate_rule=spec.rate_rule,
        price_rule=spec.price_rule,
        transport_satang_per_unit_km=t.satang_per_unit_km,
        road_factor_bps=t.road_factor_bps,
        reach_m=t.reach_km * 1000,
        truck_capacity_units=t.truck_capacity_units,
        truck_cost_satang=t.truck_cost_satang,
        proposal_ttl_business_days=spec.proposal_ttl_business_days,
        overdue_loans=spec.overdue_loans,
        overdue_cap_satang=spec.overdue_cap_satang,
        posted_rates=tuple(sorted(posted)),
        product_transport=spec.transport_domain().products,
        processors=tuple(procs[k] for k in sorted(procs)),
        joint_fund=fund,
        policy_network_id=stored.network_id or "",
        policy_version=stored.version,
    )


def show_policy(engine: Engine, network_id: str) -> StoredPolicy:
    """The policy a round of ``network_id`` takes now."""
    with read_session(engine) as s:
        return policy_of(s, network_id)


def store_policy(
    session: Session,
    network_id: str,
    spec: PolicySpec,
    *,
    actor: str,
    now: datetime,
    only_if_changed: bool = False,
) -> StoredPolicy:
    """Append ``spec`` as the next version of ``network_id``'s policy in the caller's
    transaction (audited ``policy.set``), after the checks against the stored network
    (:func:`~api.services.round.fund.network_lines`); the joint fund's account follows.
    ``only_if_changed``: when the newest stored version is already ``spec``, store nothing
    and return it (a re-import).

    Raises:
        PolicyError: a field breaks a rule (nothing is stored).
    """
    lines = network_lines(session, network_id, spec)
    if lines:
        raise PolicyError("the policy is not valid", "นโยบายเครือข่ายไม่ถูกต้อง", lines)
    doc = spec.model_dump(mode="json")
    newest = _newest(session, network_id)
    if only_if_changed and newest is not None and newest.policy_json == canonical_json(doc):
        return StoredPolicy(spec, network_id, newest.version)
    if spec.joint_fund is not None:
        ensure_fund_account(session, network_id, spec.joint_fund, now, actor)
    version = (0 if newest is None else newest.version) + 1
    session.add(
        NetworkPolicyRow(
            network_id=network_id,
            version=version,
            policy_json=canonical_json(doc),
            created_by=actor,
            created_at=now,
        )
    )
    session.flush()
    append_event(
        session, now, actor, "policy.set", "network", network_id,
        {"version": version, "policy": doc},
    )  # fmt: skip
    return StoredPolicy(spec, network_id, version)


def set_policy(
    engine: Engine,
    network_id: str,
    data: Any,
    *,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[StoredPolicy] | None = None,
) -> StoredPolicy:
    """Append a new version of ``network_id``'s policy (audited ``policy.set``).

    The caller has checked that ``actor`` coordinates the network.

    Raises:
        PolicyError: a field breaks a rule (nothing is stored).
    """
    spec = parse_policy(data)

    def work(session: Session) -> StoredPolicy:
        stored = store_policy(session, network_id, spec, actor=actor, now=clock())
        return with_hook(session, stored, on_commit)

    return in_write_transaction(engine, work)


def policy_json(stored: StoredPolicy) -> dict[str, Any]:
    """The policy as the edges show it (with where it comes from)."""
    return {
        "network_id": stored.network_id,
        "version": stored.version,
        "policy": stored.spec.model_dump(mode="json"),
    }


__all__ = [
    "PolicyError",
    "PolicySpec",
    "StoredPolicy",
    "answer_by",
    "parse_policy",
    "policy_json",
    "policy_of",
    "round_params",
    "set_policy",
    "show_policy",
    "store_policy",
    "stored_version",
]
