"""Member routes: the caller's coop profile, orders, proposals and commitments.

The caller's coop comes only from the API key; every object route goes through one
ownership dependency (:mod:`api.http.deps`), so another coop's object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.db.audit import coop_chain
from api.db.tables import (
    CommitmentRow,
    OrderRow,
    ProposalRow,
)
from api.http import reads
from api.http import schemas as sc
from api.http.context import AppContext
from api.http.deps import (
    Ctx,
    Member,
    authenticate,
    cancellable_order,
    ensure_not_revoked,
    get_ctx,
    member,
    own_commitment,
    own_order,
    own_proposal,
)
from api.http.errors import not_found
from api.http.idempotency import (
    Stored,
    StoreHook,
    in_one_transaction,
    in_service_transaction,
    request_key,
)
from api.http.keys import Principal
from api.http.order_post import post_money, takes_fast_path
from api.http.order_schemas import order_spec
from api.http.pagination import Cursor, Limit, decode, next_cursor
from api.http.routers.common import (
    READ_ERRORS,
    WRITE_ERRORS,
    Idem,
    IdempotencyHeader,
    respond,
)
from api.http.strict import PLAIN_TEXT, StrictJsonRoute
from api.services.member_orders import order_id, post_member_order
from api.services.order_amend import AmendOutcome, amend_own_order
from api.services.order_ids import new_order_id
from api.services.order_lifecycle import cancel_order
from api.services.proposals import accept_proposal, decline_proposal
from api.services.round.calendar import bangkok_date

router = APIRouter(prefix="/v1", tags=["member"], route_class=StrictJsonRoute)
Status = Annotated[
    str | None, Query(max_length=16, pattern=PLAIN_TEXT, description="only this status")
]


@router.get("/coops/me", response_model=sc.CoopPublic, responses=READ_ERRORS)
def my_coop(who: Member, ctx: Ctx) -> sc.CoopPublic:
    """The caller's own coop profile (ข้อมูลสหกรณ์ของฉัน)."""
    out = reads.coop_profile(ctx.engine, str(who.coop_id))
    if out is None:
        raise not_found("coop")
    return out


@dataclass(frozen=True)
class OrderPoster:
    """What ``POST /v1/orders`` needs: the app context, the member caller, and the
    idempotency key with the request hash."""

    ctx: AppContext
    who: Principal
    idem: tuple[str, str]


async def order_poster(request: Request, idempotency_key: IdempotencyHeader = None) -> OrderPoster:
    """:data:`Ctx`, :data:`Member` and :data:`Idem` as ONE dependency: FastAPI solves every
    dependency on every request, and this is the API's busiest route."""
    ctx = await get_ctx(request)
    who = await member(await authenticate(request, ctx))
    return OrderPoster(ctx, who, await request_key(request, who.principal))


@router.post("/orders", status_code=201, response_model=sc.OrderPublic, responses=WRITE_ERRORS)
async def create_order(
    request: Request, body: sc.OrderCreate, poster: Annotated[OrderPoster, Depends(order_poster)]
) -> Response:
    """Post an order of the caller's coop: a liquidity offer or need, a stock lot, a purchase
    order or an obligation (ลงประกาศเสนอ/ต้องการเงินทุน สินค้า หรือหนี้)."""
    ctx, who, idem = poster.ctx, poster.who, poster.idem
    coop = str(who.coop_id)
    chain = coop_chain(coop)
    spec = order_spec(body, new_order_id(), coop)
    if takes_fast_path(ctx, spec):
        deferred = bool(request.state.revocation_deferred)
        return respond(await post_money(ctx, who, idem, spec, chain, check_revocation=deferred))
    await ensure_not_revoked(request, ctx, who)

    def work(session: Session, now: datetime) -> Stored:
        post_member_order(session, spec, now, who.principal, chain)
        view = reads.posted_view(session, spec, order_id(spec), now)
        return Stored(201, view.model_dump(mode="json"))

    stored = await run_in_threadpool(
        in_one_transaction, ctx, who.principal, *idem, work, chain=chain
    )
    return respond(stored)


@router.get("/orders", response_model=sc.Page[sc.OrderPublic], responses=READ_ERRORS)
def list_orders(
    who: Member, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None, status: Status = None
) -> sc.Page[sc.OrderPublic]:
    """The caller's orders, oldest id first (คำสั่งของฉัน)."""
    rows = reads.orders(ctx.engine, str(who.coop_id), decode(cursor, str), limit, status)
    items, nxt = next_cursor(rows, limit, "id")
    return sc.Page[sc.OrderPublic](items=items, next_cursor=nxt)


@router.get("/orders/{order_id}", response_model=sc.OrderPublic, responses=READ_ERRORS)
def get_order(
    order: Annotated[OrderRow, Depends(own_order)], who: Member, ctx: Ctx
) -> sc.OrderPublic:
    """One of the caller's orders."""
    return reads.order(ctx.engine, order.id, str(who.coop_id))


