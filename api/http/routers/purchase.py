"""Joint-purchase routes (การจัดซื้อร่วม): members post input needs and supplier offers,
read and answer their group orders; coordinators run the network's purchase round and
read its group orders.

A group order is visible only to its buyers and its supplier (one ownership dependency,
:func:`own_group_order`); another coop's group order, like another network, is a 404.
Every POST takes an ``Idempotency-Key``; the response is stored with the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import Session

from api.http import purchase_schemas as ps
from api.http.context import AppContext
from api.http.deps import Coordinator, Ctx, Member, Network, RowId
from api.http.errors import not_found
from api.http.idempotency import Stored, StoreHook, in_service_transaction
from api.http.keys import Principal
from api.http.routers.common import READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute
from api.services.errors import NotFoundError
from api.services.group_orders import JointOrderView, accept_joint_order, decline_joint_order
from api.services.order_ids import new_order_id
from api.services.purchase_orders import INPUT_NEED, SUPPLIER_OFFER, post_purchase_orders
from api.services.purchase_reads import (
    GroupOrderView,
    group_order_of_coop,
    group_orders_of_coop,
    group_orders_of_network,
)
from api.services.purchase_round import PurchaseRoundOutcome, run_purchase_round
from api.services.round.calendar import bangkok_date, check_round_date
from matcher.purchase.model import PurchaseNeed, SupplierOffer

router = APIRouter(prefix="/v1/purchase", tags=["joint purchase"], route_class=StrictJsonRoute)
network_router = APIRouter(
    prefix="/v1/networks/{network_id}", tags=["coordinator"], route_class=StrictJsonRoute
)


def own_group_order(joint_order_id: RowId, who: Member, ctx: Ctx) -> GroupOrderView:
    """A group order the caller's coop is in (buyer or supplier), or 404."""
    try:
        return group_order_of_coop(ctx.engine, joint_order_id, str(who.coop_id))
    except NotFoundError:
        raise not_found(f"group order {joint_order_id}") from None


GroupOrder = Annotated[GroupOrderView, Depends(own_group_order)]


