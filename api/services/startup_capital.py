"""Start-up capital (ทุนเริ่มต้นธุรกิจ): the joint fund lends long-term to a coop starting a
business, under the network policy.

A coop posts a start-up capital need (:func:`post_startup_need`): a liquidity need (amount,
highest rate, term, repayment) flagged with the business it starts (``startup_need``). The
terms are those of ``startup_capital`` in the policy of the network that holds the fund —
the nearest network, from the coop's own upwards, whose own stored policy has a
``joint_fund`` — so no lower network can widen what the fund lends. Posting is refused,
naming the field in Thai and English, when that policy has no start-up capital (or it is
switched off), the business or the coop's kind does not qualify, the amount is above what
the coop may still hold, the term is longer than allowed, or the highest rate is below the
fund's rate.

The daily round never matches a start-up need (:func:`api.db.repo.startup_need_ids`); the
start-up capital round (:func:`api.services.startup_round.run_startup_round`, round kind
``startup``) proposes a loan from the fund's account offer to each open start-up need of
the network's subtree, at the policy's rate and the need's term, in order of urgency then
posting, while the fund and the coop's limit allow. The proposals are ordinary loan
proposals: both sides accept through :mod:`api.services.proposals` (the fund's account
answers for the fund), the loan is booked with its repayment schedule, and its
instalments fall due as any loan's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from api.db import repo
from api.db.audit import append_event
from api.db.tables import (
    CoopRow,
    MembershipRow,
    OrderRow,
    ProposalRow,
)
from api.db.tables_startup import StartupNeedRow
from api.db.tx import in_write_transaction
from api.services.clock import UtcClock, system_clock
from api.services.errors import ServiceError
from api.services.hooks import OnCommit, with_hook
from api.services.loans import REPAYMENTS
from api.services.orders import NeedSpec, insert_orders
from api.services.round.policy import policy_of
from api.services.round.policy_fields import JointFundPolicy, StartupCapitalPolicy

_HELD = ("pending", "committed")


class StartupCapitalError(ServiceError):
    """A start-up capital need the policy does not allow; the lines name the fields."""


@dataclass(frozen=True)
class FundTerms:
    """The fund that lends start-up capital to a network's coops, and on which terms."""

    network_id: str
    fund: JointFundPolicy
    terms: StartupCapitalPolicy | None


def fund_terms(session: Session, network_id: str) -> FundTerms | None:
    """The nearest network from ``network_id`` upwards whose own policy has a joint fund."""
    for nid in repo.ancestors(session, network_id):
        got = policy_of(session, nid)
        if got.network_id == nid and got.spec.joint_fund is not None:
            return FundTerms(nid, got.spec.joint_fund, got.spec.startup_capital)
    return None


def held_by(session: Session, coop_id: str) -> int:
    """Start-up capital proposed to ``coop_id`` (pending) or lent to it (committed): the
    policy's ``max_per_coop_satang`` caps it over the coop's whole history."""
    amount = session.execute(
        select(func.coalesce(func.sum(col(ProposalRow.amount)), 0))
        .join(StartupNeedRow, col(StartupNeedRow.order_id) == col(ProposalRow.demand_order_id))
        .where(col(ProposalRow.demand_coop_id) == coop_id, col(ProposalRow.status).in_(_HELD))
    ).scalar_one()
    return int(amount)


def _home(session: Session, coop_id: str) -> str | None:
    return session.execute(
        select(col(MembershipRow.network_id)).where(col(MembershipRow.coop_id) == coop_id)
    ).scalar_one_or_none()


