"""Coordinator routes: run or preview the network's round, list rounds, read a round's
report and explanations, export it as CSV. A coordinator sees only their own network
(and the networks below it); any other network or round is a 404."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from api.db.audit_anchor import anchor_round
from api.db.tables import RoundRow
from api.http import reads
from api.http import row_views as rv
from api.http import schemas as sc
from api.http.deps import Coordinator, Ctx, Network, RowId, network_round
from api.http.errors import ApiError
from api.http.idempotency import Stored, StoreHook, in_service_transaction
from api.http.pagination import Cursor, Limit, decode, next_cursor
from api.http.routers.common import READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute, only_refuses
from api.services.clock import as_utc
from api.services.export import (
    EXPLANATION_HEADER,
    PROPOSAL_HEADER,
    SALE_HEADER,
    SETOFF_HEADER,
    SHADOW_HEADER,
    round_report,
)
from api.services.round.calendar import check_round_date
from api.services.round.declines import Declined, declines_of_network, forget_declined
from api.services.round.escalation import escalations
from api.services.round.kinds import KindOutcome, run_round_of_kind
from api.services.round.policy import PolicySpec, StoredPolicy, set_policy, show_policy
from api.services.round.service import RoundParams
from api.services.round.service import preview as preview_round
from api.services.sheets import plain_csv_bytes
from matcher.money import satang_to_decimal_string

router = APIRouter(
    prefix="/v1/networks/{network_id}", tags=["coordinator"], route_class=StrictJsonRoute
)
Round = Annotated[RoundRow, Depends(network_round)]
RUN_RESPONSES: dict[int | str, dict[str, Any]] = {
    **WRITE_ERRORS,
    200: {
        "model": sc.RoundPublic,
        "description": "The round for this date already existed and is returned (รอบของวันนี้มีอยู่แล้ว)",
    },
}


@router.post("/rounds", status_code=201, response_model=sc.RoundPublic, responses=RUN_RESPONSES)
def run(body: sc.RoundRun, network_id: Network, who: Coordinator, ctx: Ctx, idem: Idem) -> Response:
    """Run (or return) the network's combined daily round for a business date: set-off,
    loans, produce sales (รันรอบจับคู่), or with ``"kind": "purchase"`` its joint-purchase
    round. 201 for a new round, 200 when the round for the date already existed
    (``reused``)."""

    def call(store: StoreHook) -> Stored:
        out: list[Stored] = []
        check_round_date(
            body.business_date, ctx.clock(), ctx.settings.round_date_window_days, body.force
        )

        def hook(session: Session, outcome: KindOutcome) -> None:
            rnd = session.get(RoundRow, outcome.round_id)
            assert rnd is not None
            public = rv.round_public(rnd, outcome.reused)
            out.append(Stored(200 if outcome.reused else 201, public.model_dump(mode="json")))
            store(session, out[-1])

        run_round_of_kind(
            ctx.engine,
            body.kind,
            network_id=network_id,
            business_date=body.business_date,
            actor=who.principal,
            params=RoundParams(proposal_ttl_hours=ctx.settings.proposal_ttl_hours),
            new_version=body.new_version,
            retry_declined=body.retry_declined,
            clock=ctx.clock,
            retries=ctx.settings.round_retries,
            on_commit=hook,
        )
        if out[-1].status == 201:  # a new round: anchor the audit chains outside the database
            anchor_round(ctx.settings, ctx.engine, ctx.clock())
        return out[-1]

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


def _plain(value: Any) -> Any:
    """Matcher results as JSON: enums by value, ``*_satang`` ints as decimal strings."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k.endswith("_satang") and isinstance(v, int):
                out[k.removesuffix("_satang")] = satang_to_decimal_string(v)
            else:
                out[str(k)] = _plain(v)
        return out
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


@router.post(
    "/rounds/preview",
    responses={
        **READ_ERRORS,
        200: {"content": {"application/json": {"example": {"status": "optimal", "proposals": []}}}},
    },
)
def preview(body: sc.RoundRun, network_id: Network, ctx: Ctx) -> dict[str, Any]:
    """Solve the combined round on the current open orders without saving anything: loan
    proposals, ``sales``, ``setoffs`` and the ``summary`` (ดูผลล่วงหน้า).

    Changes nothing, so it needs no Idempotency-Key.
    """
    from matcher.round.combined import sales_of

    seen = preview_round(
        ctx.engine,
        network_id=network_id,
        business_date=body.business_date,
        params=RoundParams(proposal_ttl_hours=ctx.settings.proposal_ttl_hours),
        retry_declined=body.retry_declined,
    )
    snap, result = seen.snapshot, seen.result
    assert snap.round_problem is not None
    out: dict[str, Any] = _plain(result.liquidity)
    out.pop("timings", None)
    out["summary"] = _plain(result.summary)
    out["sales"] = _plain(sales_of(snap.round_problem.produce, result.produce))
    out["setoffs"] = _plain([n._asdict() for n in result.setoff.notices if n.set_off_satang > 0])
    out["notes"] = [*snap.notes, *result.liquidity.notes, *result.notes]
    out["input_hash"] = snap.input_hash
    out["report"] = seen.report
    return out


