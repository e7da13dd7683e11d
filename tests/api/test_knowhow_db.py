"""Know-how matching on the database: two networks over several days, two-phase
acceptance, a decline freeing the seat, an expiry, tenancy, bad postings naming fields.

The placements of each round are checked against the matcher run directly on the open
postings (outside the database path). SQLite and, with ``COOPMATCH_TEST_POSTGRES_URL``,
PostgreSQL (dbtiers).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from dbfixtures import FakeClock
from sqlalchemy import Engine, func, select
from sqlmodel import Session
from test_purchase_round_db import DAY, START, _seed

from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.services.errors import InvalidStateError, NotFoundError, ServiceError
from api.services.knowhow import (
    accept_knowhow,
    decline_knowhow,
    knowhow_of_coop,
    post_learn,
    post_teach,
)
from api.services.round.kinds import KNOWHOW, run_round_of_kind
from matcher.knowhow.model import KnowhowProblem, LearnRequest, TeachOffer
from matcher.knowhow.solver import solve_knowhow

LAMPHUN = {"lat_e5": 1_858_000, "lon_e5": 9_902_000}
PASANG = {"lat_e5": 1_852_000, "lon_e5": 9_905_000}
FUEL_OPS, EGG = "fuel_station_operation", "egg_grading"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def _round(db: Engine, clock: FakeClock, net: str, days: int = 0):  # type: ignore[no-untyped-def]
    ran = run_round_of_kind(db, KNOWHOW, network_id=net, business_date=DAY + timedelta(days=days),
                            actor=f"{net.lower()}-office", clock=clock)  # fmt: skip
    assert ran.knowhow is not None
    return ran.knowhow


def _postings(db: Engine) -> int:
    with Session(db) as s:
        return int(s.execute(select(func.count()).select_from(KnowhowPostingRow)).scalar_one())


def _oracle(learners: list[tuple[str, str, str]], mentors: list[tuple[str, str, str, int]]) -> int:
    """How many learners the matcher places on the same postings, outside the database."""
    reqs = tuple(LearnRequest(i, c, t, **PASANG) for i, c, t in learners)
    offs = tuple(TeachOffer(i, c, t, n, **LAMPHUN) for i, c, t, n in mentors)
    return solve_knowhow(KnowhowProblem(reqs, offs)).matched


def test_know_how_over_days_in_two_networks(db, clock) -> None:  # type: ignore[no-untyped-def]
    _seed(db, clock)
    f1 = post_teach(db, "F1", FUEL_OPS, 1, **LAMPHUN, actor="F1", clock=clock)
    e1 = post_teach(db, "E1", EGG, 2, **LAMPHUN, actor="E1", clock=clock)
    f4 = post_learn(db, "F4", FUEL_OPS, **PASANG, actor="F4", clock=clock)
    f5 = post_learn(db, "F5", FUEL_OPS, **PASANG, actor="F5", clock=clock)
    e2 = post_learn(db, "E2", EGG, **PASANG, actor="E2", clock=clock)
    post_learn(db, "E3", FUEL_OPS, **PASANG, actor="E3", clock=clock)  # no mentor in EGG

    fuel = _round(db, clock, "FUEL")
    egg = _round(db, clock, "EGG")
    assert fuel.matched == _oracle([(f4, "F4", FUEL_OPS), (f5, "F5", FUEL_OPS)],
                                   [(f1, "F1", FUEL_OPS, 1)]) == 1  # fmt: skip
    assert egg.matched == 1 and egg.requests == 2  # E3's topic has no mentor in its network
    assert _round(db, clock, "FUEL").reused
    (pf,), (pe,) = fuel.proposal_ids, egg.proposal_ids

    # Tenancy: a coop of the other network, or a bystander, sees and answers nothing.
    for coop in ("E1", "F2"):
        with pytest.raises(NotFoundError):
            accept_knowhow(db, pf, coop, clock=clock)
    assert knowhow_of_coop(db, "F2") == []
    learner = next(v.learner for v in knowhow_of_coop(db, "F1") if v.id == pf)

    # Two-phase: the learner accepts (twice: no second effect), the mentor declines.
    assert accept_knowhow(db, pf, learner, clock=clock).status == "pending"
    assert accept_knowhow(db, pf, learner, clock=clock).changed is False
    assert decline_knowhow(db, pf, "F1", clock=clock).status == "declined"
    with pytest.raises(InvalidStateError):
        accept_knowhow(db, pf, learner, clock=clock)

    # Day 2: the seat is free again; both accept; the request closes.
    clock.advance(days=1)
    fuel2 = _round(db, clock, "FUEL", 1)
    (pf2,) = fuel2.proposal_ids
    learner2 = next(v.learner for v in knowhow_of_coop(db, "F1") if v.id == pf2)
    accept_knowhow(db, pf2, "F1", clock=clock)
    done = accept_knowhow(db, pf2, learner2, clock=clock)
    assert done.status == "accepted" and done.accepted == tuple(sorted(("F1", learner2)))
    with Session(db) as s:
        req_id = s.get(KnowhowProposalRow, pf2).request_id  # type: ignore[union-attr]
        assert s.get(KnowhowPostingRow, req_id).status == "closed"  # type: ignore[union-attr]
    # Day 3: F1's only seat is taken; the other learner waits.
    clock.advance(days=1)
    assert _round(db, clock, "FUEL", 2).proposal_ids == ()

    # EGG's proposal was never answered: a week later its round expires it and proposes again.
    clock.advance(days=7)
    egg9 = _round(db, clock, "EGG", 9)
    assert egg9.expired == 1 and len(egg9.proposal_ids) == 1
    with Session(db) as s:
        assert s.get(KnowhowProposalRow, pe).status == "expired"  # type: ignore[union-attr]
    assert e2 and e1


@pytest.mark.parametrize(
    ("side", "kw", "field"),
    [
        ("teach", {"topic": "astrology", "capacity": 1}, "topic"),
        ("teach", {"topic": FUEL_OPS, "capacity": 0}, "capacity"),
        ("learn", {"topic": FUEL_OPS, "max_distance_m": -1}, "max_distance_m"),
        ("learn", {"topic": FUEL_OPS, "lat_e5": 99_000_000}, "lat"),
    ],
)
def test_a_bad_posting_names_its_field_and_writes_nothing(  # type: ignore[no-untyped-def]
    db, clock, side: str, kw: dict[str, int | str], field: str
) -> None:
    _seed(db, clock)
    args = {**LAMPHUN, **kw}
    with pytest.raises(ServiceError) as err:
        if side == "teach":
            post_teach(db, "F1", str(args.pop("topic")), int(args.pop("capacity")),
                       actor="F1", clock=clock, **args)  # type: ignore[arg-type]  # fmt: skip
        else:
            post_learn(db, "F1", str(args.pop("topic")), actor="F1", clock=clock,
                       **args)  # type: ignore[arg-type]  # fmt: skip
    assert any(x.startswith(field) for x in err.value.lines), err.value.lines
    assert _postings(db) == 0
