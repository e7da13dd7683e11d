"""The joint fund's account and the policy's checks against the stored network.

A network's joint fund (:class:`~api.services.round.policy_fields.JointFundPolicy`) is kept
as an account the ledger already knows: a coop of kind ``joint_fund``, member of the fund's
network, with one liquidity offer of the same id whose amount is the fund's balance. Its
loans are then proposed, reserved, accepted and repaid as any offer's are; the round hands
the offer to the engine as its :class:`~matcher.liquidity.model.JointFund` (lender of last
resort at the national tier, :func:`fund_of`). Setting a new balance changes the offer's
amount (a new order version), never below what the fund has already lent or reserved.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from api.db import repo
from api.db.tables import CoopRow, LiquidityOfferRow, MembershipRow, NetworkRow, OrderRow
from api.services.snapshot import FUND_KIND
from matcher.domain import NetworkLevel

if TYPE_CHECKING:
    from api.services.round.policy import PolicySpec
    from api.services.round.policy_fields import JointFundPolicy


def network_lines(session: Session, network_id: str, spec: PolicySpec) -> list[str]:
    """What the stored network refuses in ``spec`` (Thai and English, naming the field):
    unknown products and grades, processors at coops outside the network, a joint fund
    away from a national root or on another coop's id."""
    products = {p.id: p for p in repo.products(session)}
    lines = []
    for i, t in enumerate(spec.product_transport):
        if t.product not in products:
            lines.append(
                f"product_transport[{i}].product: unknown product {t.product!r} (ไม่พบสินค้า)"
            )
    inside = {
        c.id for c in repo.coops_of(session, [n.id for n in repo.subtree(session, network_id)])
    }
    for i, p in enumerate(spec.processors):
        w = f"processors[{i}]"
        if p.coop_id not in inside:
            lines.append(
                f"{w}.coop_id: {p.coop_id!r} is not a coop of this network (ไม่ใช่สหกรณ์ในเครือข่าย)"
            )
        for side in ("in", "out"):
            prod, grade = getattr(p, f"{side}_product"), getattr(p, f"{side}_grade")
            if prod not in products:
                lines.append(f"{w}.{side}_product: unknown product {prod!r} (ไม่พบสินค้า)")
            elif grade not in products[prod].grades:
                lines.append(f"{w}.{side}_grade: {prod!r} has no grade {grade!r} (ไม่มีเกรดนี้)")
    if spec.joint_fund is not None:
        lines += _fund_lines(session, network_id, spec.joint_fund)
    return lines


def _fund_lines(session: Session, network_id: str, fund: JointFundPolicy) -> list[str]:
    net = session.get(NetworkRow, network_id)
    out = []
    if net is None or net.parent_id is not None or net.level != NetworkLevel.NATIONAL:
        out.append(
            "joint_fund: a joint fund sits at a national root network only "
            "(กองทุนร่วมอยู่ได้เฉพาะเครือข่ายระดับชาติ)"
        )
    coop = session.get(CoopRow, fund.account_id)
    if coop is not None and (coop.kind != FUND_KIND or _network_of(session, coop.id) != network_id):
        out.append(
            f"joint_fund.account_id: {fund.account_id!r} is already a coop (รหัสนี้เป็นสหกรณ์อยู่แล้ว)"
        )
    order = session.get(OrderRow, fund.account_id)
    if order is not None and coop is not None and coop.kind == FUND_KIND:
        engaged = order.reserved + order.committed
        if fund.balance_satang < engaged:
            out.append(
                f"joint_fund.balance_satang: below what the fund has lent or reserved "
                f"({engaged} satang) (ยอดกองทุนต่ำกว่าที่ให้กู้หรือจองไว้แล้ว)"
            )
    elif order is not None:
        out.append(
            f"joint_fund.account_id: {fund.account_id!r} is already an order id (รหัสนี้เป็นคำสั่งอยู่แล้ว)"
        )
    return out


def _network_of(session: Session, coop_id: str) -> str | None:
    return session.execute(
        select(col(MembershipRow.network_id)).where(col(MembershipRow.coop_id) == coop_id)
    ).scalar_one_or_none()


def ensure_fund_account(
    session: Session, network_id: str, fund: JointFundPolicy, now: datetime
) -> None:
    """Create the fund's account and offer, or set the offer to the new balance and rate
    (the caller has checked :func:`network_lines`)."""
    if session.get(CoopRow, fund.account_id) is None:
        session.add(
            CoopRow(
                id=fund.account_id,
                name_th=f"กองทุนร่วม {network_id}",
                name_en=f"Joint fund of {network_id}",
                kind=FUND_KIND,
                may_lend=True,
                may_borrow=False,
                created_at=now,
            )
        )
        session.flush()
        session.add(MembershipRow(coop_id=fund.account_id, network_id=network_id, since=now))
    order = session.get(OrderRow, fund.account_id)
    if order is None:
        session.add(
            OrderRow(
                id=fund.account_id,
                kind="liquidity_offer",
                coop_id=fund.account_id,
                unit="satang",
                amount=fund.balance_satang,
                status="open",
                valid_until=None,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(
            LiquidityOfferRow(
                order_id=fund.account_id,
                min_rate_bps=fund.rate_bps,
                max_term_days=fund.max_term_days,
            )
        )
        session.flush()
        return
    offer = session.get(LiquidityOfferRow, fund.account_id)
    assert offer is not None
    if (order.amount, offer.min_rate_bps, offer.max_term_days) == (
        fund.balance_satang,
        fund.rate_bps,
        fund.max_term_days,
    ):
        return
    order.amount, order.version, order.updated_at = fund.balance_satang, order.version + 1, now
    if order.status not in ("cancelled", "expired"):
        free = order.amount - order.reserved - order.committed
        order.status = "reserved" if order.reserved else ("open" if free > 0 else "filled")
    offer.min_rate_bps, offer.max_term_days = fund.rate_bps, fund.max_term_days
    session.add(order)
    session.add(offer)
    session.flush()


__all__ = ["FUND_KIND", "ensure_fund_account", "network_lines"]