def check_startup_need(session: Session, need: NeedSpec, business: str) -> list[str]:
    """Why the policy refuses ``need`` for ``business`` (Thai and English, naming fields)."""
    coop = session.get(CoopRow, need.coop_id)
    home = _home(session, need.coop_id) if coop is not None else None
    if coop is None or home is None:
        return [f"coop_id: unknown coop {need.coop_id!r} (ไม่พบสหกรณ์)"]
    found = fund_terms(session, home)
    if found is None:
        return ["startup_capital: no joint fund above this coop (ไม่มีกองทุนร่วมเหนือสหกรณ์นี้)"]
    shape = _shape_lines(need)
    if shape:
        return shape
    t = found.terms
    if t is None or not t.enabled:
        return [
            f"startup_capital: the policy of {found.network_id} offers no start-up capital "
            "(นโยบายเครือข่ายไม่มีทุนเริ่มต้นธุรกิจ)"
        ]
    out = []
    if business not in t.businesses:
        out.append(
            f"business: {business!r} is not a business the fund starts; one of "
            f"{', '.join(t.businesses)} (ธุรกิจนี้ไม่อยู่ในนโยบายทุนเริ่มต้น)"
        )
    if t.coop_kinds and coop.kind not in t.coop_kinds:
        out.append(
            f"coop_id: a coop of kind {coop.kind!r} does not qualify; "
            f"{', '.join(t.coop_kinds)} do (ประเภทสหกรณ์นี้ไม่มีสิทธิ์)"
        )
    held = held_by(session, need.coop_id) + _open_startup(session, coop.id)
    room = t.max_per_coop_satang - held
    if need.amount_satang > room:
        out.append(
            f"amount: above the start-up capital this coop may still hold ({max(room, 0)} satang) "
            "(เกินวงเงินทุนเริ่มต้นที่สหกรณ์ยังขอได้)"
        )
    if need.term_days > t.max_term_days:
        out.append(
            f"term_days: longer than the policy's {t.max_term_days} days (ระยะเวลาเกินที่นโยบายกำหนด)"
        )
    if need.max_rate_bps < t.rate_bps:
        out.append(
            f"max_rate_bps: below the fund's start-up rate of {t.rate_bps} bps "
            "(อัตราสูงสุดต่ำกว่าอัตราของกองทุน)"
        )
    return out


def _shape_lines(need: NeedSpec) -> list[str]:
    """The need's own fields: positive amount and term, a known repayment."""
    out = []
    if need.amount_satang <= 0:
        out.append("amount: must be above zero (ต้องมากกว่าศูนย์)")
    if need.term_days <= 0:
        out.append("term_days: must be above zero (ต้องมากกว่าศูนย์)")
    if need.repayment not in REPAYMENTS:
        out.append(
            f"repayment: one of {', '.join(REPAYMENTS)} (วิธีชำระคืนต้องเป็น {', '.join(REPAYMENTS)})"
        )
    if not 1 <= need.instalments <= max(need.term_days, 1) or (
        need.repayment == "bullet" and need.instalments != 1
    ):
        out.append("instalments: 1 for bullet, at most one a day (จำนวนงวดไม่ถูกต้อง)")
    return out


def _open_startup(session: Session, coop_id: str) -> int:
    """The free (not yet proposed) amount of the coop's open start-up needs."""
    amount = session.execute(
        select(
            func.coalesce(
                func.sum(col(OrderRow.amount) - col(OrderRow.reserved) - col(OrderRow.committed)),
                0,
            )
        )
        .join(StartupNeedRow, col(StartupNeedRow.order_id) == col(OrderRow.id))
        .where(col(OrderRow.coop_id) == coop_id, col(OrderRow.status).in_(("open", "reserved")))
    ).scalar_one()
    return int(amount)


def post_startup_need(
    engine: Engine,
    need: NeedSpec,
    business: str,
    *,
    actor: str,
    clock: UtcClock = system_clock,
    on_commit: OnCommit[str] | None = None,
) -> str:
    """Post a start-up capital need (one transaction, audited ``orders.posted``).

    Raises:
        StartupCapitalError: the policy does not allow it (nothing written).
    """

    def work(s: Session) -> str:
        lines = check_startup_need(s, need, business)
        if lines:
            raise StartupCapitalError(
                "the network policy does not allow this start-up capital need",
                "นโยบายเครือข่ายไม่อนุญาตคำขอทุนเริ่มต้นธุรกิจนี้",
                lines,
            )
        now = clock()
        insert_orders(s, [], [need], now)
        s.add(StartupNeedRow(order_id=need.id, business=business))
        s.flush()
        append_event(
            s, now, actor, "orders.posted", "order", "*",
            {"offers": [], "needs": [need.id], "amounts": {need.id: need.amount_satang},
             "startup": business},
        )  # fmt: skip
        return with_hook(s, need.id, on_commit)

    return in_write_transaction(engine, work)


__all__ = [
    "FundTerms",
    "StartupCapitalError",
    "check_startup_need",
    "fund_terms",
    "post_startup_need",
]
