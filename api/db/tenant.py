"""Member-scoped read sessions: on PostgreSQL, row-level security as a second tenant layer.

:func:`member_session` opens a read transaction that, on PostgreSQL, switches into the
``coopmatch_member`` role (``SET LOCAL ROLE``; superusers and table owners bypass row-level
security, this role does not) and names the coop in the transaction-local ``app.coop_id``
setting that the policies of migration 0005 compare with. Both end with the transaction.
On SQLite it is a plain read session (the service checks are the only layer there).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text
from sqlmodel import Session

from api.db.tx import is_postgres, read_session

MEMBER_ROLE = "coopmatch_member"


@contextmanager
def member_session(engine: Engine, coop_id: str) -> Iterator[Session]:
    """A read-only unit of work that sees only ``coop_id``'s orders, proposals and
    commitments on PostgreSQL (whatever the queries inside filter on)."""
    with read_session(engine) as session:
        if is_postgres(engine):
            session.execute(text(f"SET LOCAL ROLE {MEMBER_ROLE}"))
            session.execute(
                text("SELECT set_config('app.coop_id', :coop, true)"), {"coop": coop_id}
            )
        yield session
