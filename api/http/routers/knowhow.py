"""Know-how routes (การจับคู่ความรู้): a member coop posts what it teaches or wants to learn,
reads and answers the proposals it is the learner or the mentor of, and withdraws its own
open posting (its pending proposals are voided). The know-how round is run through
``POST /v1/networks/{id}/rounds`` with ``"kind": "knowhow"``. Another coop's proposal or
posting is a 404; every POST takes an ``Idempotency-Key``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import Session

from api.http import knowhow_schemas as ks
from api.http.deps import Ctx, Member, RowId, TextId
from api.http.errors import not_found
from api.http.idempotency import Stored, StoreHook, in_service_transaction
from api.http.routers.common import READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute
from api.services.errors import NotFoundError
from api.services.knowhow import (
    KnowhowView,
    WithdrawnPosting,
    accept_knowhow,
    decline_knowhow,
    knowhow_of_coop,
    knowhow_proposal_of_coop,
    post_learn,
    post_teach,
    withdraw_posting,
)
from api.services.posting_reads import (
    PostingView,
    knowhow_posting_of_coop,
    knowhow_postings_of_coop,
)

router = APIRouter(prefix="/v1/knowhow", tags=["know-how"], route_class=StrictJsonRoute)


def own_knowhow_proposal(knowhow_proposal_id: RowId, who: Member, ctx: Ctx) -> KnowhowView:
    """A know-how proposal the caller's coop is the learner or the mentor of, or 404."""
    try:
        return knowhow_proposal_of_coop(ctx.engine, knowhow_proposal_id, str(who.coop_id))
    except NotFoundError:
        raise not_found(f"know-how proposal {knowhow_proposal_id}") from None


Own = Annotated[KnowhowView, Depends(own_knowhow_proposal)]


def own_knowhow_posting(knowhow_posting_id: TextId, who: Member, ctx: Ctx) -> PostingView:
    """A teach offer or learn request of the caller's coop, or 404."""
    found = knowhow_posting_of_coop(ctx.engine, knowhow_posting_id, str(who.coop_id))
    if found is None:
        raise not_found(f"know-how posting {knowhow_posting_id!r}")
    return found


OwnPosting = Annotated[PostingView, Depends(own_knowhow_posting)]


def _public(v: KnowhowView, coop: str) -> ks.KnowhowProposalPublic:
    return ks.KnowhowProposalPublic(
        id=v.id, status=v.status, topic=v.topic, learner=v.learner, mentor=v.mentor,
        role="learner" if coop == v.learner else "mentor", distance_m=v.distance_m,
        expires_at=v.expires_at, accepted=list(v.accepted), changed=v.changed,
    )  # fmt: skip


@router.post("/teach", status_code=201, response_model=ks.PostedKnowhow, responses=WRITE_ERRORS)
def teach(body: ks.TeachCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Post a topic the caller's coop teaches (ลงสิ่งที่สอนได้)."""

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(s: Session, pid: str) -> None:
            out.append(Stored(201, {"id": pid}))
            store(s, out[-1])

        post_teach(ctx.engine, str(who.coop_id), body.topic, body.capacity,
                   lat_e5=body.lat_e5, lon_e5=body.lon_e5, actor=who.principal,
                   clock=ctx.clock, on_commit=hook)  # fmt: skip
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.post("/learn", status_code=201, response_model=ks.PostedKnowhow, responses=WRITE_ERRORS)
def learn(body: ks.LearnCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Post a topic the caller's coop wants to learn (ลงสิ่งที่ต้องการเรียนรู้)."""

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(s: Session, pid: str) -> None:
            out.append(Stored(201, {"id": pid}))
            store(s, out[-1])

        post_learn(ctx.engine, str(who.coop_id), body.topic,
                   max_distance_m=body.max_distance_m, lat_e5=body.lat_e5,
                   lon_e5=body.lon_e5, actor=who.principal, clock=ctx.clock,
                   on_commit=hook)  # fmt: skip
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.get("/proposals", response_model=list[ks.KnowhowProposalPublic], responses=READ_ERRORS)
def proposals(who: Member, ctx: Ctx) -> list[ks.KnowhowProposalPublic]:
    """The know-how proposals the caller's coop is the learner or the mentor of."""
    coop = str(who.coop_id)
    return [_public(v, coop) for v in knowhow_of_coop(ctx.engine, coop)]


@router.get(
    "/proposals/{knowhow_proposal_id}",
    response_model=ks.KnowhowProposalPublic,
    responses=READ_ERRORS,
)
def proposal(found: Own, who: Member) -> ks.KnowhowProposalPublic:
    """One know-how proposal of the caller's coop."""
    return _public(found, str(who.coop_id))


def _decide(
    service: Callable[..., KnowhowView], found: KnowhowView, who: Member, ctx: Ctx, idem: Idem
) -> Response:
    coop = str(who.coop_id)

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(s: Session, v: KnowhowView) -> None:
            out.append(Stored(200, _public(v, coop).model_dump(mode="json")))
            store(s, out[-1])

        service(ctx.engine, found.id, coop, clock=ctx.clock, on_commit=hook)
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.post(
    "/proposals/{knowhow_proposal_id}/accept",
    response_model=ks.KnowhowProposalPublic,
    responses=WRITE_ERRORS,
)
def accept(found: Own, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Accept the placement; it holds when the learner and the mentor both have (ตอบรับ)."""
    return _decide(accept_knowhow, found, who, ctx, idem)


@router.post(
    "/proposals/{knowhow_proposal_id}/decline",
    response_model=ks.KnowhowProposalPublic,
    responses=WRITE_ERRORS,
)
def decline(found: Own, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Decline the placement; the seat is free again (ปฏิเสธ)."""
    return _decide(decline_knowhow, found, who, ctx, idem)


@router.get("/postings", response_model=list[ks.KnowhowPostingPublic], responses=READ_ERRORS)
def postings(who: Member, ctx: Ctx) -> list[ks.KnowhowPostingPublic]:
    """The caller's coop's teach offers and learn requests, newest first."""
    return [
        ks.KnowhowPostingPublic(
            id=p.id, side=p.side, topic=p.topic, capacity=p.capacity,
            max_distance_m=p.max_distance_m, status=p.status, created_at=p.created_at,
        )
        for p in knowhow_postings_of_coop(ctx.engine, str(who.coop_id))
    ]  # fmt: skip


@router.post(
    "/postings/{knowhow_posting_id}/withdraw",
    response_model=ks.WithdrawnPostingPublic,
    responses=WRITE_ERRORS,
)
def withdraw(found: OwnPosting, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Withdraw the coop's open teach offer or learn request; its pending proposals are
    voided; a second call changes nothing (ถอนประกาศ)."""

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []

        def hook(s: Session, w: WithdrawnPosting) -> None:
            body = ks.WithdrawnPostingPublic(id=w.id, status=w.status, voided=list(w.voided),
                                             changed=w.changed)  # fmt: skip
            out.append(Stored(200, body.model_dump(mode="json")))
            store(s, out[-1])

        withdraw_posting(ctx.engine, found.id, str(who.coop_id), actor=who.principal,
                         clock=ctx.clock, on_commit=hook)  # fmt: skip
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))
