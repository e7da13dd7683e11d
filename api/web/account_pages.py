"""People's accounts on the web: the password page (a first login must pick a password
before anything else) and the admin's page of accounts, where an admin creates one for a
coop member, a network coordinator or another admin and sees its first password once.

The rules live in :mod:`api.http.users`; a refused form names its field in Thai or English
and keeps what was typed (never a password).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import col

from api.db.tables import CoopRow, CoordinatorRow
from api.db.tx import read_session
from api.http.users import change_password, create_user, disable_user, list_users
from api.services.errors import ServiceError
from api.web import core, i18n
from api.web.member_pages import service_message

router = APIRouter(prefix="/web", include_in_schema=False)
ROLES = ("member", "coordinator", "admin")


def _field_error(exc: ServiceError, lang: str) -> tuple[str, str]:
    """(field, message) of a service refusal whose message starts with its field."""
    head, sep, _ = exc.message_en.partition(":")
    text = service_message(exc, lang)
    if sep and head.isidentifier():
        return head, text.partition(":")[2].strip()
    return "", text


@router.get("/password")
def password_form(request: Request) -> Response:
    """Pick a new password (the first login lands here)."""
    who = core.signed_in_any(request)
    if isinstance(who, Response):
        return who
    return core.render(request, "password.html", {"errors": {}, "network": None}, who=who)


def _change(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    lang = core.lang_of(request)
    errors: dict[str, str] = {}
    if form.get("password", "") != form.get("password_again", ""):
        errors["password_again"] = i18n.text("passwords_differ", lang)
    else:
        try:
            change_password(core.ctx_of(request).engine, who.key_id, form.get("old_password", ""),
                            form.get("password", ""))  # fmt: skip
        except ServiceError as exc:
            field, message = _field_error(exc, lang)
            errors[field] = message
    if errors:
        return core.fragment(request, "password.html", {"errors": errors, "network": None}, 422,
                             who)  # fmt: skip
    values: dict[str, Any] = {"errors": {}, "done": core.START_PAGE.get(who.role, "/web/"),
                              "network": None}  # fmt: skip
    return core.fragment(request, "password.html", values, 200, who)


@router.post("/password")
async def post_password(request: Request) -> Response:
    """Change the password (checks the old one)."""
    who = core.signed_in_any(request)
    if isinstance(who, Response):
        return who
    form = await core.form_of(request)
    token = core.checked(request, who, form)
    if token is None or not core.same_origin(request):
        return Response(i18n.text("bad_form", core.lang_of(request)), status_code=403)
    return await core.once(request, who, "password", token, lambda: _change(request, who, form))


def _choices(request: Request) -> dict[str, Any]:
    with read_session(core.ctx_of(request).engine) as s:
        coops = s.execute(select(CoopRow).order_by(col(CoopRow.id))).scalars().all()
        principals = s.execute(
            select(col(CoordinatorRow.principal)).distinct().order_by(col(CoordinatorRow.principal))
        ).scalars().all()  # fmt: skip
        return {"coops": [(c.id, c.name_th) for c in coops], "principals": list(principals)}


def _users_values(request: Request, **extra: Any) -> dict[str, Any]:
    return {"users": list_users(core.ctx_of(request).engine), "roles": ROLES,
            "form": {}, "errors": {}, "created": None, "notice": None, "network": None,
            **_choices(request),
            **extra}  # fmt: skip


@router.get("/admin/users")
def users_page(request: Request) -> Response:
    """Every account, and the form that creates one."""
    who = core.signed_in(request, "admin")
    if isinstance(who, Response):
        return who
    return core.render(request, "admin_users.html", _users_values(request), who=who)


def _create(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    lang, role = core.lang_of(request), form.get("role", "")
    errors: dict[str, str] = {}
    if role not in ROLES:
        errors["role"] = i18n.text("bad_role", lang)
    coop = form.get("coop_id", "").strip() or None
    principal = form.get("principal", "").strip() or None
    if role == "member" and coop is None:
        errors["coop_id"] = i18n.text("required", lang)
    if role in ("coordinator", "admin") and principal is None:
        errors["principal"] = i18n.text("required", lang)
    created = None
    if not errors:
        try:
            created = create_user(
                core.ctx_of(request).engine, form.get("username", "").strip(), role=role,
                coop_id=coop if role == "member" else None,
                principal=None if role == "member" else principal, actor=who.principal,
            )  # fmt: skip
        except ServiceError as exc:
            field, message = _field_error(exc, lang)
            errors[field or ("coop_id" if role == "member" else "principal")] = message
    kept = {k: v for k, v in form.items() if k in ("username", "role", "coop_id", "principal")}
    values = _users_values(request, form={} if created else kept, errors=errors, created=created)
    return core.fragment(request, "admin_users.html", values, 422 if errors else 200, who)


@router.post("/admin/users")
async def post_user(request: Request) -> Response:
    """Create an account; its first password is shown once on the answer."""
    posted = await core.posted_form(request, "admin")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(request, who, "user", token, lambda: _create(request, who, form))


def _disable(request: Request, who: core.Who, username: str) -> tuple[str, int]:
    try:
        disable_user(core.ctx_of(request).engine, username[:64], actor=who.principal)
    except ServiceError:
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    values = _users_values(request, notice="user_disabled_now")
    return core.fragment(request, "admin_users.html", values, 200, who)


@router.post("/admin/users/{username}/disable")
async def post_disable(request: Request, username: str) -> Response:
    """Disable an account (its key is revoked, its sessions end)."""
    posted = await core.posted_form(request, "admin")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    return await core.once(
        request, who, f"disable:{username[:64]}", token, lambda: _disable(request, who, username)
    )


@router.get("/admin")
def admin_home() -> Response:
    """The admin's start page is the accounts."""
    return RedirectResponse("/web/admin/users", status_code=303)
