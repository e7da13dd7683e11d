"""Table models of the HTTP edge: hashed API keys and stored idempotency keys.

Kept apart from :mod:`api.db.tables` so the persistence core does not know about HTTP;
the Alembic environment imports this module so both land in one metadata.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Index, Text
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Column:  # type: ignore[type-arg]
    return Column(DateTime(timezone=True), nullable=nullable)


class ApiKeyRow(SQLModel, table=True):
    """One API key: ``role`` member (``coop_id`` set), coordinator or admin (``principal``).

    Only the argon2 hash of the secret is stored; ``id`` is the public key prefix.
    """

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=32)
    secret_hash: str = Field(max_length=200)
    role: str = Field(max_length=16)
    coop_id: str | None = Field(default=None, foreign_key="coop.id", max_length=64)
    principal: str = Field(max_length=64)
    label: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_ts())
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class IdempotencyKeyRow(SQLModel, table=True):
    """A state-changing request already seen: its body hash and the stored response.

    ``status_code`` is 0 while the first request is still in flight.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (Index("ix_idempotency_created", "created_at"),)

    principal: str = Field(primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=_ts())


class WebSessionRow(SQLModel, table=True):
    """A browser session of the web pages, kept on the server so that logout ends it.

    ``id`` is the SHA-256 of the cookie's random value (the value itself is never stored);
    a session is live while ``ended_at`` is empty, ``expires_at`` is ahead and its key is
    not revoked.
    """

    __tablename__ = "web_session"
    __table_args__ = (Index("ix_web_session_expires", "expires_at"),)

    id: str = Field(primary_key=True, max_length=64)
    key_id: str = Field(foreign_key="api_key.id", max_length=32)
    created_at: datetime = Field(sa_column=_ts())
    expires_at: datetime = Field(sa_column=_ts())
    ended_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebUserRow(SQLModel, table=True):
    """A person's account for the web pages: a user name and the argon2 hash of a password.

    Its role, principal and coop are those of its own API key (``key_id``), which is never
    shown to anyone: a session of the user is a session of that key, so revoking the key
    disables the user and ends its sessions. ``must_change_password`` holds from creation
    (an admin chose the first password) until the user picks one.
    """

    __tablename__ = "web_user"

    username: str = Field(primary_key=True, max_length=64)
    password_hash: str = Field(max_length=200)
    key_id: str = Field(foreign_key="api_key.id", max_length=32, unique=True)
    must_change_password: bool = True
    created_at: datetime = Field(sa_column=_ts())
    password_changed_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