def _post(
    ctx: AppContext,
    who: Principal,
    idem: tuple[str, str],
    unit: str,
    item: PurchaseNeed | SupplierOffer,
) -> Response:
    """Store one need or offer of the caller's coop; 201 with its id."""
    is_need = isinstance(item, PurchaseNeed)
    kind = INPUT_NEED if is_need else SUPPLIER_OFFER
    out = Stored(201, ps.PostedPurchaseOrder(id=item.id, kind=kind).model_dump(mode="json"))

    def call(store: StoreHook) -> Stored:
        post_purchase_orders(
            ctx.engine,
            [item] if isinstance(item, PurchaseNeed) else [],
            [item] if isinstance(item, SupplierOffer) else [],
            units={item.product: unit},
            business_date=bangkok_date(ctx.clock()),
            actor=who.principal,
            clock=ctx.clock,
            on_commit=lambda s, _ids: store(s, out),
        )
        return out

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.post(
    "/needs", status_code=201, response_model=ps.PostedPurchaseOrder, responses=WRITE_ERRORS
)
def post_need(body: ps.InputNeedCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Post a need for an input to be bought jointly (ลงความต้องการซื้อร่วม)."""
    need = ps.need_of(body, new_order_id("inp"), str(who.coop_id))
    return _post(ctx, who, idem, body.unit, need)


@router.post(
    "/offers", status_code=201, response_model=ps.PostedPurchaseOrder, responses=WRITE_ERRORS
)
def post_offer(body: ps.SupplierOfferCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Post a supplier's offer with its volume price schedule (ลงข้อเสนอขายตามขั้นปริมาณ)."""
    offer = ps.offer_of(body, new_order_id("sup"), str(who.coop_id))
    return _post(ctx, who, idem, body.unit, offer)


def _public(v: GroupOrderView) -> ps.GroupOrderPublic:
    return ps.GroupOrderPublic(
        id=v.id,
        round_id=v.round_id,
        status=v.status,
        role=v.role,
        offer_order_id=v.offer_order_id,
        supplier_coop_id=v.supplier_coop_id,
        product=v.product,
        volume=v.volume,
        tier=v.tier,
        unit_price=v.unit_price_satang,
        goods=v.goods_satang,
        delivery=v.delivery_satang,
        saving=v.saving_satang,
        alone_saving=v.alone_saving_satang,
        delivery_date=v.delivery_date,
        commit_by=v.commit_by,
        members=v.members,
        members_accepted=v.members_accepted,
        supplier_accepted=v.supplier_accepted,
        lines=[
            ps.GroupLinePublic(
                need_order_id=line.need_order_id,
                coop_id=line.coop_id,
                quantity=line.quantity,
                delivery=line.delivery_satang,
                pays=line.pays_satang,
                saving=line.saving_satang,
                alone_saving=line.alone_saving_satang,
                accepted=line.accepted,
                obligation_order_id=line.obligation_order_id,
            )
            for line in v.lines
        ],
    )


@router.get("/group-orders", response_model=list[ps.GroupOrderPublic], responses=READ_ERRORS)
def list_group_orders(who: Member, ctx: Ctx) -> list[ps.GroupOrderPublic]:
    """Group orders the caller's coop is in, as a buyer or the supplier (คำสั่งซื้อร่วมของฉัน)."""
    return [_public(v) for v in group_orders_of_coop(ctx.engine, str(who.coop_id))]


@router.get(
    "/group-orders/{joint_order_id}", response_model=ps.GroupOrderPublic, responses=READ_ERRORS
)
def get_group_order(order: GroupOrder) -> ps.GroupOrderPublic:
    """One group order the caller's coop is in."""
    return _public(order)


def _decide(
    service: Callable[..., JointOrderView],
    order: GroupOrderView,
    who: Principal,
    ctx: AppContext,
    idem: tuple[str, str],
) -> Response:
    coop = str(who.coop_id)

    def answer(v: JointOrderView) -> Stored:
        body = ps.GroupOrderDecision(
            id=v.id,
            status=v.status,
            accepted_by_me=coop in v.accepted,
            obligation_ids=[oid for debtor, oid in v.obligations if debtor == coop],
            changed=v.changed,
        )
        return Stored(200, body.model_dump(mode="json"))

    def call(store: StoreHook) -> Stored:
        def hook(session: Session, view: JointOrderView) -> None:
            store(session, answer(view))

        return answer(service(ctx.engine, order.id, coop, clock=ctx.clock, on_commit=hook))

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.post(
    "/group-orders/{joint_order_id}/accept",
    response_model=ps.GroupOrderDecision,
    responses=WRITE_ERRORS,
)
def accept(order: GroupOrder, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Commit to the group order; it is placed when every member and the supplier have
    (ยืนยันคำสั่งซื้อร่วม)."""
    return _decide(accept_joint_order, order, who, ctx, idem)


@router.post(
    "/group-orders/{joint_order_id}/decline",
    response_model=ps.GroupOrderDecision,
    responses=WRITE_ERRORS,
)
def decline(order: GroupOrder, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Decline the group order; it ends for the whole group (ปฏิเสธคำสั่งซื้อร่วม)."""
    return _decide(decline_joint_order, order, who, ctx, idem)


RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    200: {
        "model": ps.PurchaseRoundPublic,
        "description": "The round for this date already existed and is returned (รอบของวันนี้มีอยู่แล้ว)",
    },
}


@network_router.post(
    "/purchase-rounds",
    status_code=201,
    response_model=ps.PurchaseRoundPublic,
    responses=RUN_RESPONSES,
)
def run(
    body: ps.PurchaseRoundRun, network_id: Network, who: Coordinator, ctx: Ctx, idem: Idem
) -> Response:
    """Run (or return) the network's joint-purchase round for a business date
    (รันรอบจัดซื้อร่วม). 201 for a new round, 200 when it already existed."""

    def answer(o: PurchaseRoundOutcome) -> Stored:
        public = ps.PurchaseRoundPublic(
            round_id=o.round_id,
            version=o.version,
            reused=o.reused,
            solve_status=o.solve_status,
            saving=o.saving_satang,
            alone_saving=o.alone_saving_satang,
            joint_order_ids=list(o.joint_order_ids),
            expired=o.expired,
            voided=o.voided,
        )
        return Stored(200 if o.reused else 201, public.model_dump(mode="json"))

    def call(store: StoreHook) -> Stored:
        check_round_date(
            body.business_date, ctx.clock(), ctx.settings.round_date_window_days, False
        )
        outcome = run_purchase_round(
            ctx.engine,
            network_id=network_id,
            business_date=body.business_date,
            actor=who.principal,
            new_version=body.new_version,
            clock=ctx.clock,
            on_commit=lambda s, o: store(s, answer(o)),
        )
        return answer(outcome)

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@network_router.get(
    "/group-orders", response_model=list[ps.GroupOrderPublic], responses=READ_ERRORS
)
def network_group_orders(network_id: Network, ctx: Ctx) -> list[ps.GroupOrderPublic]:
    """Every group order of the network and the networks below it."""
    return [_public(v) for v in group_orders_of_network(ctx.engine, network_id)]
