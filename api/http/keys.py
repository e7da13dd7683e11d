"""API keys: issue, revoke and verify. Only the argon2 hash of the secret is stored.

A key reads ``cm_<id>_<secret>``: ``id`` is the public row id, ``secret`` is checked against
the stored argon2 hash. Roles: ``member`` (bound to one coop: the caller's coop comes only
from the key), ``coordinator`` (a principal listed in ``network_coordinator``) and ``admin``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from psycopg import AsyncConnection
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import CoopRow
from api.db.tables_http import ApiKeyRow
from api.db.tx import in_write_transaction, single_read
from api.http.strict import has_control
from api.services.clock import UtcClock, system_clock
from api.services.errors import InvalidStateError, NotFoundError

ROLES = ("member", "coordinator", "admin")
PREFIX = "cm"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role, its coop (members) and its principal name."""

    key_id: str
    role: str
    principal: str
    coop_id: str | None


@dataclass(frozen=True)
class IssuedKey:
    """A freshly issued key; ``token`` is shown once and never stored."""

    key_id: str
    token: str
    role: str
    principal: str


def issue_key(
    engine: Engine,
    *,
    role: str,
    coop_id: str | None = None,
    principal: str | None = None,
    label: str = "",
    actor: str = "cli",
    hasher: PasswordHasher | None = None,
    clock: UtcClock = system_clock,
) -> IssuedKey:
    """Create a key. Members need ``coop_id``; coordinators and admins a ``principal``.

    Raises:
        InvalidStateError: unknown role or missing coop/principal.
        NotFoundError: the coop does not exist.
    """
    if role not in ROLES:
        raise InvalidStateError(f"role must be one of {ROLES}", "บทบาทไม่ถูกต้อง")
    if role == "member" and not coop_id:
        raise InvalidStateError("a member key needs --coop", "คีย์สมาชิกต้องระบุสหกรณ์")
    if role != "member" and not principal:
        raise InvalidStateError("this role needs --principal", "ต้องระบุผู้ใช้งาน")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    digest = (hasher or PasswordHasher()).hash(secret)
    name = principal or str(coop_id)

    def work(session: Session) -> None:
        now = clock()
        if coop_id is not None and session.get(CoopRow, coop_id) is None:
            raise NotFoundError(f"coop {coop_id!r} does not exist", f"ไม่พบสหกรณ์ {coop_id}")
        session.add(
            ApiKeyRow(
                id=key_id,
                secret_hash=digest,
                role=role,
                coop_id=coop_id if role == "member" else None,
                principal=name,
                label=label,
                created_at=now,
            )
        )
        append_event(session, now, actor, "api_key.issued", "api_key", key_id, {"role": role})

    in_write_transaction(engine, work)
    return IssuedKey(key_id, f"{PREFIX}_{key_id}_{secret}", role, name)


def revoke_key(
    engine: Engine, key_id: str, *, actor: str = "cli", clock: UtcClock = system_clock
) -> bool:
    """Revoke a key; False when it was already revoked. Raises NotFoundError if unknown."""

    return in_write_transaction(engine, lambda s: revoke_in(s, key_id, actor, clock()))


def revoke_in(session: Session, key_id: str, actor: str, now: datetime) -> bool:
    """Revoke a key inside the caller's transaction; False when already revoked.

    Raises:
        NotFoundError: no such key.
    """
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"api key {key_id!r} does not exist", f"ไม่พบคีย์ {key_id}")
    if row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.add(row)
    append_event(session, now, actor, "api_key.revoked", "api_key", key_id, {})
    return True


@dataclass(frozen=True)
class StoredKey:
    """The columns of a key that authentication reads."""

    id: str
    secret_hash: str
    role: str
    principal: str
    coop_id: str | None
    revoked: bool


_KEY_LOOKUP = select(
    col(ApiKeyRow.id),
    col(ApiKeyRow.secret_hash),
    col(ApiKeyRow.role),
    col(ApiKeyRow.principal),
    col(ApiKeyRow.coop_id),
    col(ApiKeyRow.revoked_at).is_not(None),
).where(col(ApiKeyRow.id) == bindparam("key_id"))


def load_key(engine: Engine, key_id: str) -> StoredKey | None:
    """The key ``key_id`` as stored now (one statement, no transaction round trips)."""
    with single_read(engine) as conn:
        row = conn.execute(_KEY_LOOKUP, {"key_id": key_id}).first()
    return None if row is None else StoredKey(*row)


_KEY_LOOKUP_SQL = str(_KEY_LOOKUP.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
""":data:`_KEY_LOOKUP` as psycopg's SQL text, for the async pool (one query, two drivers)."""


async def load_key_async(conn: AsyncConnection[Any], key_id: str) -> StoredKey | None:
    """:func:`load_key` on an async psycopg connection (PostgreSQL, autocommit)."""
    cur = await conn.execute(_KEY_LOOKUP_SQL, {"key_id": key_id})
    row = await cur.fetchone()
    return None if row is None else StoredKey(*row)


def split_token(token: str) -> tuple[str, str] | None:
    """``cm_<id>_<secret>`` → (id, secret), or None when malformed (a control character
    included: the id is looked up, and PostgreSQL text cannot hold a NUL)."""
    if has_control(token):
        return None
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def verify_secret(row: ApiKeyRow | StoredKey, secret: str) -> bool:
    """Whether ``secret`` matches the stored argon2 hash."""
    try:
        return PasswordHasher().verify(row.secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
