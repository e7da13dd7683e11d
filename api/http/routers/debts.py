"""Debts outside rounds: cash payments (members and coordinators) and overdue debts.

A member records a payment of a debt it owes or is owed (its own; any other is a 404) and
lists its overdue debts; a coordinator does both for the debts of its network's subtree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import ConfigDict
from sqlmodel import Session

from api.db import repo
from api.db.tables import OrderRow
from api.db.tx import read_session
from api.http.deps import Coordinator, Ctx, Member, Network, TextId
from api.http.idempotency import Stored, StoreHook, in_service_transaction
from api.http.order_schemas import BusinessDate, OrderAmount
from api.http.routers.common import READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.sale_views import MoneyOut
from api.http.schemas import Public
from api.http.strict import StrictJsonRoute
from api.schemas.common import StrictModel
from api.services.errors import NotFoundError
from api.services.payments import OverdueDebt, PaymentOutcome, overdue_debts, record_payment
from api.services.round.calendar import bangkok_date

router = APIRouter(prefix="/v1", tags=["debts"], route_class=StrictJsonRoute)


class PaymentCreate(StrictModel):
    """A cash payment of a debt (ชำระหนี้เป็นเงินสด): ``amount`` baht paid on ``paid_on``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"amount": "150000.00", "paid_on": "2026-11-21"}]},
    )
    amount: OrderAmount
    paid_on: BusinessDate


class PaymentPublic(Public):
    """A recorded payment and what is left of the debt."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "payment_id": 1,
                    "obligation_id": "OBL-12",
                    "amount": "150000.00",
                    "paid_on": "2026-12-21",
                    "open": "2539.04",
                    "status": "open",
                }
            ]
        },
    )
    payment_id: int
    obligation_id: str
    amount: MoneyOut
    paid_on: date
    open: MoneyOut
    status: str


class OverduePublic(Public):
    """A debt past its due date with part of it open (หนี้ค้างชำระเกินกำหนด)."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "obligation_id": "OBL-13",
                    "debtor_coop_id": "C4",
                    "creditor_coop_id": "C1",
                    "due_date": "2027-01-20",
                    "open": "127739.73",
                    "days_past_due": 5,
                    "source": "instalment",
                }
            ]
        },
    )
    obligation_id: str
    debtor_coop_id: str
    creditor_coop_id: str
    due_date: date
    open: MoneyOut
    days_past_due: int
    source: str


def _payment(p: PaymentOutcome) -> PaymentPublic:
    return PaymentPublic(
        payment_id=p.payment_id,
        obligation_id=p.obligation_id,
        amount=p.amount_satang,
        paid_on=p.paid_on,
        open=p.open_satang,
        status=p.status,
    )


def _overdue(d: OverdueDebt) -> OverduePublic:
    return OverduePublic(
        obligation_id=d.obligation_id,
        debtor_coop_id=d.debtor,
        creditor_coop_id=d.creditor,
        due_date=d.due_date,
        open=d.open_satang,
        days_past_due=d.days_past_due,
        source=d.source,
    )


def _pay(
    ctx: Ctx, actor: str, order_id: str, body: PaymentCreate, coop: str | None, idem: Idem
) -> Response:
    def call(store: StoreHook) -> Stored:
        def hook(session: Session, out: PaymentOutcome) -> None:
            store(session, Stored(201, _payment(out).model_dump(mode="json")))

        out = record_payment(
            ctx.engine, order_id, body.amount, body.paid_on,
            actor=actor, coop_id=coop, clock=ctx.clock, on_commit=hook,
        )  # fmt: skip
        return Stored(201, _payment(out).model_dump(mode="json"))

    return respond(in_service_transaction(ctx, actor, *idem, call))


@router.post(
    "/debts/{order_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    responses=WRITE_ERRORS,
)
def pay_own(order_id: TextId, body: PaymentCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Record a cash payment of a debt the caller's coop owes or is owed (ชำระหนี้): an
    instalment that fell due, a sale bought on credit, or a posted debt; full or partial."""
    return _pay(ctx, who.principal, order_id, body, str(who.coop_id), idem)


@router.get("/debts/overdue", response_model=list[OverduePublic], responses=READ_ERRORS)
def my_overdue(
    who: Member, ctx: Ctx, as_of: Annotated[BusinessDate | None, Query()] = None
) -> list[OverduePublic]:
    """Debts owed by or to the caller's coop that are past due on ``as_of`` (default: today
    in Bangkok), most days past due first."""
    day = as_of or bangkok_date(ctx.clock())
    return [_overdue(d) for d in overdue_debts(ctx.engine, day, coop_id=str(who.coop_id))]


@router.post(
    "/networks/{network_id}/debts/{order_id}/payments",
    status_code=201,
    response_model=PaymentPublic,
    responses=WRITE_ERRORS,
    tags=["coordinator"],
)
def pay_in_network(
    network_id: Network,
    order_id: TextId,
    body: PaymentCreate,
    who: Coordinator,
    ctx: Ctx,
    idem: Idem,
) -> Response:
    """Record a cash payment of a debt owed by a coop of the network (ชำระหนี้)."""
    with read_session(ctx.engine) as s:
        order = s.get(OrderRow, order_id)
        coops = {c.id for c in repo.coops_of(s, [n.id for n in repo.subtree(s, network_id)])}
    if order is None or order.coop_id not in coops:
        raise NotFoundError(f"debt {order_id!r} does not exist", f"ไม่พบหนี้ {order_id}")
    return _pay(ctx, who.principal, order_id, body, None, idem)


@router.get(
    "/networks/{network_id}/overdue",
    response_model=list[OverduePublic],
    responses=READ_ERRORS,
    tags=["coordinator"],
)
def network_overdue(
    network_id: Network, ctx: Ctx, as_of: Annotated[BusinessDate | None, Query()] = None
) -> list[OverduePublic]:
    """Debts of the network's coops past due on ``as_of`` (default: today in Bangkok), with
    days past due (หนี้ค้างชำระเกินกำหนด)."""
    day = as_of or bangkok_date(ctx.clock())
    return [_overdue(d) for d in overdue_debts(ctx.engine, day, network_id=network_id)]
