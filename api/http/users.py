"""People's accounts for the web pages: created by an admin (on the web or the CLI) with a
first password the person must change at the first login; API keys stay for machines.

An account is a user name, the argon2 hash of its password (as keys are hashed) and its
own API key (:func:`api.http.keys.issue_key`), whose role, principal and coop the account
takes: ``member`` of a coop, ``coordinator`` of the networks its principal coordinates, or
``admin``. The key's token is never shown; a web session of the user is a session of that
key, so revoking the key disables the user. Creating an account for a coop that does not
exist, or a coordinator of no network, is refused; so is a coordinator key issued by the
CLI for a principal that coordinates nothing (:func:`check_coordinator`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import CoordinatorRow
from api.db.tables_http import ApiKeyRow, WebSessionRow, WebUserRow
from api.db.tx import in_write_transaction, read_session
from api.http.keys import issue_key, revoke_key
from api.services.clock import UtcClock, system_clock
from api.services.errors import NotFoundError, ServiceError

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MIN_PASSWORD = 10
MAX_PASSWORD = 200


@cache
def _dummy_hash() -> str:
    """Checked against when the user name is unknown, so the answer takes as long."""
    return PasswordHasher().hash("not a password of anyone")


@dataclass(frozen=True)
class NewUser:
    """An account just created: its first password is shown once, never stored."""

    username: str
    role: str
    principal: str
    first_password: str


@dataclass(frozen=True)
class UserView:
    """An account as the admin's list shows it."""

    username: str
    role: str
    principal: str
    coop_id: str | None
    must_change_password: bool
    disabled: bool
    created_at: datetime


def check_coordinator(engine: Engine, principal: str) -> None:
    """Refuse a coordinator principal that coordinates no network.

    Raises:
        NotFoundError: no network names ``principal`` as its coordinator.
    """
    stmt = select(col(CoordinatorRow.network_id)).where(col(CoordinatorRow.principal) == principal)
    with read_session(engine) as s:
        if s.execute(stmt.limit(1)).first() is None:
            raise NotFoundError(
                f"coordinator {principal!r} coordinates no network",
                f"ผู้ประสานงาน {principal} ไม่ได้ประสานงานเครือข่ายใด",
            )


def check_password(password: str, username: str) -> None:
    """The rules of a password a person picks.

    Raises:
        ServiceError: too short or long, or the user name itself (names ``password``).
    """
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ServiceError(
            f"password: {MIN_PASSWORD} to {MAX_PASSWORD} characters",
            f"password: ต้องยาว {MIN_PASSWORD} ถึง {MAX_PASSWORD} ตัวอักษร",
        )
    if password.lower() == username.lower():
        raise ServiceError("password: must not be the user name", "password: ต้องไม่ซ้ำกับชื่อผู้ใช้")


def create_user(
    engine: Engine,
    username: str,
    *,
    role: str,
    coop_id: str | None = None,
    principal: str | None = None,
    actor: str = "cli",
    hasher: PasswordHasher | None = None,
    clock: UtcClock = system_clock,
) -> NewUser:
    """Create an account with a random first password (to be changed at the first login).

    Raises:
        ServiceError: a user name that is not 3–64 of ``a-z 0-9 . _ -`` or is taken
            (names ``username``); an unknown role.
        NotFoundError: the coop does not exist, or the coordinator coordinates no network.
    """
    if not USERNAME.fullmatch(username):
        raise ServiceError(
            "username: 3 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            "username: ใช้ a-z 0-9 . _ - ยาว 3 ถึง 64 ตัว ขึ้นต้นด้วยตัวอักษรหรือตัวเลข",
        )
    with read_session(engine) as s:
        if s.get(WebUserRow, username) is not None:
            raise ServiceError(
                f"username: {username!r} is taken", f"username: มีผู้ใช้ชื่อ {username} แล้ว"
            )
    if role == "coordinator" and principal:
        check_coordinator(engine, principal)
    label = f"web user {username}"
    key = issue_key(engine, role=role, coop_id=coop_id, principal=principal, label=label,
                    actor=actor, hasher=hasher, clock=clock)  # fmt: skip
    first = secrets.token_urlsafe(12)
    digest = (hasher or PasswordHasher()).hash(first)

    def work(s: Session) -> None:
        now = clock()
        s.add(WebUserRow(username=username, password_hash=digest, key_id=key.key_id,
                         must_change_password=True, created_at=now))  # fmt: skip
        append_event(s, now, actor, "web_user.created", "web_user", username, {"role": role})

    try:
        in_write_transaction(engine, work)
    except Exception:
        revoke_key(engine, key.key_id, actor=actor, clock=clock)  # a lost race for the name
        raise
    return NewUser(username, key.role, key.principal, first)


def password_ok(engine: Engine, username: str, password: str) -> str | None:
    """The key id of ``username`` when ``password`` is its password and the account is
    live; None otherwise (an unknown name costs one argon2 check too)."""
    with read_session(engine) as s:
        row = s.execute(
            select(WebUserRow, col(ApiKeyRow.revoked_at))
            .join(ApiKeyRow, col(ApiKeyRow.id) == col(WebUserRow.key_id))
            .where(col(WebUserRow.username) == username[:64])
        ).first()
    stored = row[0].password_hash if row is not None else _dummy_hash()
    ok: bool
    try:
        ok = PasswordHasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if row is None or not ok or row[1] is not None:
        return None
    return str(row[0].key_id)


