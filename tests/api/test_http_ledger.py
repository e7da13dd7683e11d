"""Many clients at once against PostgreSQL through a real uvicorn server on loopback:
members post offers and needs (with retries and duplicate Idempotency-Keys, some sent at
the same moment), two coordinator calls race to run the round, then every member accepts or
declines its side concurrently, again with duplicates and retries. Afterwards the ledger
balances exactly: one order per key, one commitment per committed proposal, committed loan
principal equal on the lending and the borrowing side and to the instalments, no order over
its amount, outcomes exactly what the two sides decided, and the audit chain intact.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from dbfixtures import PG_ENV, PG_SKIP, FakeClock, PgSchema
from dbseed import COORDINATOR, check_invariants, seed_lamphun
from http_fixtures import FAST_HASHER, served
from sqlalchemy import func, select
from sqlmodel import Session

from api.db.audit import verify_chain
from api.db.migrate import upgrade
from api.db.tables import (
    CommitmentRow,
    LoanInstalmentRow,
    OrderRow,
    ProposalRow,
)
from api.db.tx import in_write_transaction
from api.http.app import create_app
from api.http.context import HttpConfig
from api.http.keys import issue_key
from api.services.members import CoopSpec, upsert_members
from api.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
EXTRA = [f"K{i:02d}" for i in range(12)]
COOPS = ["C1", "C2", "C3", "C4", *EXTRA]
SEED = 20261121


@pytest.fixture
def pg() -> Any:
    if not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    schema = PgSchema(os.environ[PG_ENV])
    try:
        upgrade(schema.engine)
        yield schema.engine
    finally:
        schema.drop()


def _seed(engine: Any, clock: FakeClock) -> dict[str, str]:
    seed_lamphun(engine)
    coops = [
        CoopSpec(c, f"สหกรณ์ทดสอบ {c}", "LPN-A1" if i % 2 else "LPN-A2") for i, c in enumerate(EXTRA)
    ]
    in_write_transaction(engine, lambda s: upsert_members(s, [], coops, clock(), "seed"))
    tokens = {
        c: issue_key(engine, role="member", coop_id=c, hasher=FAST_HASHER).token for c in COOPS
    }
    issued = issue_key(engine, role="coordinator", principal=COORDINATOR, hasher=FAST_HASHER)
    tokens[COORDINATOR] = issued.token
    return tokens


class Clients:
    """A shared httpx client; a POST is retried with the same key while the first copy is in
    flight (409 ``idempotency_in_flight``) or on a 5xx."""

    def __init__(self, base: str, tokens: dict[str, str]) -> None:
        self.base, self.tokens = base, tokens
        self.http = httpx.Client(base_url=base, timeout=60, limits=httpx.Limits(max_connections=64))

    def post(self, who: str, path: str, body: Any, key: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}", "Idempotency-Key": key}
        for _ in range(50):
            r = self.http.post(path, json=body, headers=headers)
            in_flight = r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"
            if not in_flight and r.status_code < 500:
                return r
            time.sleep(0.02)
        return r

    def get(self, who: str, path: str) -> httpx.Response:
        return self.http.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})


def _post_orders(c: Clients, rng: random.Random) -> dict[str, str]:
    """Every coop posts orders; each is sent 1–3 times with its key, some at once."""
    jobs = []
    for coop in COOPS:
        for n in range(3):
            amount = f"{rng.randint(10, 400) * 1000}.{rng.randint(0, 99):02d}"
            if COOPS.index(coop) % 2 == 0:  # lenders and borrowers are different coops
                body = {
                    "kind": "liquidity_offer",
                    "amount": amount,
                    "min_rate_bps": 300,
                    "max_term_days": 365,
                }
            else:
                body = {
                    "kind": "liquidity_need",
                    "amount": amount,
                    "max_rate_bps": 800,
                    "term_days": 90,
                    "urgency": rng.randint(1, 5),
                }
            key = f"order-{coop}-{n}"
            jobs += [(coop, body, key)] * rng.randint(1, 3)
    rng.shuffle(jobs)
    with ThreadPoolExecutor(16) as pool:
        rs = list(pool.map(lambda j: (j[2], c.post(j[0], "/v1/orders", j[1], j[2])), jobs))
    ids: dict[str, set[str]] = defaultdict(set)
    for key, r in rs:
        assert r.status_code == 201, r.text
        ids[key].add(r.json()["id"])
    assert all(len(v) == 1 for v in ids.values()), "a key created two orders"
    return {k: next(iter(v)) for k, v in ids.items()}


def _run_round(c: Clients) -> int:
    body = {"business_date": "2026-11-21"}
    with ThreadPoolExecutor(2) as pool:
        rs = list(
            pool.map(
                lambda k: c.post(COORDINATOR, "/v1/networks/LPN/rounds", body, k), ["r1", "r2"]
            )
        )
    assert sorted(r.status_code for r in rs) == [200, 201], [r.text for r in rs]
    assert rs[0].json()["round_id"] == rs[1].json()["round_id"]
    assert rs[0].json()["proposal_count"] > 5, rs[0].json()
    return int(rs[0].json()["round_id"])


def _decide(c: Clients, rng: random.Random) -> dict[int, dict[str, str]]:
    """Each side of each proposal accepts (3 in 4) or declines, 1–3 copies at once, plus a
    second decision with a new key for some; returns what each side decided first."""
    decided: dict[int, dict[str, str]] = defaultdict(dict)
    jobs = []
    for coop in COOPS:
        for p in c.get(coop, "/v1/proposals?limit=100").json()["items"]:
            verb = "accept" if rng.random() < 0.75 else "decline"
            decided[p["id"]][coop] = verb
            key = f"{verb}-{coop}-{p['id']}"
            jobs += [(coop, p["id"], verb, key)] * rng.randint(1, 3)
            if rng.random() < 0.3:  # the same decision again under a new key: no second effect
                jobs.append((coop, p["id"], verb, uuid.uuid4().hex))
    rng.shuffle(jobs)

    def send(job: tuple[str, int, str, str]) -> httpx.Response:
        coop, pid, verb, key = job
        return c.post(coop, f"/v1/proposals/{pid}/{verb}", None, key)

    with ThreadPoolExecutor(16) as pool:
        rs = list(pool.map(send, jobs))
    for r in rs:  # a decline after the other side declined is a no-op, never an error
        assert r.status_code in (200, 409), r.text
        if r.status_code == 409:
            assert r.json()["code"] == "invalid_state", r.text
    return decided


def _check_ledger(engine: Any, decided: dict[int, dict[str, str]], order_ids: dict[str, str]):  # type: ignore[no-untyped-def]
    check_invariants(engine)
    with Session(engine) as s:
        orders = {o.id: o for o in s.execute(select(OrderRow)).scalars()}
        props = list(s.execute(select(ProposalRow)).scalars())
        commits = list(s.execute(select(CommitmentRow)).scalars())
        principal = s.execute(select(func.sum(LoanInstalmentRow.principal_satang))).scalar_one()
        assert verify_chain(s).ok
    assert len(orders) == 5 + len(order_ids)  # the seeded five plus one per key
    for p in props:
        sides = decided[int(p.id or 0)]
        both = sides[p.supply_coop_id] == sides[p.demand_coop_id] == "accept"
        assert p.status == ("committed" if both else "declined"), (p.id, p.status, sides)
    by_proposal = defaultdict(list)
    for cm in commits:
        by_proposal[cm.proposal_id].append(cm)
    committed = [p for p in props if p.status == "committed"]
    assert sorted(by_proposal) == sorted(int(p.id or 0) for p in committed)
    assert all(len(v) == 1 for v in by_proposal.values()), "duplicate commitment"
    total = sum(cm.amount for cm in commits)
    offers = sum(o.committed for o in orders.values() if o.kind == "liquidity_offer")
    needs = sum(o.committed for o in orders.values() if o.kind == "liquidity_need")
    assert total == offers == needs == sum(p.amount for p in committed) == int(principal or 0)
    assert total > 0
    for o in orders.values():
        assert 0 <= o.reserved + o.committed <= o.amount, o.id
        assert o.reserved == 0, o.id  # every proposal was decided


def test_many_clients_ledger_balances(pg: Any) -> None:
    clock = FakeClock()
    tokens = _seed(pg, clock)
    app = create_app(
        Settings(database_url="postgresql://"),
        engine=pg,
        clock=clock,
        config=HttpConfig(
            rate_per_minute=100_000,
            verify_per_client_minute=100_000,
            verify_per_key_minute=100_000,
        ),
    )
    rng = random.Random(SEED)
    with served(app) as base:
        c = Clients(base, tokens)
        order_ids = _post_orders(c, rng)
        _run_round(c)
        decided = _decide(c, rng)
        c.http.close()
    _check_ledger(pg, decided, order_ids)