@router.get("/rounds/preview", include_in_schema=False)
@only_refuses
def preview_is_post(network_id: Network) -> None:
    """Keep ``GET …/rounds/preview`` off ``GET …/rounds/{round_id}``: a 405, preview is POST."""
    raise ApiError(405, "method_not_allowed", "preview is a POST", headers={"Allow": "POST"})


class PolicyPublic(BaseModel):
    """The policy a round of the network takes: stored at ``network_id`` (itself or an
    ancestor; null: defaults), ``version`` (0: defaults)."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "network_id": "LPN",
                    "version": 2,
                    "policy": {
                        "fairness": "maxmin",
                        "rate_rule": "posted",
                        "posted_rate_bps": 500,
                        "price_rule": "split",
                        "transport": {
                            "satang_per_unit_km": 1,
                            "road_factor_bps": 13000,
                            "reach_km": 300,
                            "truck_capacity_units": 0,
                            "truck_cost_satang": 0,
                        },
                        "proposal_ttl_business_days": 1,
                        "overdue_loans": "refuse",
                        "overdue_cap_satang": 0,
                        "product_transport": [
                            {
                                "product": "longan",
                                "satang_per_unit_km": 2,
                                "road_factor_bps": 13000,
                                "reach_km": 250,
                                "truck_capacity_units": 5000,
                                "truck_cost_satang": 150000,
                            }
                        ],
                        "joint_fund": None,
                        "processors": [
                            {
                                "id": "grading-1",
                                "coop_id": "C3",
                                "in_product": "longan",
                                "in_grade": "B",
                                "out_product": "longan",
                                "out_grade": "A",
                                "capacity_units": 2000,
                                "cost_satang_per_unit": 150,
                                "yield_bps": 9300,
                            }
                        ],
                    },
                }
            ]
        },
    )
    network_id: str | None
    version: int
    policy: PolicySpec


@router.get("/policy", response_model=PolicyPublic, responses=READ_ERRORS)
def get_policy(network_id: Network, ctx: Ctx) -> PolicyPublic:
    """The network's round policy (นโยบายเครือข่าย): fairness, rate and price rules, posted
    rate, transport and trucks (per product), proposal lifetime in business days, the joint
    fund and the processors."""
    stored = show_policy(ctx.engine, network_id)
    return PolicyPublic(network_id=stored.network_id, version=stored.version, policy=stored.spec)


@router.post("/policy", status_code=201, response_model=PolicyPublic, responses=WRITE_ERRORS)
def post_policy(
    body: PolicySpec, network_id: Network, who: Coordinator, ctx: Ctx, idem: Idem
) -> Response:
    """Store a new version of the network's policy (ตั้งนโยบายเครือข่าย); audited. Fields left
    out take their defaults; the next round of the network and of the networks below it that
    have none of their own takes it."""

    def call(store: StoreHook) -> Stored:
        def hook(session: Session, stored: StoredPolicy) -> None:
            public = PolicyPublic(
                network_id=stored.network_id, version=stored.version, policy=stored.spec
            )
            store(session, Stored(201, public.model_dump(mode="json")))

        stored = set_policy(
            ctx.engine,
            network_id,
            body.model_dump(mode="json"),
            actor=who.principal,
            clock=ctx.clock,
            on_commit=hook,
        )
        public = PolicyPublic(
            network_id=stored.network_id, version=stored.version, policy=stored.spec
        )
        return Stored(201, public.model_dump(mode="json"))

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.get("/declines", response_model=list[sc.DeclinePublic], responses=READ_ERRORS)
def declines(network_id: Network, ctx: Ctx) -> list[sc.DeclinePublic]:
    """Declined pairs between the orders of the network's subtree, newest first, with the
    reason given; the rounds do not propose them again (ข้อเสนอที่ถูกปฏิเสธ)."""
    return [_decline(d) for d in declines_of_network(ctx.engine, network_id)]


def _decline(d: Declined) -> sc.DeclinePublic:
    return sc.DeclinePublic(
        proposal_id=d.proposal_id,
        kind=d.kind,
        supply_order_id=d.supply_order_id,
        demand_order_id=d.demand_order_id,
        declined_by_coop_id=d.declined_by,
        reason=d.reason,
        declined_at=as_utc(d.declined_at),
        cleared_at=as_utc(d.cleared_at) if d.cleared_at else None,
    )


@router.post(
    "/declines/{proposal_id}/forget",
    response_model=sc.DeclinePublic,
    responses=WRITE_ERRORS,
)
def forget_decline(
    network_id: Network, proposal_id: RowId, who: Coordinator, ctx: Ctx, idem: Idem
) -> Response:
    """Ask for the pair declined in ``proposal_id`` to be proposed again (ขอให้เสนอคู่นี้ใหม่):
    the next round of the network may propose it; audited ``decline.forgotten``."""

    def call(store: StoreHook) -> Stored:
        def hook(session: Session, out: Declined) -> None:
            store(session, Stored(200, _decline(out).model_dump(mode="json")))

        out = forget_declined(
            ctx.engine, network_id, proposal_id, actor=who.principal, clock=ctx.clock,
            on_commit=hook,
        )  # fmt: skip
        return Stored(200, _decline(out).model_dump(mode="json"))

    return respond(in_service_transaction(ctx, who.principal, *idem, call))


@router.get("/escalations", response_model=list[sc.EscalationPublic], responses=READ_ERRORS)
def escalated(network_id: Network, ctx: Ctx) -> list[sc.EscalationPublic]:
    """What the latest rounds of the networks below left open and is still open: needs and
    purchase orders, how much, and why (งานที่ส่งต่อขึ้นมาจากเครือข่ายระดับล่าง). The
    network's next round takes them up (its snapshot is its whole subtree)."""
    out = []
    for e in escalations(ctx.engine, network_id):
        money = e.unit == "satang"
        out.append(
            sc.EscalationPublic(
                from_network_id=e.from_network_id,
                round_id=e.round_id,
                business_date=e.business_date,
                order_id=e.order_id,
                kind=e.kind,
                coop_id=e.coop_id,
                unit=e.unit,
                left_open=satang_to_decimal_string(e.left_open) if money else None,
                open_now=satang_to_decimal_string(e.open_now) if money else None,
                left_open_quantity=None if money else e.left_open,
                open_now_quantity=None if money else e.open_now,
                reasons=list(e.reasons),
                text_th=e.text("th"),
                text_en=e.text("en"),
            )
        )
    return out


