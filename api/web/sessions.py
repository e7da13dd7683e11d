"""Browser sessions kept on the server (table ``web_session``).

The session cookie holds only a random value (256 bits); the server stores its SHA-256 with
the API key (a person's account logs in through its own key, :mod:`api.http.users`), an
expiry and, once the user logs out, the end. So a copy of the cookie stops
working at logout, a session ends when its key is revoked, and nothing in the cookie can be
forged offline, whatever the web secret. The session's id (the hash) is also the scope of
its form tokens (:mod:`api.web.security`), so a form of a session that ended is refused in
the next one.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, col

from api.db.tables_http import ApiKeyRow, WebSessionRow, WebUserRow
from api.db.tx import in_write_transaction, read_session

SESSION_HOURS = 8
"""How long a session lasts from its login."""


@dataclass(frozen=True)
class LiveSession:
    """A live session: its id (the hash of the cookie) and its key."""

    id: str
    key_id: str
    role: str
    principal: str
    coop_id: str | None
    must_change_password: bool = False
    """A person's account whose first password is still the one an admin gave."""


def session_id(cookie: str) -> str:
    """The stored id of a cookie value."""
    return hashlib.sha256(cookie.encode()).hexdigest()


def open_session(engine: Engine, key_id: str, now: datetime) -> str:
    """Start a session for ``key_id``; returns the cookie value (shown once, never stored).
    Sessions past their expiry are deleted on the way."""
    cookie = secrets.token_urlsafe(32)

    def work(s: Session) -> None:
        s.execute(delete(WebSessionRow).where(col(WebSessionRow.expires_at) < now))
        s.add(
            WebSessionRow(
                id=session_id(cookie),
                key_id=key_id,
                created_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )

    in_write_transaction(engine, work)
    return cookie


def live_session(engine: Engine, cookie: str | None, now: datetime) -> LiveSession | None:
    """The live session of ``cookie`` (not ended, not expired, its key not revoked)."""
    if not cookie or len(cookie) > 128:
        return None
    sid = session_id(cookie)
    stmt = (
        select(
            col(ApiKeyRow.id),
            col(ApiKeyRow.role),
            col(ApiKeyRow.principal),
            col(ApiKeyRow.coop_id),
            col(WebUserRow.must_change_password),
        )
        .join(WebSessionRow, col(WebSessionRow.key_id) == col(ApiKeyRow.id))
        .outerjoin(WebUserRow, col(WebUserRow.key_id) == col(ApiKeyRow.id))
        .where(
            col(WebSessionRow.id) == sid,
            col(WebSessionRow.ended_at).is_(None),
            col(WebSessionRow.expires_at) > now,
            col(ApiKeyRow.revoked_at).is_(None),
        )
    )
    with read_session(engine) as s:
        row = s.execute(stmt).first()
    if row is None:
        return None
    key_id, role, principal, coop_id, must_change = row
    return LiveSession(sid, key_id, role, principal, coop_id, bool(must_change))


def end_session(engine: Engine, cookie: str, now: datetime) -> None:
    """End the session of ``cookie`` (nothing when it is unknown or already ended)."""

    def work(s: Session) -> None:
        s.execute(
            update(WebSessionRow)
            .where(
                col(WebSessionRow.id) == session_id(cookie), col(WebSessionRow.ended_at).is_(None)
            )
            .values(ended_at=now)
        )

    in_write_transaction(engine, work)


def why_ended(engine: Engine, cookie: str | None, now: datetime) -> str | None:
    """Why the session of ``cookie`` is not live, for the login page to say: ``revoked``
    (its key or account was revoked), ``expired``, ``ended`` (logged out); None when the
    cookie names no session at all."""
    if not cookie or len(cookie) > 128:
        return None
    stmt = (
        select(WebSessionRow, col(ApiKeyRow.revoked_at))
        .join(ApiKeyRow, col(ApiKeyRow.id) == col(WebSessionRow.key_id))
        .where(col(WebSessionRow.id) == session_id(cookie))
    )
    with read_session(engine) as s:
        row = s.execute(stmt).first()
    if row is None:
        return None
    session, revoked_at = row
    if revoked_at is not None:
        return "revoked"
    if session.ended_at is not None:
        return "ended"
    expires = (
        session.expires_at
        if session.expires_at.tzinfo
        else session.expires_at.replace(tzinfo=now.tzinfo)
    )
    return "expired" if expires <= now else None
