"""Coordinator routes of the background jobs: plan the season's funding, stress the ledger.

``POST …/jobs/funding`` and ``POST …/jobs/stress`` check the request (a 422 naming each
wrong field in Thai and English, nothing stored), store the job with its
``Idempotency-Key`` and an audit event, and answer 202 with the job; ``GET …/jobs/{id}``
polls it (``status``, ``progress``) and, once ``done``, returns the stored result (money as
decimal baht strings) with ``chart_url``; ``POST …/jobs/{id}/retry`` runs a failed job
again. A job belongs to its network: only the coordinators of that network (or of a network
above it) see it; any other job is a 404.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from api.db.tables_jobs import AnalysisJobRow
from api.http.context import AppContext
from api.http.deps import Coordinator, Ctx, Network, RowId
from api.http.errors import not_found
from api.http.idempotency import Stored, in_one_transaction
from api.http.keys import Principal
from api.http.pagination import Cursor, Limit, decode, next_cursor
from api.http.routers.common import READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute
from api.schemas.common import Identifier, StrictModel
from api.services.clock import as_utc
from api.services.jobs import store
from api.services.jobs.funding import check_funding
from api.services.jobs.stress import check_stress
from matcher.money import satang_to_decimal_string

router = APIRouter(
    prefix="/v1/networks/{network_id}/jobs", tags=["coordinator"], route_class=StrictJsonRoute
)
Whole = Annotated[int | None, Field(strict=True)]
Ids = Annotated[list[Identifier] | None, Field(max_length=50)]


class FundingJobCreate(StrictModel):
    """Plan the joint fund and standby credit lines on a packaged scenario (แผนเงินทุน):
    ``target_bps`` of season days served (default 9500), ``runs`` sampled seasons (1–1000,
    default 200), ``seed``, ``check_runs`` fresh seasons checked out of sample (0–200),
    ``days`` for a shorter season, ``sources`` and ``networks`` to limit the plan."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "scenario": "lamphun-2555.yaml",
                    "target_bps": 9500,
                    "runs": 4,
                    "days": 10,
                    "check_runs": 2,
                }
            ]
        },
    )
    scenario: Identifier
    target_bps: Whole = None
    runs: Whole = None
    seed: Whole = None
    check_runs: Whole = None
    days: Whole = None
    sources: Ids = None
    networks: Ids = None


