"""A processor's yield in the network policy, taken by the database round (issue 16): the egg
cluster's feed → farm → grading → retail flow with a grading line that keeps 93 graded eggs
of every 100 raw ones; its prices lie between what the grading coop paid per graded egg and
what the buyer bid; bad yields are refused naming the field, nothing stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eggseed import CLUSTER, DAY, GRADING, seed_eggs
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.tables import ProposalRow, ProposalSaleRow, RoundRow
from api.services.round.policy import PolicyError, set_policy, show_policy
from api.services.round.service import run_round

BIDS = {"S1": 3_80, "S2": 3_70}


def _round(db: Engine, clock: Any) -> RoundRow:
    out = run_round(
        db, network_id="EGG", business_date=DAY, actor=CLUSTER, clock=clock, new_version=True
    )
    with Session(db) as s:
        rnd = s.get(RoundRow, out.round_id)
        assert rnd is not None
        return rnd


def _legs(db: Engine, round_id: int) -> list[tuple[str, str, int, int, int]]:
    """(supply, demand, units, price per unit, transport) of every stored sale."""
    with Session(db) as s:
        rows = s.execute(
            select(ProposalRow, ProposalSaleRow)
            .join(ProposalSaleRow, ProposalSaleRow.proposal_id == ProposalRow.id)
            .where(ProposalRow.round_id == round_id)
        ).all()
    return [
        (
            str(p.supply_order_id),
            str(p.demand_order_id),
            int(p.amount),
            t.price_satang_per_unit,
            t.transport_satang,
        )
        for p, t in rows
    ]


def test_egg_cluster_grading_yield_prices_lie_between_what_it_paid_and_the_bid(
    db: Engine, clock: Any
) -> None:
    seed_eggs(db)
    set_policy(db, "EGG", {"processors": [GRADING | {"yield_bps": 9_300}]}, actor=CLUSTER)
    rnd = _round(db, clock)  # checked by the engine's validators before it is saved
    legs = _legs(db, int(rnd.id or 0))
    into = [x for x in legs if x[1] == "grading-1"]
    out = [x for x in legs if x[0] == "grading-1"]
    assert into and out, legs
    units_in, units_out = sum(x[2] for x in into), sum(x[2] for x in out)
    assert units_out == units_in * 9_300 // 10_000  # one tier: ⌊in × 93 %⌋
    assert units_out < units_in
    # What the grading coop paid per graded egg: the raw eggs' cost over the graded eggs.
    paid = -(-sum(x[2] * x[3] for x in into) // units_out)
    per_raw_egg = -(-sum(x[2] * x[3] for x in into) // units_in)
    assert paid > per_raw_egg
    for _, order, qty, price, transport in out:
        assert paid + 10 + transport // qty <= price <= BIDS[order], (paid, price)
    params = json.loads(rnd.params_json)
    assert [p["yield_bps"] for p in params["processors"]] == [9_300]


def test_a_yield_of_one_is_the_default_and_grades_egg_for_egg(db: Engine, clock: Any) -> None:
    seed_eggs(db)
    set_policy(db, "EGG", {"processors": [GRADING]}, actor=CLUSTER)
    assert show_policy(db, "EGG").spec.processors[0].yield_bps == 10_000
    legs = _legs(db, int(_round(db, clock).id or 0))
    into = sum(x[2] for x in legs if x[1] == "grading-1")
    assert into > 0 and into == sum(x[2] for x in legs if x[0] == "grading-1")


@pytest.mark.parametrize("value", [0, -5, 100_001, 93.5, "9300", True, None])
def test_a_bad_yield_is_refused_naming_the_field(db: Engine, value: object) -> None:
    seed_eggs(db)
    before = show_policy(db, "EGG").version
    with pytest.raises(PolicyError) as err:
        set_policy(db, "EGG", {"processors": [GRADING | {"yield_bps": value}]}, actor=CLUSTER)
    lines = [x for x in err.value.lines if x.startswith("processors[0].yield_bps")]
    assert lines, err.value.lines
    assert "ผลได้" in lines[0] and "yield" in lines[0]
    assert show_policy(db, "EGG").version == before
