"""Round rules: coordinator checks, bad input changes nothing, versions and re-runs."""

from __future__ import annotations

from datetime import date

import pytest
from dbseed import COORDINATOR, check_invariants, seed_lamphun
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.tables import AuditEventRow, ProposalRow, RoundRow
from api.services.errors import ForbiddenError, NotFoundError
from api.services.proposals import accept_proposal
from api.services.round.service import run_round

DAY = date(2026, 11, 21)


def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with Session(db) as s:
        return tuple(  # type: ignore[return-value]
            int(s.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (RoundRow, ProposalRow, AuditEventRow)
        )


def test_only_coordinators_run_rounds(db, clock) -> None:
    seed_lamphun(db)
    before = _counts(db)
    with pytest.raises(ForbiddenError, match="does not coordinate"):
        run_round(db, network_id="LPN", business_date=DAY, actor="area1-office", clock=clock)
    with pytest.raises(ForbiddenError):
        run_round(db, network_id="LPN-A2", business_date=DAY, actor="area1-office", clock=clock)
    with pytest.raises(NotFoundError):
        run_round(db, network_id="NOPE", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert _counts(db) == before
    area = run_round(db, network_id="LPN-A1", business_date=DAY, actor="area1-office", clock=clock)
    sub = run_round(db, network_id="LPN-A2", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert area.round_id != sub.round_id
    check_invariants(db)


def test_new_version_keeps_accepted_and_rematches_the_rest(db, clock) -> None:
    seed_lamphun(db)
    v1 = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with Session(db) as s:
        first = (
            s.execute(
                select(ProposalRow)
                .where(ProposalRow.round_id == v1.round_id)
                .order_by(ProposalRow.id)
            )
            .scalars()
            .all()
        )
    kept = first[0]
    accept_proposal(db, kept.id, kept.supply_coop_id, clock=clock)
    clock.advance(minutes=5)
    v2 = run_round(
        db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock, new_version=True
    )
    assert v2.version == 2 and not v2.reused
    with Session(db) as s:
        rows = {p.id: p for p in s.execute(select(ProposalRow)).scalars()}
        old = s.get(RoundRow, v1.round_id)
        assert old is not None and old.status == "superseded"
    assert rows[kept.id].status == "pending"
    for p in first[1:]:
        assert rows[p.id].status == "voided"
    check_invariants(db)
    same = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    assert same.reused and same.round_id == v2.round_id


def test_new_version_of_unchanged_input_has_same_hash_and_answer(db, clock) -> None:
    """Voided reservations are added back, so v2 sees exactly v1's input and answer."""
    seed_lamphun(db)
    v1 = run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    v2 = run_round(
        db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock, new_version=True
    )
    assert v2.version == 2 and v2.input_hash == v1.input_hash

    def terms(round_id: int) -> list[tuple[str, str, int]]:
        with Session(db) as s:
            rows = s.execute(select(ProposalRow).where(ProposalRow.round_id == round_id))
            return sorted((p.supply_order_id, p.demand_order_id, p.amount) for p in rows.scalars())

    assert terms(v1.round_id) == terms(v2.round_id)
    check_invariants(db)