class StressJobCreate(StrictModel):
    """Who falls if a coop stops paying (ทดสอบภาวะวิกฤต): on the network's own ledger
    (``ledger: database``) or a simulated ``day`` of a packaged ``scenario``; ``default``
    coops stop paying, each ``group`` loses ``price_fall_bps`` of its liquid funds."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"ledger": "database", "default": ["C2"]}]},
    )
    ledger: Literal["database", "scenario"] | None = None
    scenario: Identifier | None = None
    day: Whole = None
    seed: Whole = None
    default: Ids = None
    group: Ids = None
    price_fall_bps: Whole = None


class JobProgress(BaseModel):
    """Where a job is: its phase (``sample``, ``check``, ``ledger``, ``clearing``) and
    ``done`` of ``total`` steps."""

    phase: str
    done: int
    total: int


class JobPublic(BaseModel):
    """A funding plan or stress run: its request, state and (when done) its result."""

    model_config = ConfigDict(
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "network_id": "LPN",
                    "kind": "stress",
                    "status": "running",
                    "progress": {"phase": "clearing", "done": 1, "total": 2},
                    "attempts": 1,
                    "params": {"ledger": "database", "default": ["C2"]},
                    "result": None,
                    "error": None,
                    "chart_url": None,
                    "created_by": "lamphun-office",
                    "created_at": "2026-11-21T01:00:00Z",
                    "started_at": "2026-11-21T01:00:00Z",
                    "finished_at": None,
                }
            ]
        },
    )
    id: int
    network_id: str
    kind: str
    status: str
    progress: JobProgress
    attempts: int
    params: dict[str, Any]
    result: dict[str, Any] | None
    """Money as decimal baht strings (``*_satang`` fields renamed without the suffix)."""
    error: dict[str, str] | None
    chart_url: str | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobPage(BaseModel):
    """One page of jobs, newest first."""

    items: list[JobPublic]
    next_cursor: str | None


def money_strings(value: Any) -> Any:
    """Stored result → API: ``x_satang`` ints (or maps of ints) become ``x`` decimal strings.

    >>> money_strings({"cost_satang": 12345, "fund_satang": {"n": 100}, "runs": 3})
    {'cost': '123.45', 'fund': {'n': '1.00'}, 'runs': 3}
    """
    if isinstance(value, list):
        return [money_strings(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k.endswith("_satang") and isinstance(v, int):
            out[k.removesuffix("_satang")] = satang_to_decimal_string(v)
        elif k.endswith("_satang") and isinstance(v, dict):
            out[k.removesuffix("_satang")] = {
                n: satang_to_decimal_string(x) if isinstance(x, int) else x for n, x in v.items()
            }
        else:
            out[k] = money_strings(v)
    return out


def job_public(row: AnalysisJobRow, with_result: bool = True) -> JobPublic:
    """The job as the API shows it (a list leaves the results out: read each job)."""
    done = row.status == store.DONE and with_result
    return JobPublic(
        id=int(row.id or 0),
        network_id=row.network_id,
        kind=row.kind,
        status=row.status,
        progress=JobProgress(phase=row.phase, done=row.done_count, total=row.total_count),
        attempts=row.attempts,
        params=json.loads(row.params_json),
        result=money_strings(json.loads(row.result_json)) if done and row.result_json else None,
        error=json.loads(row.error_json) if row.error_json else None,
        chart_url=(
            f"/v1/networks/{row.network_id}/jobs/{row.id}/chart.png"
            if done and row.chart_png
            else None
        ),
        created_by=row.created_by,
        created_at=as_utc(row.created_at),
        started_at=as_utc(row.started_at) if row.started_at else None,
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
    )


def network_job(job_id: RowId, network_id: Network, ctx: Ctx) -> AnalysisJobRow:
    """A job of the network or a network below it (its stale heartbeat swept), or 404."""
    row = store.job_of_network(ctx.engine, network_id, job_id)
    if row is None:
        raise not_found(f"job {job_id}")
    if not ctx.jobs.fresh(row) and ctx.jobs.sweep(job_id):
        row = store.job_of_network(ctx.engine, network_id, job_id)
        assert row is not None
    return row


Job = Annotated[AnalysisJobRow, Depends(network_job)]
CREATED = {**WRITE_ERRORS, 202: {"model": JobPublic, "description": "The job, queued"}}


def _create(
    ctx: AppContext,
    who: Principal,
    idem: tuple[str, str],
    network_id: str,
    kind: str,
    params: dict[str, Any],
) -> Response:
    """Store the checked job with its key and audit event; submit it unless replayed."""

    def work(session: Session, now: datetime) -> Stored:
        row = store.create_job(
            session, network_id, kind, params, who.principal, now, ctx.jobs.runner_id
        )
        return Stored(202, job_public(row).model_dump(mode="json"))

    result = in_one_transaction(ctx, who.principal, *idem, work)
    if not result.replayed:
        ctx.jobs.submit(int(result.body["id"]))
    return respond(result)


@router.post("/funding", status_code=202, response_model=JobPublic, responses=CREATED)
def create_funding(
    body: FundingJobCreate, network_id: Network, who: Coordinator, ctx: Ctx, idem: Idem
) -> Response:
    """Start a funding plan in the background (วางแผนกองทุนร่วมและวงเงินสำรอง); poll
    ``GET …/jobs/{id}`` for its progress and result."""
    params = check_funding(body.model_dump())
    return _create(ctx, who, idem, network_id, "funding", params)


@router.post("/stress", status_code=202, response_model=JobPublic, responses=CREATED)
def create_stress(
    body: StressJobCreate, network_id: Network, who: Coordinator, ctx: Ctx, idem: Idem
) -> Response:
    """Start a stress run in the background (ทดสอบภาวะวิกฤต: Eisenberg–Noe clearing and
    DebtRank); poll ``GET …/jobs/{id}``."""
    params = check_stress(ctx.engine, network_id, body.model_dump())
    return _create(ctx, who, idem, network_id, "stress", params)


@router.get("", response_model=JobPage, responses=READ_ERRORS)
def list_jobs(network_id: Network, ctx: Ctx, limit: Limit = 20, cursor: Cursor = None) -> JobPage:
    """Jobs of the network and the networks below it, newest first, without their results
    (งานเบื้องหลัง)."""
    rows = store.jobs_of_network(ctx.engine, network_id, decode(cursor, int), limit)
    items, nxt = next_cursor([job_public(r, with_result=False) for r in rows], limit, "id")
    return JobPage(items=items, next_cursor=nxt)


@router.get("/{job_id:int}", response_model=JobPublic, responses=READ_ERRORS)
def get_job(job: Job) -> JobPublic:
    """A job's state and progress; once ``done``, its stored result (ผลของงาน)."""
    return job_public(job)


@router.get(
    "/{job_id:int}/chart.png",
    response_class=Response,
    responses={
        **READ_ERRORS,
        200: {
            "description": "The chart (PNG) / แผนภูมิ",
            "content": {
                "image/png": {
                    "schema": {"type": "string", "contentMediaType": "image/png"},
                    "example": "(PNG image bytes)",
                }
            },
        },
    },
)
def chart(job: Job) -> Response:
    """The chart of a finished job (PNG); 404 while it runs or when it has none."""
    if job.status != store.DONE or not job.chart_png:
        raise not_found(f"chart of job {job.id}")
    return Response(job.chart_png, media_type="image/png")


@router.post("/{job_id:int}/retry", status_code=202, response_model=JobPublic, responses=CREATED)
def retry(job: Job, who: Coordinator, ctx: Ctx, idem: Idem) -> Response:
    """Run a failed job again from the start (สั่งทำใหม่); 409 unless it failed."""

    def work(session: Session, now: datetime) -> Stored:
        row = store.retry(session, job, who.principal, now, ctx.jobs.runner_id)
        return Stored(202, job_public(row).model_dump(mode="json"))

    result = in_one_transaction(ctx, who.principal, *idem, work)
    if not result.replayed:
        ctx.jobs.submit(int(result.body["id"]))
    return respond(result)
