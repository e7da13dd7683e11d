"""Migrations against the models, the audit chains and their tamper detection."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from dbseed import COORDINATOR, seed_lamphun
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from api.db.audit import (
    GENESIS_HASH,
    append_event,
    coop_chain,
    event_hash,
    lock_chain,
    verify_chain,
)
from api.db.migrate import alembic_config, current_revision, downgrade, upgrade
from api.db.tables import AuditEventRow, metadata
from api.db.tx import in_chain_transaction, in_write_transaction, is_postgres
from api.services.member_orders import post_member_order
from api.services.orders import OfferSpec
from api.services.proposals import accept_proposal
from api.services.round.service import run_round


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


def _post(db, clock, coop: str, oid: str) -> None:  # type: ignore[no-untyped-def]
    """A member's order post, as the API runs it: on the coop's chain, no global lock."""
    spec = OfferSpec(oid, coop, 100_00, 300, 90)
    chain = coop_chain(coop)

    def work(session: Session) -> None:
        lock_chain(session, chain)
        post_member_order(session, spec, clock(), coop, chain)

    in_chain_transaction(db, work)


def _without_append_only(db, *sql: str) -> None:  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        if is_postgres(db):
            conn.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            conn.execute(text("DROP TRIGGER audit_event_no_update"))
            conn.execute(text("DROP TRIGGER audit_event_no_delete"))
        for statement in sql:
            conn.execute(text(statement))


def test_coop_chains_verify_beside_the_global_chain(db, clock) -> None:
    seed_lamphun(db)
    for i in range(3):
        _post(db, clock, "C1", f"P1-{i}")
        _post(db, clock, "C2", f"P2-{i}")
    run_round(
        db, network_id="LPN", business_date=date(2026, 11, 21), actor=COORDINATOR, clock=clock
    )
    with Session(db) as s:
        chains = dict(
            s.execute(
                select(AuditEventRow.chain, func.max(AuditEventRow.seq)).group_by(
                    AuditEventRow.chain
                )
            ).all()
        )
        report = verify_chain(s)
    assert chains["coop:C1"] == 3 and chains["coop:C2"] == 3 and chains["global"] >= 1
    assert report.ok and report.checked == sum(chains.values())


def test_coop_chain_tampering_and_truncation_are_detected(db, clock) -> None:
    seed_lamphun(db)
    for i in range(3):
        _post(db, clock, "C1", f"P1-{i}")
    with Session(db) as s:
        ids = [
            r.id
            for r in s.execute(
                select(AuditEventRow).where(AuditEventRow.chain == "coop:C1").order_by("seq")
            ).scalars()
        ]
    _without_append_only(db, f"UPDATE audit_event SET actor = 'x' WHERE id = {ids[1]}")
    with Session(db) as s:
        bad = verify_chain(s)
    assert not bad.ok and bad.first_bad_id == ids[1] and "hash" in bad.reason
    with db.begin() as conn:  # undo, then cut the chain's last event off
        conn.execute(text(f"UPDATE audit_event SET actor = 'C1' WHERE id = {ids[1]}"))
        conn.execute(text(f"DELETE FROM audit_event WHERE id = {ids[2]}"))
    with Session(db) as s:
        bad = verify_chain(s)
    assert not bad.ok and bad.first_bad_id == ids[1] and "head" in bad.reason


def test_an_event_moved_to_another_chain_does_not_verify(db, clock) -> None:
    seed_lamphun(db)
    _post(db, clock, "C1", "P1")
    _without_append_only(
        db,
        "UPDATE audit_event SET chain = 'coop:C9' WHERE chain = 'coop:C1'",
        "UPDATE audit_chain_head SET chain = 'coop:C9' WHERE chain = 'coop:C1'",
    )
    with Session(db) as s:
        bad = verify_chain(s)
    assert not bad.ok and "prev_hash" in bad.reason


def test_upgrade_to_chains_keeps_an_existing_log_verifiable(db, clock) -> None:
    downgrade(db, "0007")
    prev = GENESIS_HASH
    with db.begin() as conn:
        for seq in (1, 2):
            at = clock()
            digest = event_hash(prev, seq, at, "cli", "test.old", "order", "*", {"n": seq})
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, occurred_at, actor, action, entity, entity_id,"
                    " payload, prev_hash, hash) VALUES (:id, :at, 'cli', 'test.old', 'order',"
                    " '*', :payload, :prev, :hash)"
                ),
                {"id": seq, "at": at, "payload": f'{{"n":{seq}}}', "prev": prev, "hash": digest},
            )
            prev = digest
    upgrade(db)
    in_write_transaction(db, lambda s: append_event(s, clock(), "cli", "t.new", "order", "*", {}))
    with Session(db) as s:
        report = verify_chain(s)
        rows = s.execute(select(AuditEventRow).order_by(AuditEventRow.id)).scalars().all()
    assert report.ok and report.checked == 3
    assert [(r.chain, r.seq) for r in rows] == [("global", 1), ("global", 2), ("global", 3)]


def test_the_database_refuses_an_event_that_does_not_follow_its_head(db, clock) -> None:
    seed_lamphun(db)
    _post(db, clock, "C1", "P1")
    with Session(db) as s:
        first = s.execute(
            select(AuditEventRow).where(AuditEventRow.chain == "coop:C1")
        ).scalar_one()
    fork = {
        "at": clock(),
        "prev": first.prev_hash,  # a second event 1: a fork of the chain
        "hash": "f" * 64,
    }
    with pytest.raises(DBAPIError), db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_event (chain, seq, occurred_at, actor, action, entity,"
                " entity_id, payload, prev_hash, hash) VALUES ('coop:C1', 2, :at, 'x', 'x',"
                " 'order', '*', '{}', :prev, :hash)"
            ),
            fork,
        )
    with Session(db) as s:
        assert verify_chain(s).ok
