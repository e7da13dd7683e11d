"""People's accounts on the web: the password page (a first login must pick a password
before anything else) and the admin's page of accounts, where an admin creates one for a
coop member, a network coordinator or another admin and sees its first password once,
resets a forgotten password (after a confirmation page: a new one-time password shown once,
the account's sessions ended, a new password to pick at the next login) and disables one.

A one-time password is shown on the answer of the post that made it and kept only in this
process's memory for a double click; the answer the database keeps for another server
process (:mod:`api.web.form_store`) has it blanked (:func:`without_password`).

The rules live in :mod:`api.http.users`; a refused form names its field in Thai or English
and keeps what was typed (never a password).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlmodel import col

from api.db.tables import CoopRow, CoordinatorRow
from api.db.tx import read_session
from api.http.users import (
    change_password,
    create_user,
    disable_user,
    list_users,
    reset_password,
)
from api.services.errors import ServiceError
from api.web import core, i18n
from api.web.member_pages import service_message

router = APIRouter(prefix="/web", include_in_schema=False)
ROLES = ("member", "coordinator", "admin")
SHOWN_PASSWORD = re.compile(r'(<code id="first-password">)[^<]*(</code>)')


def without_password(lang: str) -> Any:
    """The answer as the database keeps it: the one-time password replaced by a note that
    it was shown once (a repeat reaching another process shows the note)."""
    note = i18n.text("password_shown_once", lang)
    return lambda html: SHOWN_PASSWORD.sub(lambda m: m.group(1) + note + m.group(2), html)


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
        en = core.lang_of(request) == "en"
        named = [(c.id, c.name_en if en and c.name_en else c.name_th) for c in coops]
        return {"coops": named, "principals": list(principals)}


def _users_values(request: Request, **extra: Any) -> dict[str, Any]:
    return {"users": list_users(core.ctx_of(request).engine), "roles": ROLES,
            "form": {}, "errors": {}, "created": None, "reset": None, "notice": None,
            "network": None,
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
    return await core.once(
        request, who, "user", token, lambda: _create(request, who, form),
        kept=without_password(core.lang_of(request)),
    )  # fmt: skip


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


def _account(request: Request, username: str) -> Any:
    """The live account ``username`` from the list, or None (unknown or disabled)."""
    users = list_users(core.ctx_of(request).engine)
    return next((u for u in users if u.username == username[:64] and not u.disabled), None)


@router.get("/admin/users/{username}/reset")
def reset_form(request: Request, username: str) -> Response:
    """Ask the admin to confirm a password reset (nothing changes on a GET)."""
    who = core.signed_in(request, "admin")
    if isinstance(who, Response):
        return who
    user = _account(request, username)
    if user is None:
        return core.not_found_page(request, who)
    return core.render(request, "admin_reset.html", {"user": user, "network": None}, who=who)


def _reset(request: Request, who: core.Who, username: str) -> tuple[str, int]:
    try:
        done = reset_password(core.ctx_of(request).engine, username[:64], actor=who.principal)
    except ServiceError:  # unknown or disabled: the same answer as an unknown account
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    values = _users_values(request, reset=done)
    return core.fragment(request, "admin_users.html", values, 200, who)


@router.post("/admin/users/{username}/reset")
async def post_reset(request: Request, username: str) -> Response:
    """Reset an account's password: a new one-time password, shown once on the answer; the
    account's sessions end and its owner picks a password at the next login (audited
    ``web_user.password_reset``)."""
    posted = await core.posted_form(request, "admin")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    return await core.once(
        request, who, f"reset:{username[:64]}", token, lambda: _reset(request, who, username),
        kept=without_password(core.lang_of(request)),
    )  # fmt: skip


@router.get("/admin")
def admin_home() -> Response:
    """The admin's start page is the accounts."""
    return RedirectResponse("/web/admin/users", status_code=303)
