"""Admin routes (ผู้ดูแลระบบ): list API keys (never their secrets), revoke a key, and check
the audit hash chain. Issuing keys stays on the CLI, so a token is never stored anywhere
(not even as a stored idempotent response)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy import select
from sqlmodel import Session, col

from api.db.audit_anchor import configured_anchor
from api.db.audit_verify import audit_check
from api.db.tables_http import ApiKeyRow
from api.db.tx import read_session
from api.http import schemas as sc
from api.http.deps import Admin, Ctx, TextId
from api.http.errors import not_found
from api.http.idempotency import Stored, in_one_transaction
from api.http.keys import revoke_in
from api.http.pagination import Cursor, Limit, decode, next_cursor
from api.http.routers.common import ADMIN_ONLY, READ_ERRORS, WRITE_ERRORS, Idem, respond
from api.http.strict import StrictJsonRoute
from api.services.clock import as_utc

router = APIRouter(prefix="/v1/admin", tags=["admin"], route_class=StrictJsonRoute)
ADMIN_READ = {**READ_ERRORS, **ADMIN_ONLY}
ADMIN_WRITE = {**WRITE_ERRORS, **ADMIN_ONLY}


def _public(row: ApiKeyRow) -> sc.ApiKeyPublic:
    return sc.ApiKeyPublic(
        id=row.id,
        role=row.role,
        principal=row.principal,
        coop_id=row.coop_id,
        label=row.label,
        created_at=as_utc(row.created_at),
        revoked_at=None if row.revoked_at is None else as_utc(row.revoked_at),
    )


@router.get("/keys", response_model=sc.Page[sc.ApiKeyPublic], responses=ADMIN_READ)
def list_keys(
    _who: Admin, ctx: Ctx, limit: Limit = 50, cursor: Cursor = None
) -> sc.Page[sc.ApiKeyPublic]:
    """Every API key by id, with its role and state; never the secret (คีย์ API ทั้งหมด)."""
    stmt = select(ApiKeyRow).order_by(col(ApiKeyRow.id))
    after = decode(cursor, str)
    if after is not None:
        stmt = stmt.where(col(ApiKeyRow.id) > after)
    with read_session(ctx.engine) as s:
        items = [_public(r) for r in s.execute(stmt.limit(limit + 1)).scalars()]
    page, nxt = next_cursor(items, limit, "id")
    return sc.Page[sc.ApiKeyPublic](items=page, next_cursor=nxt)


@router.post("/keys/{key_id}/revoke", response_model=sc.ApiKeyPublic, responses=ADMIN_WRITE)
def revoke(key_id: TextId, who: Admin, ctx: Ctx, idem: Idem) -> Response:
    """Revoke a key at once: its next request is a 401 (เพิกถอนคีย์). Twice is no change."""

    def work(session: Session, now: datetime) -> Stored:
        if session.get(ApiKeyRow, key_id) is None:
            raise not_found(f"api key {key_id!r}")
        revoke_in(session, key_id, who.principal, now)
        session.flush()
        row = session.get(ApiKeyRow, key_id)
        assert row is not None
        return Stored(200, _public(row).model_dump(mode="json"))

    return respond(in_one_transaction(ctx, who.principal, *idem, work))


@router.get("/audit/verify", response_model=sc.AuditCheckPublic, responses=ADMIN_READ)
def audit_verify(_who: Admin, ctx: Ctx) -> sc.AuditCheckPublic:
    """Recompute the audit hash chains, check every order, proposal and commitment against
    its event, and the anchor outside the database when one is configured
    (ตรวจสอบบันทึกการตรวจสอบ)."""
    anchor = configured_anchor(ctx.settings)
    with read_session(ctx.engine) as s:
        verdict = audit_check(s, anchor)
    return sc.AuditCheckPublic(
        ok=verdict.ok,
        checked=verdict.chains.checked,
        first_bad_id=verdict.chains.first_bad_id,
        reason=verdict.reason,
    )
