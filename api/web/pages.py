"""Web pages: login and logout, Today (the network tree with open orders and totals per
tier) and Follow-up (proposals by status, the commitments ledger, set-off notices), with
their Excel and CSV downloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.db.tables_http import ApiKeyRow
from api.db.tx import read_session
from api.http.deps import checked_key, client_of
from api.http.errors import ApiError
from api.http.keys import split_token
from api.http.secret_guard import Busy
from api.http.users import MAX_PASSWORD, password_ok
from api.services.round.escalation import escalations
from api.services.sheets import Column, Kind, Sheet
from api.web import core, i18n, queries
from api.web import today as today_data
from api.web.security import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    login_scope,
    new_login_nonce,
    wall_now,
)
from api.web.sessions import SESSION_HOURS, end_session, open_session

router = APIRouter(prefix="/web", include_in_schema=False)
STATUSES = ("pending", "committed", "declined", "expired", "voided")


@router.get("/")
def home() -> Response:
    """The start page is Today."""
    return RedirectResponse("/web/today", status_code=303)


@router.get("/login")
def login_form(request: Request) -> Response:
    """The login form, with its pre-session cookie; after a session was cut short
    (``?why=revoked`` or ``expired``) it says why."""
    why = request.query_params.get("why")
    return _login_page(request, f"session_{why}" if why in ("revoked", "expired") else None, 200)


def _login_page(request: Request, error: str | None, status: int) -> Response:
    """The login form; its token is bound to the pre-session cookie (set here when the
    browser has none yet), so only a page of this site can post it."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    fresh = login_scope(nonce) is None
    if fresh:
        nonce = new_login_nonce()
    response = core.render(request, "login.html", {"error": error}, status, login_nonce=nonce)
    if fresh:
        response.set_cookie(
            LOGIN_COOKIE,
            str(nonce),
            httponly=True,
            samesite="strict",
            secure=core.secure_cookies(request),
            path="/web/login",
        )
    return response


def _short_refusal(
    request: Request, error: str, status: int, headers: dict[str, str] | None = None
) -> Response:
    """A small page for a refused login post, made without a template: a flood of refused
    posts costs the event loop next to nothing (a wrong key, which the guard bounds, gets
    the whole form again)."""
    lang = core.lang_of(request)
    login = i18n.text("login", lang)
    body = (
        f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{login}</title>'
        f'<p role="alert">{i18n.text(error, lang)}</p><p><a href="/web/login">{login}</a></p>'
    )
    return HTMLResponse(body, status, headers={**core.SECURITY_HEADERS, **(headers or {})})


