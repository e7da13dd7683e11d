"""Finding 2 of issue 18 (least privilege): the application ran as the role that owned the
tables, so it could alter them, disable their triggers and rewrite the audit and the
ledger. ``coopmatch db roles`` now makes a runtime role with only the DML it needs; the
application runs fully as that role, and the role cannot alter a table, disable or drop a
trigger, set ``session_replication_role``, update or delete audit and ledger rows, truncate,
or create tables. PostgreSQL only (SQLite has no roles); the role's name is unique per test
and the role is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from auditworld import build_world
from dbfixtures import PG_ENV, PgSchema
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.cli.main import app as cli_app
from api.db.migrate import upgrade
from api.settings import Settings, create_engine_from

pytestmark = pytest.mark.postgres

FORBIDDEN = [
    "ALTER TABLE audit_event ADD COLUMN forged integer",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE commitment DISABLE TRIGGER USER",
    "DROP TRIGGER audit_event_append_only ON audit_event",
    "SET session_replication_role = replica",
    "UPDATE audit_event SET actor = 'forged'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "DELETE FROM audit_chain_head",
    "UPDATE commitment SET amount = amount * 100",
    "DELETE FROM commitment",
    "UPDATE commitment_loan SET rate_bps = 0",
    "UPDATE loan_instalment SET principal_satang = 0",
    "DELETE FROM loan_instalment",
    "UPDATE commitment_setoff SET amount_satang = 0",
    "UPDATE alembic_version SET version_num = '0001'",
    "CREATE TABLE forged (x integer)",
]


@pytest.fixture
def schema() -> Iterator[PgSchema]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} not set: PostgreSQL tier skipped")
    pg = PgSchema(os.environ[PG_ENV])
    upgrade(pg.engine)
    yield pg
    pg.drop()


@pytest.fixture
def runtime(schema: PgSchema) -> Iterator[str]:
    """A unique runtime role name; the role is dropped after the test."""
    role = f"cm_rt_{uuid.uuid4().hex[:10]}"
    yield role
    admin = create_engine(schema.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
    admin.dispose()


def _urls(pg: PgSchema, role: str) -> tuple[str, str]:
    """(migration URL, runtime URL), both on the test's schema."""
    path = f"?options=-csearch_path%3D{pg.schema}"
    runtime = make_url(pg.url).set(username=role).render_as_string(hide_password=False)
    return pg.url + path, runtime + path


def _cli(migration: str, serving: str, *args: str) -> tuple[int, str]:
    env = {"COOPMATCH_MIGRATION_DATABASE_URL": migration, "COOPMATCH_DATABASE_URL": serving}
    res = CliRunner().invoke(cli_app, list(args), env=env)
    return res.exit_code, " ".join(res.output.split())


def _runtime_engine(pg: PgSchema, role: str) -> Engine:
    url = make_url(pg.url).set(username=role).render_as_string(hide_password=False)
    return create_engine_from(Settings(database_url=url), schema=pg.schema)


def test_the_runtime_role_runs_the_app_and_cannot_rewrite_history(
    schema: PgSchema, runtime: str, tmp_path: Path
) -> None:
    migration, serving = _urls(schema, runtime)
    code, out = _cli(migration, serving, "db", "roles")
    assert code == 0 and runtime in out, out
    code, out = _cli(migration, serving, "db", "upgrade")  # re-grants after migrating
    assert code == 0 and runtime in out, out
    engine = _runtime_engine(schema, runtime)
    try:
        world = build_world(engine, tmp_path)  # members, orders, round, accepts: all as runtime
        code, out = world.cli("audit", "verify")
        assert code == 0 and "intact" in out, out
        refused = []
        for statement in FORBIDDEN:
            with engine.connect() as conn:
                try:
                    with conn.begin():
                        conn.execute(text(statement))
                except DBAPIError as exc:
                    refused.append(getattr(exc.orig, "sqlstate", None))
                    continue
            pytest.fail(f"the runtime role was allowed: {statement}")
        assert refused == ["42501"] * len(FORBIDDEN)  # insufficient_privilege, every one
    finally:
        engine.dispose()


def test_a_superuser_or_the_owner_is_refused_as_runtime_role(schema: PgSchema) -> None:
    migration, _ = _urls(schema, "postgres")
    code, out = _cli(migration, migration, "db", "roles", "--runtime-role", "postgres")
    assert code == 2 and "superuser" in out and "Traceback" not in out, out
    code, out = _cli(migration, migration, "db", "roles")
    assert code == 2 and "--runtime-role" in out, out
