"""Migrations against the models, the audit chain and its tamper detection."""

from __future__ import annotations

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dbseed import COORDINATOR, seed_lamphun
from sqlalchemy import text
from sqlmodel import Session

from api.db.audit import verify_chain
from api.db.migrate import alembic_config, current_revision, downgrade, upgrade
from api.db.tables import metadata
from api.db.tx import is_postgres
from api.services.proposals import accept_proposal
from api.services.rounds import run_round


def test_migrations_match_models_and_round_trip(db) -> None:
    with db.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, metadata) == []
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    assert head is not None and current_revision(db) == head
    downgrade(db, "base")
    assert current_revision(db) is None
    upgrade(db)
    assert current_revision(db) == head


def _drop_trigger_sql(db) -> list[str]:  # type: ignore[no-untyped-def]
    if is_postgres(db):
        return ["DROP TRIGGER audit_event_append_only ON audit_event"]
    return ["DROP TRIGGER audit_event_no_update"]


def test_audit_chain_verifies_and_detects_tampering(db, clock) -> None:
    seed_lamphun(db)
    run_round(
        db, network_id="LPN", business_date=date(2026, 11, 21), actor=COORDINATOR, clock=clock
    )
    with Session(db) as s:
        from sqlalchemy import select

        from api.db.tables import ProposalRow

        p = s.execute(select(ProposalRow)).scalars().first()
        assert p is not None
    accept_proposal(db, p.id, p.supply_coop_id, clock=clock)
    with Session(db) as s:
        report = verify_chain(s)
    assert report.ok and report.checked == 3
    with db.begin() as conn:
        for sql in _drop_trigger_sql(db):
            conn.execute(text(sql))
        conn.execute(text('UPDATE audit_event SET payload = \'{"side":"demand"}\' WHERE id = 3'))
    with Session(db) as s:
        bad = verify_chain(s)
    assert not bad.ok and bad.first_bad_id == 3 and "hash" in bad.reason


def test_audit_chain_detects_removed_row(db, clock) -> None:
    seed_lamphun(db)
    run_round(
        db, network_id="LPN", business_date=date(2026, 11, 21), actor=COORDINATOR, clock=clock
    )
    with db.begin() as conn:
        if is_postgres(db):
            conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        conn.execute(text("DELETE FROM audit_event WHERE id = 1"))
    with Session(db) as s:
        bad = verify_chain(s)
    assert not bad.ok and bad.first_bad_id == 2