@router.post("/orders/{order_id}/cancel", response_model=sc.OrderPublic, responses=WRITE_ERRORS)
def cancel(
    order: Annotated[OrderRow, Depends(cancellable_order)], who: Member, ctx: Ctx, idem: Idem
) -> Response:
    """Cancel the rest of an order; its pending proposals are voided (ยกเลิกคำสั่ง).

    An obligation is the creditor's claim: only its creditor may cancel (waive) it, and
    only a hand-posted one; the debtor, or a debt from a loan or a committed sale, gets 409
    (ลูกหนี้ยกเลิกหนี้ไม่ได้ เจ้าหนี้เท่านั้นที่ยกเลิกได้)."""

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(session: Session, _changed: bool) -> None:
            out.append(Stored(200, reads.order_view(session, order.id).model_dump(mode="json")))
            store(session, out[-1])

        cancel_order(
            ctx.engine,
            order.id,
            str(who.coop_id),
            actor=who.principal,
            clock=ctx.clock,
            on_commit=hook,
        )
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.post("/orders/{order_id}/amend", response_model=sc.OrderPublic, responses=WRITE_ERRORS)
def amend(
    order: Annotated[OrderRow, Depends(own_order)],
    body: sc.OrderCreate,
    who: Member,
    ctx: Ctx,
    idem: Idem,
) -> Response:
    """Amend an open order of the caller's coop: the body is the whole order as it should
    now read, of the same ``kind`` (แก้ไขคำสั่ง). A new version of the order, audited; its
    pending proposals are voided and their reservations freed, and pairs declined with it
    may be proposed again. The same content again changes nothing. A filled, cancelled,
    expired or partly committed order, or a debt, is a 409 naming the field."""
    coop = str(who.coop_id)
    spec = order_spec(body, order.id, coop)

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(session: Session, _outcome: AmendOutcome) -> None:
            out.append(Stored(200, reads.order_view(session, order.id).model_dump(mode="json")))
            store(session, out[-1])

        amend_own_order(
            ctx.engine,
            spec,
            actor=who.principal,
            chain=coop_chain(coop),
            clock=ctx.clock,
            on_commit=hook,
        )
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.get("/proposals", response_model=sc.Page[sc.ProposalPublic], responses=READ_ERRORS)
def list_proposals(
    who: Member, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None, status: Status = None
) -> sc.Page[sc.ProposalPublic]:
    """Proposals the caller's coop is a party to (ข้อเสนอจับคู่ของฉัน)."""
    rows = reads.proposals(ctx.engine, str(who.coop_id), decode(cursor, int), limit, status)
    items, nxt = next_cursor(rows, limit, "id")
    return sc.Page[sc.ProposalPublic](items=items, next_cursor=nxt)


@router.get("/proposals/{proposal_id}", response_model=sc.ProposalPublic, responses=READ_ERRORS)
def get_proposal(
    p: Annotated[ProposalRow, Depends(own_proposal)], who: Member, ctx: Ctx
) -> sc.ProposalPublic:
    """One proposal, seen from the caller's side."""
    return reads.proposal(ctx.engine, int(p.id or 0), str(who.coop_id))


def _decision(view: object, accepted_by_me: bool) -> dict[str, object]:
    v = view
    return sc.ProposalDecision(
        id=v.id,  # type: ignore[attr-defined]
        status=v.status,  # type: ignore[attr-defined]
        accepted_by_me=accepted_by_me,
        commitment_id=v.commitment_id,  # type: ignore[attr-defined]
        changed=v.changed,  # type: ignore[attr-defined]
    ).model_dump(mode="json")


@router.post(
    "/proposals/{proposal_id}/accept", response_model=sc.ProposalDecision, responses=WRITE_ERRORS
)
def accept(
    p: Annotated[ProposalRow, Depends(own_proposal)], who: Member, ctx: Ctx, idem: Idem
) -> Response:
    """Accept a proposal; it commits when both sides have accepted (ตอบรับข้อเสนอ)."""
    return _decide(accept_proposal, p, who, ctx, idem)


@router.post(
    "/proposals/{proposal_id}/decline", response_model=sc.ProposalDecision, responses=WRITE_ERRORS
)
def decline(
    p: Annotated[ProposalRow, Depends(own_proposal)],
    who: Member,
    ctx: Ctx,
    idem: Idem,
    body: sc.ProposalDecline | None = None,
) -> Response:
    """Decline a pending proposal; both reservations are freed (ปฏิเสธข้อเสนอ). An optional
    ``reason`` is kept for the coordinator; the pair is not proposed again while neither
    order changed."""
    reason = body.reason if body is not None else None
    return _decide(partial(decline_proposal, reason=reason), p, who, ctx, idem)


def _decide(
    service: Callable[..., Any],
    p: ProposalRow,
    who: Principal,
    ctx: AppContext,
    idem: tuple[str, str],
) -> Response:
    """Run accept or decline for the caller's side, idempotently, and report its decision."""

    def call(store: StoreHook) -> Stored:
        pid, coop = int(p.id or 0), str(who.coop_id)

        def answer(view: Any) -> Stored:
            mine = view.supply_accepted if coop == p.supply_coop_id else view.demand_accepted
            return Stored(200, _decision(view, mine))

        def hook(session: Session, view: Any) -> None:
            store(session, answer(view))

        view = service(ctx.engine, pid, coop, actor=who.principal, clock=ctx.clock, on_commit=hook)
        return answer(view)

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.get("/commitments", response_model=sc.Page[sc.CommitmentPublic], responses=READ_ERRORS)
def list_commitments(
    who: Member, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None
) -> sc.Page[sc.CommitmentPublic]:
    """The caller's committed loans with their repayment schedules (สัญญาของฉัน)."""
    day = bangkok_date(ctx.clock())
    rows = reads.commitments(ctx.engine, str(who.coop_id), decode(cursor, int), limit, day)
    items, nxt = next_cursor(rows, limit, "id")
    return sc.Page[sc.CommitmentPublic](items=items, next_cursor=nxt)


@router.get(
    "/commitments/{commitment_id}", response_model=sc.CommitmentPublic, responses=READ_ERRORS
)
def get_commitment(
    c: Annotated[CommitmentRow, Depends(own_commitment)], who: Member, ctx: Ctx
) -> sc.CommitmentPublic:
    """One committed loan and its repayment schedule (ตารางชำระคืน), each due instalment
    with its debt, what is open and its days past due today (Asia/Bangkok)."""
    day = bangkok_date(ctx.clock())
    return reads.commitment(ctx.engine, int(c.id or 0), str(who.coop_id), day)
