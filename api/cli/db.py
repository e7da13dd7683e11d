"""``coopmatch db``: migrations, plus the engine and error mapping DB commands share."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from api.cli.common import console, fail
from api.db.audit_anchor import AnchorKeyError
from api.services.errors import ServiceError
from api.settings import Settings, create_engine_from, is_sqlite, migration_url

NO_SCHEMA = (
    "the database has no tables yet: run `coopmatch db upgrade` first, or point "
    "COOPMATCH_DATABASE_URL at the database you meant (the demo's is "
    "sqlite:///.demo/coopmatch.sqlite3) "
    "(ฐานข้อมูลยังไม่มีตาราง: สั่ง coopmatch db upgrade ก่อน หรือกำหนด COOPMATCH_DATABASE_URL)"
)


def is_missing_schema(exc: Exception) -> bool:
    """Whether a database error says a table is missing (SQLite or PostgreSQL)."""
    text = str(getattr(exc, "orig", exc))
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def schema_or_fail(engine: Engine, subject: str) -> None:
    """Exit 2 with the way out when the database was never migrated (a SQLite file that does
    not exist is not created by asking)."""
    from pathlib import Path

    from api.db.migrate import current_revision

    file = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).exists():
        fail(subject, [NO_SCHEMA])
    with service_errors(subject):
        if current_revision(engine) is None:
            fail(subject, [NO_SCHEMA])


def open_engine() -> Engine:
    """The engine for ``COOPMATCH_DATABASE_URL`` (SQLite file in the working dir by default)."""
    return create_engine_from(Settings())


def open_migration_engine(settings: Settings) -> Engine:
    """The engine of the migration role (``COOPMATCH_MIGRATION_DATABASE_URL``, else
    ``COOPMATCH_DATABASE_URL``)."""
    return create_engine_from(settings.model_copy(update={"database_url": migration_url(settings)}))


def runtime_role(settings: Settings, given: str | None = None) -> str | None:
    """The runtime role to grant to: ``given``, ``COOPMATCH_RUNTIME_ROLE``, or the user of
    the serving URL when it differs from the migration URL's (None: nothing to grant)."""
    from api.db.roles import runtime_role_name

    if given or settings.runtime_role:
        return given or settings.runtime_role
    if is_sqlite(settings.database_url):
        return None
    serving = make_url(settings.database_url).username
    return runtime_role_name(serving, make_url(migration_url(settings)).username)


def actor_or_fail(actor: str | None) -> str:
    """The caller's principal: ``--as`` or ``COOPMATCH_ACTOR``."""
    chosen = actor or Settings().actor
    if not chosen:
        fail(
            "--as",
            ["who is running this? pass --as PRINCIPAL or set COOPMATCH_ACTOR (ระบุผู้ใช้งานด้วย --as)"],
        )
    return chosen


@contextmanager
def service_errors(subject: str) -> Iterator[None]:
    """Map service and connection errors to a bilingual exit-2 message."""
    try:
        yield
    except ServiceError as exc:
        fail(f"{subject}: {exc}", exc.lines)
    except AnchorKeyError as exc:
        fail(subject, [str(exc)])
    except (OperationalError, ProgrammingError) as exc:
        if is_missing_schema(exc):
            fail(subject, [NO_SCHEMA])
        fail(subject, [f"database error (ฐานข้อมูลผิดพลาด): {exc.orig}"])
    except OSError as exc:
        fail(subject, [f"file error (ไฟล์ผิดพลาด): {exc.strerror or exc}"])


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to ``app``."""
    db_app = typer.Typer(help="Database schema / ฐานข้อมูล", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
        """Create or migrate the database to the latest schema (สร้าง/ปรับปรุงฐานข้อมูล)."""
        from api.db.migrate import current_revision
        from api.db.migrate import upgrade as run_upgrade

        settings = Settings()
        engine = open_migration_engine(settings)
        with service_errors("db upgrade"):
            run_upgrade(engine, revision)
            console.print(
                f"ฐานข้อมูลพร้อมแล้ว / database at revision [bold]{current_revision(engine)}[/] "
                f"({engine.url.render_as_string(hide_password=True)})"
            )
            role = runtime_role(settings)
            if role is not None and engine.dialect.name == "postgresql":
                _grant(engine, role, make_url(settings.database_url).password)

    @db_app.command("roles")
    def roles(
        runtime: str | None = typer.Option(
            None,
            "--runtime-role",
            help="the runtime role (default: COOPMATCH_RUNTIME_ROLE or the serving URL's user)",
        ),
    ) -> None:
        """PostgreSQL: create the runtime role if needed and grant it only the DML the
        application needs (สร้าง/กำหนดสิทธิ์บทบาทสำหรับให้บริการ)."""
        settings = Settings()
        role = runtime_role(settings, runtime)
        if is_sqlite(migration_url(settings)):
            fail("db roles", ["SQLite has no roles: PostgreSQL only (ใช้ได้กับ PostgreSQL เท่านั้น)"])
        if role is None:
            fail(
                "--runtime-role",
                [
                    "name the runtime role: --runtime-role, COOPMATCH_RUNTIME_ROLE, or a "
                    "COOPMATCH_DATABASE_URL whose user differs from "
                    "COOPMATCH_MIGRATION_DATABASE_URL's (ระบุบทบาทสำหรับให้บริการ)"
                ],
            )
        engine = open_migration_engine(settings)
        with service_errors("db roles"):
            _grant(engine, role, make_url(settings.database_url).password)

    app.add_typer(db_app, name="db")


def _grant(engine: Engine, role: str, password: str | None) -> None:
    from api.db.roles import RoleError, grant_runtime

    try:
        changeable = grant_runtime(engine, role, password)
    except RoleError as exc:
        fail("db roles", [str(exc)])
    console.print(
        f"บทบาทสำหรับให้บริการ / runtime role [bold]{role}[/]: DML on {len(changeable)} tables, "
        "insert-only on the ledger and audit, no DDL"
    )
