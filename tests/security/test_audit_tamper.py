"""Finding 2 of issue 18 (tamper evidence): with the database's triggers bypassed, an
edited event with recomputed hashes, a deleted coop chain, a cut-off chain end and a
commitment multiplied by 100 all passed ``coopmatch audit verify``. Each is now caught: by
the signed anchor outside the database (the first three) or by the cross-check of every
row against its event (the commitment). Each case fails on the code before this change
(verify printed "intact"), and passes now, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from auditworld import World, as_owner, build_world, rehash_chain
from sqlalchemy import Engine, text


@pytest.fixture
def world(db: Engine, tmp_path: Path) -> World:
    built = build_world(db, tmp_path)
    code, out = built.cli("audit", "verify")
    assert code == 0 and "intact" in out and "2 anchor checkpoints" in out, out
    return built


def _verify_fails(world: World, *expected: str) -> str:
    code, out = world.cli("audit", "verify")
    assert code == 1, out
    for phrase in expected:
        assert phrase in out, out
    assert "Traceback" not in out
    return out


def test_an_edited_event_with_recomputed_hashes_is_caught(world: World) -> None:
    # The owner doubles C1's offer in the table AND in its event, then re-hashes the chain:
    # the chain and the cross-check agree again; only the anchor outside still knows.
    with as_owner(world.engine) as conn:
        row = conn.execute(
            text(
                "SELECT id, payload, entity_id FROM audit_event WHERE chain = 'coop:C1' AND seq = 1"
            )
        ).one()
        payload = json.loads(row.payload)
        payload["amount"] *= 2
        conn.execute(
            text("UPDATE audit_event SET payload = :p WHERE id = :i"),
            {"p": json.dumps(payload, separators=(",", ":"), sort_keys=True), "i": row.id},
        )
        conn.execute(
            text("UPDATE orders SET amount = amount * 2 WHERE id = :o"), {"o": row.entity_id}
        )
        rehash_chain(conn, "coop:C1")
    _verify_fails(world, "chain coop:C1", "differs from its anchor")


def test_a_deleted_coop_chain_is_caught(world: World) -> None:
    with as_owner(world.engine) as conn:
        conn.execute(text("DELETE FROM audit_event WHERE chain = 'coop:C4'"))
        conn.execute(text("DELETE FROM audit_chain_head WHERE chain = 'coop:C4'"))
    _verify_fails(world, "chain coop:C4", "is gone")


def test_a_cut_off_chain_end_is_caught(world: World) -> None:
    with as_owner(world.engine) as conn:
        last = conn.execute(
            text("SELECT MAX(seq) FROM audit_event WHERE chain = 'global'")
        ).scalar_one()
        conn.execute(
            text("DELETE FROM audit_event WHERE chain = 'global' AND seq = :s"), {"s": last}
        )
        prev = conn.execute(
            text("SELECT hash FROM audit_event WHERE chain = 'global' AND seq = :s"),
            {"s": last - 1},
        ).scalar_one()
        conn.execute(
            text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE chain = 'global'"),
            {"s": last - 1, "h": prev},
        )
    _verify_fails(world, "chain global", f"event {last}", "is gone")


def test_a_commitment_multiplied_by_100_is_caught(world: World) -> None:
    with as_owner(world.engine) as conn:
        conn.execute(text("UPDATE commitment SET amount = amount * 100"))
    _verify_fails(world, "commitment", "amount_satang")


def test_a_forged_anchor_line_is_caught(world: World) -> None:
    lines = world.anchor.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["heads"]["global"][0] -= 1
    world.anchor.write_text("\n".join([*lines[:-1], json.dumps(forged)]) + "\n")
    _verify_fails(world, "signature does not match")


def test_an_order_slipped_in_behind_the_audit_is_caught(world: World) -> None:
    with as_owner(world.engine) as conn:
        conn.execute(
            text(
                "INSERT INTO orders (id, kind, coop_id, unit, amount, reserved, committed, "
                "status, arrival, version, created_at, updated_at) SELECT 'PLANTED', kind, "
                "coop_id, unit, amount * 100, 0, 0, 'open', 0, 1, created_at, updated_at "
                "FROM orders WHERE coop_id = 'C1'"
            )
        )
    _verify_fails(world, "order PLANTED: no audit event created it")


def test_a_proposal_moved_to_another_amount_is_caught(world: World) -> None:
    with as_owner(world.engine) as conn:
        conn.execute(
            text(
                "UPDATE proposal SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM proposal)"
            )
        )
    _verify_fails(world, "its proposals differ from its audit event")