@router.get("/rounds", response_model=sc.Page[sc.RoundPublic], responses=READ_ERRORS)
def list_rounds(
    network_id: Network, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None
) -> sc.Page[sc.RoundPublic]:
    """Rounds of the network and the networks below it (รอบที่รันแล้ว)."""
    rows = reads.rounds(ctx.engine, network_id, decode(cursor, int), limit)
    items, nxt = next_cursor(rows, limit, "round_id")
    return sc.Page[sc.RoundPublic](items=items, next_cursor=nxt)


@router.get("/rounds/{round_id}", response_model=sc.RoundReportPublic, responses=READ_ERRORS)
def report(rnd: Round, ctx: Ctx) -> sc.RoundReportPublic:
    """A round's report: summary, notes, loan proposals, sale proposals and set-offs, and
    from the report stored with the round: the rules it used, every order's explanation
    (offers, needs, stock lots, purchase orders, debts: outcome, amounts, reason codes and
    sentences in Thai and English, shadow values) and the shadow values where produce is
    scarce, each with its column header (รายงานรอบ) — what the preview showed."""
    rep = round_report(ctx.engine, int(rnd.id or 0), clock=ctx.clock)
    return sc.RoundReportPublic(
        round_id=rep.round_id,
        summary=rep.summary,
        notes=list(json.loads(rnd.notes_json)),
        header=PROPOSAL_HEADER,
        proposals=rep.proposals,
        sale_header=SALE_HEADER,
        sales=rep.sales,
        setoff_header=SETOFF_HEADER,
        setoffs=rep.setoffs,
        rules=[list(r) for r in rep.rules],
        explanation_header=EXPLANATION_HEADER,
        explanations=rep.explanations,
        shadow_header=SHADOW_HEADER,
        shadow_values=rep.shadow_values,
    )


@router.get(
    "/rounds/{round_id}/export.csv",
    response_class=Response,
    responses={
        **READ_ERRORS,
        200: {"content": {"text/csv": {"example": "proposal_id / เลขข้อเสนอ,status / สถานะ\r\n"}}},
    },
)
def export_csv(rnd: Round, ctx: Ctx) -> Response:
    """The round's proposals as CSV (UTF-8 with BOM, opens in Excel) (ส่งออก)."""
    rep = round_report(ctx.engine, int(rnd.id or 0), clock=ctx.clock)
    body = plain_csv_bytes(PROPOSAL_HEADER, rep.proposals)
    name = f"round-{rep.round_id}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
