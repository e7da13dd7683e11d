"""Start-up capital routes (ทุนเริ่มต้นธุรกิจ): a member coop asks its network's joint fund
for long-term capital to start a business. The fund's start-up round (``POST
/v1/networks/{id}/rounds`` with ``"kind": "startup"``) proposes the loans; they are
answered like every loan proposal (``/v1/proposals/{id}/accept``). Every POST takes an
``Idempotency-Key``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.http import startup_schemas as ss
from api.http.deps import Ctx, Member
from api.http.idempotency import Stored, StoreHook, in_service_transaction
from api.http.routers.common import WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute
from api.services.order_ids import new_order_id
from api.services.orders import NeedSpec
from api.services.startup_capital import post_startup_need

router = APIRouter(
    prefix="/v1/startup-capital", tags=["start-up capital"], route_class=StrictJsonRoute
)


@router.post("/needs", status_code=201, response_model=ss.PostedStartupNeed, responses=WRITE_ERRORS)
def post_need(body: ss.StartupNeedCreate, who: Member, ctx: Ctx, idem: Idem) -> Response:
    """Ask the network's joint fund for start-up capital (ขอทุนเริ่มต้นธุรกิจ); refused, naming
    the field, when the network policy does not allow it."""
    need = NeedSpec(
        new_order_id("sun"),
        str(who.coop_id),
        body.amount,
        body.max_rate_bps,
        body.term_days,
        0,
        body.urgency,
        body.repayment,
        body.instalments,
    )
    out = Stored(
        201,
        ss.PostedStartupNeed(id=need.id, kind="liquidity_need", business=body.business).model_dump(
            mode="json"
        ),
    )

    def call(store: StoreHook) -> Stored:
        post_startup_need(
            ctx.engine,
            need,
            body.business,
            actor=who.principal,
            clock=ctx.clock,
            on_commit=lambda s, _id: store(s, out),
        )
        return out

    return respond(in_service_transaction(ctx, who.principal, *idem, call))
