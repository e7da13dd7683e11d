"""Web pages: login and logout, Today (the network tree with open orders and totals per
tier) and Follow-up (proposals by status, the commitments ledger, set-off notices), with
their Excel and CSV downloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.db.tables_http import ApiKeyRow
from api.db.tx import read_session
from api.http.keys import split_token, verify_secret
from api.services.sheets import Column, Kind, Sheet
from api.web import core, i18n, queries
from api.web import today as today_data
from api.web.security import LOGIN_SCOPE, SESSION_COOKIE, SESSION_SECONDS, now_s

router = APIRouter(prefix="/web", include_in_schema=False)
STATUSES = ("pending", "committed", "declined", "expired", "voided")


@router.get("/")
def home() -> Response:
    """The start page is Today."""
    return RedirectResponse("/web/today", status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    """The login form (an API key)."""
    return core.render(request, "login.html", {"error": None})


def _key_row(request: Request, token: str) -> ApiKeyRow | None:
    """The coordinator or member key behind ``token``, or None."""
    parts = split_token(token.strip())
    if parts is None:
        return None
    with read_session(core.ctx_of(request).engine) as s:
        row = s.get(ApiKeyRow, parts[0])
    if row is None or row.revoked_at is not None or row.role not in ("coordinator", "member"):
        return None
    return row if verify_secret(row, parts[1]) else None


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the key and set the signed, HttpOnly, SameSite=Strict session cookie.

    Coordinators start on Today; members (coop keys) on their own proposals.
    """
    form = await core.form_of(request)
    if not core.web(request).signer.check_form_token(LOGIN_SCOPE, form.get("form_token")):
        return core.render(request, "login.html", {"error": "bad_form"}, 403)
    client = request.client.host if request.client else "unknown"
    wait = core.ctx_of(request).limiter.take(f"web-login:{client}")
    if wait > 0:
        return core.render(request, "login.html", {"error": "too_many"}, 429)
    row = _key_row(request, form.get("api_key", ""))
    if row is None:
        return core.render(request, "login.html", {"error": "bad_key"}, 401)
    start = "/web/member" if row.role == "member" else "/web/today"
    response = RedirectResponse(start, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        core.web(request).signer.session_cookie(row.id, now_s()),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        path="/web",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session (needs the form token like any other post)."""
    who = core.signed_in(request, "coordinator")
    if isinstance(who, Response):
        who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    if core.checked(request, who, await core.form_of(request)) is None:
        return Response("forbidden", status_code=403)
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/web")
    return response


def _today(request: Request) -> date:
    return core.ctx_of(request).clock().date()


@router.get("/today")
def today(request: Request) -> Response:
    """Members of the network tree with their open offers and needs; totals per tier."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    day = _today(request)
    nodes = today_data.network_tree(core.ctx_of(request).engine, network, day)
    values = {
        "day": day,
        "nodes": nodes,
        "totals": today_data.tier_totals(nodes),
        **core.page_values(request, who, network),
    }
    return core.render(request, "today.html", values, who=who)


TODAY_COLUMNS = (
    Column("เครือข่าย", "Network", Kind.TEXT, 14),
    Column("รหัสสหกรณ์", "Coop id", Kind.TEXT, 16),
    Column("สหกรณ์", "Coop", Kind.TEXT, 34),
    Column("เลขคำสั่ง", "Order id", Kind.TEXT, 18),
    Column("ประเภท", "Kind", Kind.TEXT, 16, coded=True),
    Column("ยอดคงเหลือ (บาท)", "Open (baht)", Kind.BAHT, 18),
    Column("ปริมาณ", "Quantity", Kind.INTEGER),
    Column("หน่วย", "Unit", Kind.TEXT, 8),
    Column("อัตราดอกเบี้ยต่อปี", "Rate a year", Kind.PERCENT, 12),
    Column("ระยะเวลา (วัน)", "Term (days)", Kind.INTEGER),
    Column("รายละเอียด", "Detail", Kind.TEXT, 30),
    Column("วันที่", "Date", Kind.DATE),
)


@router.get("/today/export.{fmt}")
def today_export(request: Request, fmt: str) -> Response:
    """Today's open orders of every kind as Excel or CSV."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None or fmt not in ("xlsx", "csv"):
        return core.not_found_page(request, who)
    rows: list[list[Any]] = []
    engine = core.ctx_of(request).engine
    for node in today_data.network_tree(engine, network, _today(request)):
        for coop in node.coops:
            rows += [
                [node.id, coop["id"], coop["name"], o.id, o.kind,
                 None if o.open_satang is None else i18n.baht_decimal(o.open_satang),
                 o.quantity, o.unit, i18n.percent_decimal(o.rate_bps), o.term_days, o.what,
                 o.day]
                for o in coop["orders"]
            ]  # fmt: skip
    sheet = Sheet("today", TODAY_COLUMNS, rows)
    return core.table_download(sheet, request, fmt, f"today-{network}")


@router.get("/follow")
def follow(request: Request) -> Response:
    """Proposals waiting, accepted, declined, expired; the ledger; set-off notices."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    engine = core.ctx_of(request).engine
    values = {
        "statuses": STATUSES,
        "by_status": queries.proposals_by_status(engine, network),
        "ledger": queries.ledger(engine, network),
        "setoffs": queries.setoff_notices(engine, network),
        **core.page_values(request, who, network),
    }
    return core.render(request, "follow.html", values, who=who)


FOLLOW_COLUMNS = (
    Column("เลขข้อเสนอ", "Proposal", Kind.INTEGER, 11, fmt="0"),
    Column("รอบ", "Round", Kind.INTEGER, 8, fmt="0"),
    Column("สถานะ", "Status", Kind.TEXT, 16, coded=True),
    Column("ประเภท", "Kind", Kind.TEXT, 10, coded=True),
    Column("สินค้า", "Goods", Kind.TEXT, 20),
    Column("ผู้ให้กู้หรือผู้ขาย", "Lender or seller", Kind.TEXT, 34),
    Column("ผู้กู้หรือผู้ซื้อ", "Borrower or buyer", Kind.TEXT, 34),
    Column("จำนวนเงิน (บาท)", "Amount (baht)", Kind.BAHT, 18),
    Column("อัตราดอกเบี้ยต่อปี", "Rate a year", Kind.PERCENT, 12),
    Column("ระยะเวลา (วัน)", "Term (days)", Kind.INTEGER),
    Column("ระดับ", "Tier", Kind.TEXT, 14, coded=True),
)


@router.get("/follow/export.{fmt}")
def follow_export(request: Request, fmt: str) -> Response:
    """Every proposal of the network (all statuses) as Excel or CSV."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None or fmt not in ("xlsx", "csv"):
        return core.not_found_page(request, who)
    by_status = queries.proposals_by_status(core.ctx_of(request).engine, network)
    rows = [
        [p["id"], p["round_id"], status, p["kind"], p["goods"], p["lender"], p["borrower"],
         i18n.baht_decimal(p["amount"]), i18n.percent_decimal(p["rate_bps"]), p["term_days"],
         p["tier"]]
        for status in STATUSES
        for p in by_status.get(status, [])
    ]  # fmt: skip
    sheet = Sheet("proposals", FOLLOW_COLUMNS, rows)
    return core.table_download(sheet, request, fmt, f"proposals-{network}")
