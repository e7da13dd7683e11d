"""What every web page shares: the templates, the logged-in coordinator, the chosen network,
the language, form tokens and the downloads of plain tables.

A page that needs a coordinator calls :func:`coordinator` and returns its response (a
redirect to the login form) when there is none. The network comes from ``?network=`` and
must be one the coordinator sees; any other network is a 404 page, exactly as if it did not
exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool

from api.db.ids import MAX_ROW_ID, is_row_id
from api.http.context import AppContext
from api.http.headers import PAGE_CSP
from api.schemas.common import parse_whole
from api.services.sheets import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Sheet, csv_bytes, xlsx_bytes
from api.web import i18n, queries
from api.web.form_store import form_answer
from api.web.security import SESSION_COOKIE, FormReplay, Signer, login_scope, wall_now
from api.web.sessions import live_session, why_ended

TEMPLATES = Path(__file__).resolve().parent / "templates"
SECURITY_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
"""Every rendered page: see :data:`api.http.headers.PAGE_CSP`."""
PASSWORD_PAGE = "/web/password"
START_PAGE = {"member": "/web/member", "coordinator": "/web/today", "admin": "/web/admin/users"}
"""Where each role starts after logging in."""


def _row_id_or_zero(value: object) -> int:
    if isinstance(value, str):
        try:
            return parse_whole(value, 1, MAX_ROW_ID)
        except ValueError:
            return 0
    return value if isinstance(value, int) and is_row_id(value) else 0


PageRowId = Annotated[int, BeforeValidator(_row_id_or_zero)]
"""An integer id in a page's path, read by :func:`~api.schemas.common.parse_whole`'s rule.
Anything else, or a number no row can have (past :data:`~api.db.ids.MAX_ROW_ID`, or below
1), reads as 0, which names no row either: the page answers not-found exactly as for a
missing row, and the database never sees a number it would refuse."""


@dataclass
class WebState:
    """The web layer's state on ``app.state.web``: signer, form replay store, templates."""

    signer: Signer
    replay: FormReplay = field(default_factory=FormReplay)
    templates: Jinja2Templates = field(init=False)

    def __post_init__(self) -> None:
        self.templates = Jinja2Templates(directory=str(TEMPLATES))
        env = self.templates.env
        env.globals.update(
            baht=i18n.baht,
            baht_text=i18n.baht_text,
            pct=i18n.percent,
            long_date=i18n.long_date,
            long_datetime=i18n.long_datetime,
            tier_name=i18n.tier_name,
            tier_label=i18n.tier_label,
            state_text=i18n.state_text,
            goods_text=i18n.goods_text,
            unit_name=i18n.unit_name,
        )


@dataclass(frozen=True)
class Who:
    """The logged-in user: the API key's id, its principal, (members) its coop, and the
    session's id (the scope of its form tokens)."""

    key_id: str
    principal: str
    coop_id: str | None = None
    session_id: str = ""
    role: str = ""


def web(request: Request) -> WebState:
    """The app's web state."""
    state: WebState = request.app.state.web
    return state


def ctx_of(request: Request) -> AppContext:
    """The app's context (engine, clock, settings)."""
    ctx: AppContext = request.app.state.ctx
    return ctx


def lang_of(request: Request) -> str:
    """The page language (``?lang=``, then the cookie, else Thai)."""
    return i18n.pick_lang(request.query_params.get("lang"), request.cookies.get(i18n.LANG_COOKIE))


def signed_in(request: Request, role: str = "coordinator") -> Who | Response:
    """The ``role`` key of a live session (:mod:`api.web.sessions`), or a redirect to the
    login form."""
    live = live_session(ctx_of(request).engine, request.cookies.get(SESSION_COOKIE), wall_now())
    where = None
    if live is None:
        cookie = request.cookies.get(SESSION_COOKIE)
        why = why_ended(ctx_of(request).engine, cookie, wall_now()) if cookie else None
        where = f"/web/login?why={why}" if why in ("revoked", "expired") else "/web/login"
    elif live.role != role:
        where = "/web/login"
    elif live.must_change_password and request.url.path != PASSWORD_PAGE:
        where = PASSWORD_PAGE  # a person's first password is the admin's: pick one first
    if where is not None:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": where})
        return RedirectResponse(where, status_code=303)
    assert live is not None
    return Who(live.key_id, live.principal, live.coop_id, live.id, live.role)


def signed_in_any(request: Request) -> Who | Response:
    """Whoever is logged in, whatever the role (the password page serves them all)."""
    live = live_session(ctx_of(request).engine, request.cookies.get(SESSION_COOKIE), wall_now())
    if live is None:
        return RedirectResponse("/web/login", status_code=303)
    return Who(live.key_id, live.principal, live.coop_id, live.id, live.role)


def secure_cookies(request: Request) -> bool:
    """Whether cookies get ``Secure``: always when the settings say so, else when the page
    was asked for over HTTPS (directly, or through a trusted proxy's
    ``X-Forwarded-Proto``)."""
    return ctx_of(request).settings.secure_cookies or request.url.scheme == "https"


