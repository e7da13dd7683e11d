"""PostgreSQL least privilege: the runtime role gets only the DML the application needs.

Two roles (docs/security-db.md):

* the **migration role** owns the schema and every table, trigger and function in it; only
  ``coopmatch db upgrade`` and ``coopmatch db roles`` connect as it;
* the **runtime role** (``coopmatch serve``, the CLI's daily commands) may select, insert,
  update and delete in the working tables, but only select and insert in the append-only
  ledger and audit tables (:data:`api.db.tables.APPEND_ONLY_TABLES`), only read
  ``alembic_version``, and use the sequences. It owns nothing, so it can neither alter a
  table nor disable a trigger; it is no superuser, so it cannot set
  ``session_replication_role``; it creates nothing in the schema. It has ``BYPASSRLS``,
  as the owner is exempt from row security, because the round's bulk writes use ``COPY``,
  which PostgreSQL refuses for a role that row security applies to; member-scoped reads
  still switch into ``coopmatch_member`` (the row-level-security role of 0005), which
  does not bypass it, so that second tenant layer is unchanged.

Creating a role with ``BYPASSRLS`` needs a superuser: either run ``coopmatch db roles``
once as one, or let the DBA create the role (``CREATE ROLE … LOGIN BYPASSRLS``) and run
``db roles`` as the migration role, which then only grants.

:func:`grant_runtime` is idempotent: ``db roles`` runs it once, ``db upgrade`` again after
every migration (new tables get their grants).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from api.db.tables import APPEND_ONLY_TABLES

MEMBER_ROLE = "coopmatch_member"
READ_ONLY_TABLES = ("alembic_version",)
HEAD_TABLES = ("audit_chain_head",)
"""Locked (upsert) and moved on by every audit append; never deleted."""


class RoleError(ValueError):
    """The runtime role cannot be made least-privileged as asked."""


def _q(conn: Connection, name: str) -> str:
    """``name`` quoted as an SQL identifier."""
    return str(conn.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar_one())


def _tables(conn: Connection) -> list[str]:
    """Every table in the current schema."""
    rows = conn.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    ).scalars()
    return [str(t) for t in rows]


def _ensure_role(conn: Connection, role: str, password: str | None) -> None:
    """Create ``role`` (LOGIN BYPASSRLS, nothing else) unless it exists; refuse a superuser,
    the schema's owner, or a role without BYPASSRLS."""
    found = conn.execute(
        text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    q = _q(conn, role)
    if found is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    text(f"CREATE ROLE {q} LOGIN BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE")
                )
        except DBAPIError as exc:
            raise RoleError(
                f"cannot create role {role} ({exc.orig}): as a superuser run "
                f"CREATE ROLE {role} LOGIN BYPASSRLS PASSWORD '…', then db roles again"
            ) from exc
        if password:
            conn.execute(text(f"ALTER ROLE {q} PASSWORD " + _literal(conn, password)))
        return
    if found.rolsuper:
        raise RoleError(f"role {role} is a superuser: not a runtime role")
    owns = conn.execute(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND pg_get_userbyid(c.relowner) = :r"
        ),
        {"r": role},
    ).scalar_one()
    if owns or role == conn.execute(text("SELECT current_user")).scalar_one():
        raise RoleError(f"role {role} owns the schema's tables: it is the migration role")
    if not found.rolbypassrls:
        raise RoleError(
            f"role {role} lacks BYPASSRLS (the round's bulk COPY needs it): as a superuser "
            f"run ALTER ROLE {role} BYPASSRLS"
        )


def _literal(conn: Connection, value: str) -> str:
    return str(conn.execute(text("SELECT quote_literal(:v)"), {"v": value}).scalar_one())


def grant_runtime(engine: Engine, role: str, password: str | None = None) -> list[str]:
    """Make ``role`` the runtime role of the engine's schema (engine: the migration role);
    returns the tables it may change. Idempotent."""
    with engine.begin() as conn:
        _ensure_role(conn, role, password)
        q = _q(conn, role)
        schema = _q(conn, str(conn.execute(text("SELECT current_schema()")).scalar_one()))
        conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {q}"))
        conn.execute(text(f"REVOKE CREATE ON SCHEMA {schema} FROM {q}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {q}"))
        conn.execute(
            text(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {q}")
        )
        conn.execute(text(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {q}"))
        changeable = []
        for table in _tables(conn):
            t = _q(conn, table)
            if table in READ_ONLY_TABLES:
                privileges = "SELECT"
            elif table in APPEND_ONLY_TABLES:
                privileges = "SELECT, INSERT"
            elif table in HEAD_TABLES:
                privileges = "SELECT, INSERT, UPDATE"
            else:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
                changeable.append(table)
            conn.execute(text(f"GRANT {privileges} ON {t} TO {q}"))
        if conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": MEMBER_ROLE}
        ).first():
            conn.execute(text(f"GRANT {MEMBER_ROLE} TO {q}"))
    return changeable


def runtime_role_name(serving_url_user: str | None, migration_user: str | None) -> str | None:
    """The runtime role implied by two URLs: the serving user when it differs."""
    if serving_url_user and serving_url_user != migration_user:
        return serving_url_user
    return None
