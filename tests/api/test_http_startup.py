"""Start-up capital over /v1: a member asks its network's joint fund, the coordinator runs
the start-up round through the one rounds route, the coop answers the fund's proposal like
any loan proposal; a need the policy refuses is a Thai/English field error; replays of an
Idempotency-Key return the same bytes; another coop sees nothing of it."""

from __future__ import annotations

from typing import Any

from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from api.db.tables import OrderRow
from api.db.tx import in_write_transaction
from api.services.members import NetworkSpec, upsert_members
from api.services.proposals import accept_proposal
from api.services.round.policy import set_policy
from matcher.domain import NetworkLevel

NEED = {"business": "fuel_station", "amount": "1500000.00", "max_rate_bps": 250,
        "term_days": 1826, "repayment": "equal", "instalments": 60}  # fmt: skip
POLICY = {
    "joint_fund": {"account_id": "TH-FUND", "balance_satang": 300_000_000, "rate_bps": 300,
                   "max_term_days": 3650},
    "startup_capital": {"businesses": ["fuel_station"], "max_per_coop_satang": 200_000_000,
                        "max_term_days": 1826, "rate_bps": 200},
}  # fmt: skip


def national_fund(engine: Engine, clock: Any) -> None:
    """Put LPN under a national network whose policy holds the fund."""
    nets = [
        NetworkSpec("TH", "เครือข่ายระดับชาติ", NetworkLevel.NATIONAL, coordinator="thai-office"),
        NetworkSpec("LPN", "เครือข่ายจังหวัดลำพูน", NetworkLevel.PROVINCE, "Lamphun",
                    parent_id="TH", coordinator=COORDINATOR),
    ]  # fmt: skip
    in_write_transaction(engine, lambda s: upsert_members(s, nets, [], clock(), "seed"))
    set_policy(engine, "TH", POLICY, actor="thai-office", clock=clock)


def _orders(api: Any) -> int:  # noqa: F811
    with Session(api.engine) as s:
        return int(s.exec(select(func.count()).select_from(OrderRow)).one())


def test_start_up_capital_over_http(api, clock) -> None:  # noqa: F811
    national_fund(api.engine, clock)
    first = api.post("C2", "/v1/startup-capital/needs", NEED, idem="su-1")
    assert first.status_code == 201, first.text
    assert api.post("C2", "/v1/startup-capital/needs", NEED, idem="su-1").content == first.content
    need_id = first.json()["id"]

    before = _orders(api)
    bad = api.post("C2", "/v1/startup-capital/needs", {**NEED, "business": "hotel"})
    assert bad.status_code == 422 and "business" in bad.text and "ธุรกิจ" in bad.text
    big = api.post("C3", "/v1/startup-capital/needs", {**NEED, "amount": "2500000.00"})
    assert big.status_code == 422 and "amount" in big.text
    shape = api.post("C3", "/v1/startup-capital/needs", {**NEED, "repayment": "bullet"})
    assert shape.status_code == 422 and "instalment" in shape.text
    assert _orders(api) == before  # nothing written

    body = {"business_date": "2026-11-21", "kind": "startup"}
    ran = api.post(COORDINATOR, "/v1/networks/LPN/rounds", body, idem="su-round")
    assert ran.status_code == 201, ran.text
    assert ran.json()["proposal_count"] == 1
    props = api.get("C2", "/v1/proposals").json()["items"]
    (p,) = [x for x in props if x["status"] == "pending"]
    assert p["counterparty_coop_id"] == "TH-FUND"
    assert all(
        x["counterparty_coop_id"] != "C2" for x in api.get("C3", "/v1/proposals").json()["items"]
    )
    assert api.post("C3", f"/v1/proposals/{p['id']}/accept").status_code == 404
    accept_proposal(api.engine, p["id"], "TH-FUND", clock=clock)  # the fund's answer
    done = api.post("C2", f"/v1/proposals/{p['id']}/accept")
    assert done.status_code == 200 and done.json()["status"] == "committed", done.text
    with Session(api.engine) as s:
        row = s.get(OrderRow, need_id)
        assert row is not None and row.committed == 150_000_000


def test_without_a_fund_policy_the_need_is_refused(api) -> None:  # noqa: F811
    r = api.post("C1", "/v1/startup-capital/needs", NEED)
    assert r.status_code == 422 and "startup_capital" in r.text