def same_origin(request: Request) -> bool:
    """Whether a post comes from this site: its ``Origin`` (when the browser sends one) is
    the configured public origin, or else the origin the request was addressed to."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser, or one that says nothing: the cookies still bind it
    public = ctx_of(request).settings.public_origin
    expected = public.rstrip("/") if public else f"{request.url.scheme}://{request.url.netloc}"
    return origin == expected


def coordinator(request: Request) -> Who | Response:
    """The coordinator of a valid session cookie, or a redirect to the login form."""
    return signed_in(request, "coordinator")


def chosen_network(request: Request, who: Who, form: dict[str, str] | None = None) -> str | None:
    """The network asked for (form, then query), else the coordinator's first; None when the
    coordinator may not see it (or coordinates nothing)."""
    engine = ctx_of(request).engine
    asked = (form or {}).get("network") or request.query_params.get("network")
    if not asked:
        mine = queries.coordinated_networks(engine, who.principal)
        return mine[0].id if mine else None
    return asked if queries.may_see(engine, who.principal, asked) else None


def render(
    request: Request,
    name: str,
    values: dict[str, Any],
    status: int = 200,
    who: Who | None = None,
    login_nonce: str | None = None,
) -> HTMLResponse:
    """Render a template with the language, the text function and a fresh form token (bound
    to ``who``'s session, else to the login form's pre-session ``login_nonce``)."""
    lang = lang_of(request)
    state = web(request)
    scope = who.session_id if who is not None else login_scope(login_nonce) or "none"
    page = {
        "lang": lang,
        "t": lambda key: i18n.text(key, lang),
        "form_token": state.signer.form_token(scope),
        "who": who,
        "path": request.url.path,
        **values,
    }
    response = state.templates.TemplateResponse(request, name, page, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(
            i18n.LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
        )
    return response


def not_found_page(request: Request, who: Who) -> HTMLResponse:
    """The uniform 404: another network's page looks like one that does not exist."""
    return render(request, "not_found.html", {"network": None, "networks": []}, 404, who)


async def form_of(request: Request) -> dict[str, str]:
    """The posted ``application/x-www-form-urlencoded`` fields (last value wins)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def checked(request: Request, who: Who, form: dict[str, str]) -> str | None:
    """The form's token when it is a valid CSRF token for this session; None otherwise."""
    token = form.get("form_token")
    return token if web(request).signer.check_form_token(who.session_id, token) else None


async def posted_form(
    request: Request, role: str = "coordinator"
) -> tuple[Who, dict[str, str], str] | Response:
    """A post's user (of ``role``), fields and valid form token; else the refusal (a post
    from another origin is refused before anything is read)."""
    if not same_origin(request):
        return Response(i18n.text("bad_form", lang_of(request)), status_code=403)
    who = signed_in(request, role)
    if isinstance(who, Response):
        return who
    form = await form_of(request)
    token = checked(request, who, form)
    if token is None:
        return Response(i18n.text("bad_form", lang_of(request)), status_code=403)
    return who, form, token


async def network_form(request: Request) -> tuple[Who, str, dict[str, str], str] | Response:
    """A coordinator's post about one network: the user, the network (form, then query; see
    :func:`chosen_network`), the fields and the valid form token; else the refusal, or the
    uniform 404 page for a network the coordinator may not see."""
    posted = await posted_form(request)
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    network = chosen_network(request, who, form)
    if network is None:
        return not_found_page(request, who)
    return who, network, form, token


def fragment(
    request: Request, name: str, values: dict[str, Any], status: int, who: Who
) -> tuple[str, int]:
    """A rendered HTML fragment and its status, in a form the replay store keeps."""
    response = render(request, name, values, status, who)
    return bytes(response.body).decode("utf-8"), status


async def once(
    request: Request,
    who: Who,
    action: str,
    token: str,
    make: Callable[[], tuple[str, int]],
    *,
    changes: bool = True,
    kept: Callable[[str], str] | None = None,
) -> Response:
    """Answer the first post of ``token`` by running ``make`` (in the thread pool); a repeat
    post of the same form gets the same answer and changes nothing more, in this process
    (:class:`~api.web.security.FormReplay`) or, for an action that ``changes`` something,
    in another one too (:mod:`api.web.form_store`; a what-if that saves nothing is not
    stored). A repeat that outwaits a first post still running gets a 409 "still running".
    ``kept`` is what the database keeps of an answer (an answer that shows a one-time
    password keeps it in this process's memory only)."""
    ctx, slot = ctx_of(request), f"{who.key_id}:{action}:{token}"
    stored = partial(form_answer, ctx, who.principal, slot, make, kept=kept) if changes else make
    answer = await run_in_threadpool(web(request).replay.once, slot, stored)
    if not isinstance(answer, tuple):
        return HTMLResponse(i18n.text("still_running", lang_of(request)), status_code=409)
    html, status = answer
    return HTMLResponse(html, status_code=status)


def table_download(sheet: Sheet, request: Request, fmt: str, name: str) -> Response:
    """A table as CSV (UTF-8 with BOM, for Excel) or as an XLSX workbook, in the page's
    language, Buddhist-Era dates with ``?era=be`` (:mod:`api.services.sheets`)."""
    lang = lang_of(request)
    if fmt == "csv":
        return download(csv_bytes(sheet, lang=lang), f"{name}.csv")
    data = xlsx_bytes([sheet], lang=lang, buddhist=buddhist_dates(request))
    return download(data, f"{name}.xlsx")


def buddhist_dates(request: Request) -> bool:
    """Whether a download shows Buddhist-Era years (``?era=be``)."""
    return request.query_params.get("era") == "be"


def download(data: bytes, filename: str) -> Response:
    """An export as an attachment; the media type follows the file name."""
    media = {"xlsx": XLSX_MEDIA_TYPE, "pdf": "application/pdf", "zip": "application/zip"}.get(
        filename.rsplit(".", 1)[-1], CSV_MEDIA_TYPE
    )
    disposition = f'attachment; filename="{filename}"'
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


def page_values(request: Request, who: Who, network: str) -> dict[str, Any]:
    """What the base template needs: the chosen network and the coordinator's networks."""
    return {
        "network": network,
        "networks": queries.coordinated_networks(ctx_of(request).engine, who.principal),
    }
