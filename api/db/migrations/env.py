"""Alembic environment: migrates through the engine handed over by :mod:`api.db.migrate`.

Run outside coopmatch (``alembic -c ...``) it builds the engine from :class:`Settings`.
``render_as_batch`` makes ALTERs work on SQLite.
"""

from __future__ import annotations

from alembic import context

from api.db import tables_http  # noqa: F401  (registers the HTTP tables in metadata)
from api.db.tables import metadata
from api.settings import Settings, create_engine_from

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or create_engine_from(Settings())
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("offline migrations are not supported; run `coopmatch db upgrade`")
run_migrations_online()