def change_password(
    engine: Engine,
    key_id: str,
    old: str,
    new: str,
    *,
    hasher: PasswordHasher | None = None,
    clock: UtcClock = system_clock,
) -> None:
    """Set a new password for the account of ``key_id`` after checking the old one.

    Raises:
        NotFoundError: no account has this key.
        ServiceError: the old password is wrong (names ``old_password``), the new one
            breaks :func:`check_password` or equals the old one (names ``password``).
    """
    with read_session(engine) as s:
        user = s.execute(select(WebUserRow).where(col(WebUserRow.key_id) == key_id)).scalar()
    if user is None:
        raise NotFoundError("no account has this key", "ไม่พบบัญชีผู้ใช้ของคีย์นี้")
    if password_ok(engine, user.username, old) is None:
        raise ServiceError(
            "old_password: not the current password", "old_password: รหัสผ่านเดิมไม่ถูกต้อง"
        )
    check_password(new, user.username)
    if new == old:
        raise ServiceError("password: must differ from the old one", "password: ต้องไม่ซ้ำกับรหัสผ่านเดิม")
    digest = (hasher or PasswordHasher()).hash(new)

    def work(s: Session) -> None:
        now = clock()
        row = s.get(WebUserRow, user.username)
        assert row is not None
        row.password_hash, row.must_change_password, row.password_changed_at = digest, False, now
        s.add(row)
        append_event(s, now, user.username, "web_user.password_changed", "web_user",
                     user.username, {})  # fmt: skip

    in_write_transaction(engine, work)


def list_users(engine: Engine) -> list[UserView]:
    """Every account, by user name."""
    with read_session(engine) as s:
        rows = s.execute(
            select(WebUserRow, ApiKeyRow)
            .join(ApiKeyRow, col(ApiKeyRow.id) == col(WebUserRow.key_id))
            .order_by(col(WebUserRow.username))
        ).all()
    return [
        UserView(u.username, k.role, k.principal, k.coop_id, u.must_change_password,
                 k.revoked_at is not None, u.created_at)
        for u, k in rows
    ]  # fmt: skip


def disable_user(engine: Engine, username: str, *, actor: str = "cli") -> bool:
    """Disable an account by revoking its key (its sessions end at once); False when it
    was already disabled.

    Raises:
        NotFoundError: no such account.
    """
    with read_session(engine) as s:
        user = s.get(WebUserRow, username)
    if user is None:
        raise NotFoundError(f"user {username!r} does not exist", f"ไม่พบผู้ใช้ {username}")
    return revoke_key(engine, user.key_id, actor=actor)


def reset_password(
    engine: Engine,
    username: str,
    *,
    actor: str = "cli",
    hasher: PasswordHasher | None = None,
    clock: UtcClock = system_clock,
) -> NewUser:
    """Give an account a new one-time password (an admin's reset: the person forgot theirs).

    The new password is random, shown once to the admin and never stored; the person must
    pick their own at the next login, as after creation. The account's sessions end at once
    (whoever held one must log in with the new password), and the reset is audited
    ``web_user.password_reset`` (never the password). The account's key is kept.

    Raises:
        NotFoundError: no such account.
        ServiceError: the account is disabled (a reset does not enable it again).
    """
    name = username[:64]
    with read_session(engine) as s:
        row = s.execute(
            select(WebUserRow, ApiKeyRow)
            .join(ApiKeyRow, col(ApiKeyRow.id) == col(WebUserRow.key_id))
            .where(col(WebUserRow.username) == name)
        ).first()
    if row is None:
        raise NotFoundError(f"user {name!r} does not exist", f"ไม่พบผู้ใช้ {name}")
    user, key = row
    if key.revoked_at is not None:
        raise ServiceError(
            f"username: {name!r} is disabled; a reset does not enable it",
            f"username: บัญชี {name} ถูกระงับแล้ว การตั้งรหัสผ่านใหม่ไม่ได้เปิดใช้บัญชีอีกครั้ง",
        )
    fresh = secrets.token_urlsafe(12)
    digest = (hasher or PasswordHasher()).hash(fresh)

    def work(s: Session) -> int:
        now = clock()
        stored = s.get(WebUserRow, name)
        assert stored is not None
        stored.password_hash, stored.must_change_password = digest, True
        s.add(stored)
        ended = s.execute(
            update(WebSessionRow)
            .where(col(WebSessionRow.key_id) == user.key_id, col(WebSessionRow.ended_at).is_(None))
            .values(ended_at=now)
        )
        count = int(getattr(ended, "rowcount", 0) or 0)
        append_event(s, now, actor, "web_user.password_reset", "web_user", name,
                     {"sessions_ended": count})  # fmt: skip
        return count

    in_write_transaction(engine, work)
    return NewUser(name, key.role, key.principal, fresh)