@router.post("/login")
async def login(request: Request) -> Response:
    """Check a person's user name and password (:mod:`api.http.users`) or an API key, and
    start a server-side session (HttpOnly, SameSite=Strict cookie, ``Secure`` over HTTPS).
    The form must come from this site: its token is bound to the pre-session cookie and the
    ``Origin`` must be ours. A key goes through the same guarded check as ``/v1``
    (:func:`api.http.deps.checked_key`: argon2 off the event loop, limited per client and
    per key); a password through the same guard, per client and user name.

    Coordinators start on Today, members on their own proposals, admins on the accounts;
    a person whose first password is still the admin's is sent to change it first.
    """
    form = await core.form_of(request)
    scope = login_scope(request.cookies.get(LOGIN_COOKIE))
    signer = core.web(request).signer
    if (
        not core.same_origin(request)
        or scope is None
        or not signer.check_form_token(scope, form.get("form_token"))
    ):
        return _short_refusal(request, "bad_form", 403)
    ctx = core.ctx_of(request)
    if form.get("username", "").strip():
        checked = await _user_login(request, form)
    else:
        checked = await _key_login(request, form)
    if isinstance(checked, Response):
        return checked
    key_id, role = checked
    cookie = await run_in_threadpool(open_session, ctx.engine, key_id, wall_now())
    start = core.START_PAGE[role]
    response = RedirectResponse(start, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=core.secure_cookies(request),
        path="/web",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/web/login")
    return response


async def _key_login(request: Request, form: dict[str, str]) -> tuple[str, str] | Response:
    """A machine's API key (coordinator or member): its id and role, or the refusal."""
    parts = split_token(form.get("api_key", "").strip())
    if parts is None:
        return _login_page(request, "bad_key", 401)
    try:
        row = await checked_key(core.ctx_of(request), parts[0], parts[1], client_of(request))
    except ApiError as exc:
        if exc.status == 429:
            return _short_refusal(request, "too_many", 429, exc.headers)
        return _login_page(request, "bad_key", exc.status)
    if row.role not in ("coordinator", "member"):
        return _login_page(request, "bad_key", 401)
    return row.id, row.role


async def _user_login(request: Request, form: dict[str, str]) -> tuple[str, str] | Response:
    """A person's user name and password: the account's key id and role, or the refusal.
    The password is checked like a key's secret (:mod:`api.http.secret_guard`: one check
    at a time per client, admitted per client and name, argon2 off the event loop)."""
    ctx, client = core.ctx_of(request), client_of(request)
    name = form.get("username", "").strip().lower()[:64]
    password = form.get("password", "")[:MAX_PASSWORD]
    slot = f"user:{name}"
    try:
        async with ctx.guard.turn(client):
            wait = ctx.guard.admit(slot, client)
            if wait > 0:
                return _short_refusal(request, "too_many", 429, {"Retry-After": str(int(wait) + 1)})
            key_id: str | None = None
            try:
                key_id = await run_in_threadpool(password_ok, ctx.engine, name, password)
            finally:
                ctx.guard.record(slot, client, key_id is not None)
    except Busy:
        return _short_refusal(request, "too_many", 429, {"Retry-After": "1"})
    live = None if key_id is None else await run_in_threadpool(_role_of, ctx.engine, key_id)
    if key_id is None or live is None:
        return _login_page(request, "bad_password", 401)
    return key_id, live


def _role_of(engine: Any, key_id: str) -> str | None:
    with read_session(engine) as s:
        row = s.get(ApiKeyRow, key_id)
        return None if row is None or row.role not in core.START_PAGE else row.role


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session on the server (a copy of the cookie stops working too); needs the
    form token like any other post."""
    posted = await core.posted_form(request, "coordinator")
    for role in ("member", "admin"):
        if isinstance(posted, Response) and posted.status_code != 403:
            posted = await core.posted_form(request, role)
    if isinstance(posted, Response):
        return posted
    cookie = request.cookies.get(SESSION_COOKIE, "")
    await run_in_threadpool(end_session, core.ctx_of(request).engine, cookie, wall_now())
    response = RedirectResponse("/web/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/web")
    return response


def _today(request: Request) -> date:
    return core.ctx_of(request).clock().date()


@router.get("/today")
def today(request: Request) -> Response:
    """Members of the network tree with their open offers and needs; totals per tier; what
    the rounds of the networks below left open (escalated to this network)."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    day = _today(request)
    engine = core.ctx_of(request).engine
    nodes = today_data.network_tree(engine, network, day, core.lang_of(request))
    values = {
        "day": day,
        "nodes": nodes,
        "escalations": escalations(engine, network),
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
    engine, lang = core.ctx_of(request).engine, core.lang_of(request)
    for node in today_data.network_tree(engine, network, _today(request), lang):
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
        "by_status": queries.proposals_by_status(engine, network, core.lang_of(request)),
        "ledger": queries.ledger(engine, network, core.lang_of(request)),
        "setoffs": queries.setoff_notices(engine, network, core.lang_of(request)),
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
    lang = core.lang_of(request)
    by_status = queries.proposals_by_status(core.ctx_of(request).engine, network, lang)
    rows = [
        [p["id"], p["round_id"], status, p["kind"], i18n.goods_text(p["goods"], lang),
         p["lender"], p["borrower"],
         i18n.baht_decimal(p["amount"]), i18n.percent_decimal(p["rate_bps"]), p["term_days"],
         p["tier"]]
        for status in STATUSES
        for p in by_status.get(status, [])
    ]  # fmt: skip
    sheet = Sheet("proposals", FOLLOW_COLUMNS, rows)
    return core.table_download(sheet, request, fmt, f"proposals-{network}")
