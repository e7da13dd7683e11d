"""The cross-check of orders against their events tolerates exactly as many unnamed orders
as imports recorded before import events named their orders (those only counted them)."""

from __future__ import annotations

from dbseed import T0
from sqlalchemy import Engine

from api.db.audit import append_event
from api.db.audit_crosscheck import check_orders
from api.db.tx import in_write_transaction, read_session
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import OfferSpec, insert_orders
from matcher.domain import NetworkLevel


def _offer(engine: Engine, oid: str, event: dict[str, object] | None) -> None:
    def work(session) -> None:  # type: ignore[no-untyped-def]
        insert_orders(session, [OfferSpec(oid, "C1", 100_00, 300, 90)], [], T0)
        if event is not None:
            append_event(session, T0, "seed", "orders.imported", "order", "*", event)

    in_write_transaction(engine, work)


def _faults(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return check_orders(session)


def test_legacy_imports_cover_only_their_count(db: Engine) -> None:
    networks = [NetworkSpec("N", "เครือข่าย", NetworkLevel.PROVINCE, "N")]
    coops = [CoopSpec("C1", "สหกรณ์", "N")]
    in_write_transaction(db, lambda s: upsert_members(s, networks, coops, T0, "seed"))
    _offer(db, "A", {"file_hash": "f1", "offers": 1, "needs": 0})  # a legacy import of one
    assert _faults(db) == []
    _offer(db, "B", None)  # an order no event accounts for
    assert _faults(db) == [
        "order A: no audit event created it",
        "order B: no audit event created it",
    ]
    _offer(db, "C", {"file_hash": "f2", "offers": 1, "needs": 0, "orders": {"C": 100_00}})
    assert len(_faults(db)) == 2  # a named import covers its own order only
