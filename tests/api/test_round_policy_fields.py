"""The network policy's transport per product, integer trucks per product, joint fund and
processors, taken by the database round — a feasible and a refused case per field — and
every database round checked by the engine's independent validators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from eggseed import CLUSTER, DAY, GRADING, NATIONAL, seed_eggs
from http_fixtures import api  # noqa: F401
from sqlalchemy import Engine, select
from sqlmodel import Session

from api.db.tables import CoopRow, OrderRow, ProposalLoanRow, ProposalRow, RoundRow
from api.db.tables_round import NetworkPolicyRow
from api.services.errors import InvalidStateError
from api.services.round import service
from api.services.round.policy import PolicyError, set_policy, show_policy
from api.services.round.service import preview, run_round
from matcher.round.model import RoundResult

FUND = {"account_id": "TH-FUND", "balance_satang": 500_000_00, "rate_bps": 500}


def _run(db: Engine, clock: Any, network: str = "TH", actor: str = NATIONAL) -> RoundRow:
    out = run_round(
        db, network_id=network, business_date=DAY, actor=actor, clock=clock, new_version=True
    )
    with Session(db) as s:
        rnd = s.get(RoundRow, out.round_id)
        assert rnd is not None
        return rnd


def _result(db: Engine, network: str = "TH") -> RoundResult:
    return preview(db, network_id=network, business_date=DAY).result


def _sales(db: Engine, round_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """(supply, demand) → the stored sale proposal's figures."""
    from api.db.tables import ProposalSaleRow

    with Session(db) as s:
        rows = s.execute(
            select(ProposalRow, ProposalSaleRow)
            .join(ProposalSaleRow, ProposalSaleRow.proposal_id == ProposalRow.id)
            .where(ProposalRow.round_id == round_id)
        ).all()
    return {
        (p.supply_order_id, p.demand_order_id): {
            "qty": p.amount,
            "price": t.price_satang_per_unit,
            "transport": t.transport_satang,
            "distance": t.distance_m,
            "product": t.product_id,
        }
        for p, t in rows
    }


def _refused(db: Engine, network: str, doc: dict[str, Any], field: str) -> None:
    before = show_policy(db, network).version
    with pytest.raises(PolicyError) as err:
        set_policy(db, network, doc, actor=NATIONAL)
    assert any(line.startswith(field) for line in err.value.lines), err.value.lines
    assert err.value.message_th
    assert show_policy(db, network).version == before


# --- processors: the egg cluster's flow with the grading coop's prices ---------------------


def test_egg_cluster_grading_prices_lie_between_what_it_paid_and_the_bid(db, clock) -> None:
    seed_eggs(db)
    set_policy(db, "EGG", {"processors": [GRADING]}, actor=CLUSTER)
    rnd = _run(db, clock, "EGG", CLUSTER)
    sales = _sales(db, int(rnd.id or 0))
    into = {k: v for k, v in sales.items() if k[1] == "grading-1"}
    out = {k: v for k, v in sales.items() if k[0] == "grading-1"}
    assert into and out, sales
    paid = sum(v["qty"] * v["price"] for v in into.values()) / sum(v["qty"] for v in into.values())
    bids = {"S1": 3_80, "S2": 3_70}
    for (_, order), v in out.items():
        assert paid + 10 <= v["price"] <= bids[order], (paid, v)
    assert sum(v["qty"] for v in into.values()) == sum(v["qty"] for v in out.values())
    # the farms' raw lots are reserved by the legs into the grading coop
    with Session(db) as s:
        e1 = s.get(OrderRow, "E1")
        assert e1 is not None and e1.reserved == into.get(("E1", "grading-1"), {"qty": 0})["qty"]
    params = json.loads(rnd.params_json)
    assert [p["id"] for p in params["processors"]] == ["grading-1"]


def test_without_a_processor_raw_eggs_find_no_buyer(db, clock) -> None:
    seed_eggs(db)
    rnd = _run(db, clock, "EGG", CLUSTER)
    assert not any(v["product"] == "egg" for v in _sales(db, int(rnd.id or 0)).values())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coop_id": "NOWHERE"}, "processors[0].coop_id"),
        ({"in_grade": "jumbo"}, "processors[0].in_grade"),
        ({"out_product": "durian"}, "processors[0].out_product"),
        ({"capacity_units": 0}, "processors[0].capacity_units"),
        ({"out_grade": "raw"}, "processors[0].out_grade"),
    ],
)
def test_bad_processor_refused(db, change, field) -> None:  # type: ignore[no-untyped-def]
    seed_eggs(db)
    _refused(db, "EGG", {"processors": [GRADING | change]}, field)


def test_processor_outside_the_network_refused(db) -> None:
    seed_eggs(db)
    _refused(db, "EGG-UP", {"processors": [GRADING]}, "processors[0].coop_id")


# --- transport per product -----------------------------------------------------------------


def test_transport_per_product_rate_and_reach(db, clock) -> None:
    seed_eggs(db)
    doc: dict[str, Any] = {
        "processors": [GRADING],
        "transport": {"satang_per_unit_km": 1},
        "product_transport": [{"product": "egg", "satang_per_unit_km": 0, "reach_km": 200}],
    }
    set_policy(db, "EGG", doc, actor=CLUSTER)
    sales = _sales(db, int(_run(db, clock, "EGG", CLUSTER).id or 0))
    feed = [v for v in sales.values() if v["product"] == "layer_feed"]
    eggs = [v for v in sales.values() if v["product"] == "egg"]
    assert feed and eggs
    assert all(v["transport"] > 0 for v in feed)  # 1 satang per kg per km
    assert all(v["transport"] == 0 for v in eggs)  # eggs at their own 0 satang
    doc["product_transport"][0]["reach_km"] = 1  # eggs go nowhere; feed still travels
    set_policy(db, "EGG", doc, actor=CLUSTER)
    sales = _sales(db, int(_run(db, clock, "EGG", CLUSTER).id or 0))
    assert {v["product"] for v in sales.values()} == {"layer_feed"}


def test_road_factor_per_product(db, clock) -> None:
    seed_eggs(db)
    base = {"processors": [GRADING]}
    set_policy(db, "EGG", base, actor=CLUSTER)
    near = _sales(db, int(_run(db, clock, "EGG", CLUSTER).id or 0))
    wide = base | {"product_transport": [{"product": "egg", "satang_per_unit_km": 0,
                                          "road_factor_bps": 26_000}]}  # fmt: skip
    set_policy(db, "EGG", wide, actor=CLUSTER)
    far = _sales(db, int(_run(db, clock, "EGG", CLUSTER).id or 0))
    for key, v in far.items():
        if v["product"] == "egg" and key in near:
            assert v["distance"] == pytest.approx(2 * near[key]["distance"], abs=2)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"product": "durian", "satang_per_unit_km": 1}, "product_transport[0].product"),
        ({"product": "egg", "satang_per_unit_km": -1}, "product_transport[0].satang_per_unit_km"),
        (
            {"product": "egg", "satang_per_unit_km": 1, "reach_km": 0},
            "product_transport[0].reach_km",
        ),
        (
            {"product": "egg", "satang_per_unit_km": 1, "road_factor_bps": 9_000},
            "product_transport[0].road_factor_bps",
        ),
        ({"product": "egg"}, "product_transport[0].satang_per_unit_km"),
    ],
)
def test_bad_product_transport_refused(db, entry, field) -> None:  # type: ignore[no-untyped-def]
    seed_eggs(db)
    _refused(db, "EGG", {"product_transport": [entry]}, field)


def test_product_listed_twice_refused(db) -> None:
    seed_eggs(db)
    entry = {"product": "egg", "satang_per_unit_km": 1}
    _refused(db, "EGG", {"product_transport": [entry, entry]}, "product_transport[1].product")


# --- integer trucks per product -------------------------------------------------------------


def test_trucks_per_product(db, clock) -> None:
    """Feed in trucks of 1,000 kg (the farm's 2,000 kg fills two), eggs per egg."""
    seed_eggs(db)
    feed = {"product": "layer_feed", "satang_per_unit_km": 0, "truck_capacity_units": 1_000,
            "truck_cost_satang": 300_00}  # fmt: skip
    egg = {"product": "egg", "satang_per_unit_km": 0}
    set_policy(db, "EGG", {"processors": [GRADING], "product_transport": [feed, egg]},
               actor=CLUSTER)  # fmt: skip
    produce = _result(db, "EGG").produce
    assert produce is not None
    trucks = {m.product: m.trucks for m in produce.matches}
    assert trucks["layer_feed"] == 2 and trucks["egg"] == 0
    assert produce.objective.truck_satang == 2 * 300_00
    # a truck too dear for the load: no feed moves, eggs still do
    feed["truck_cost_satang"] = 10_000_00
    set_policy(db, "EGG", {"processors": [GRADING], "product_transport": [feed, egg]},
               actor=CLUSTER)  # fmt: skip
    produce = _result(db, "EGG").produce
    assert produce is not None
    assert {m.product for m in produce.matches} == {"egg"}


def test_trucks_refused(db) -> None:
    seed_eggs(db)
    cost_only = {"product": "egg", "satang_per_unit_km": 0, "truck_cost_satang": 100}
    _refused(db, "EGG", {"product_transport": [cost_only]},
             "product_transport[0].truck_capacity_units")  # fmt: skip
    raw_in_trucks = {"product": "egg", "satang_per_unit_km": 0, "truck_capacity_units": 100}
    feed_mill = GRADING | {"id": "mill", "in_product": "layer_feed", "in_grade": "std"}
    _refused(db, "EGG", {"processors": [feed_mill], "product_transport": [raw_in_trucks]},
             "processors[0]")  # fmt: skip


# --- joint fund ----------------------------------------------------------------------------


def test_joint_fund_lends_last_at_the_national_tier_at_its_rate(db, clock) -> None:
    seed_eggs(db)
    set_policy(db, "TH", {"joint_fund": FUND}, actor=NATIONAL)
    with Session(db) as s:
        acct = s.get(CoopRow, "TH-FUND")
        assert acct is not None and acct.kind == "joint_fund"
    rnd = _run(db, clock)
    with Session(db) as s:
        rows = s.execute(
            select(ProposalRow, ProposalLoanRow)
            .join(ProposalLoanRow, ProposalLoanRow.proposal_id == ProposalRow.id)
            .where(ProposalRow.round_id == rnd.id)
        ).all()
        fund_order = s.get(OrderRow, "TH-FUND")
    by_lender = {p.supply_order_id: (p.amount, p.tier, t.rate_bps) for p, t in rows}
    # the feed coop lends first (area tier); the fund lends the rest, at the national tier
    assert by_lender["FEED-LEND"][0] == 200_000_00
    assert by_lender["TH-FUND"] == (100_000_00, "national", 500)
    assert fund_order is not None and fund_order.reserved == 100_000_00
    # a lower balance may not go below what the fund has reserved
    _refused(db, "TH", {"joint_fund": FUND | {"balance_satang": 50_000_00}},
             "joint_fund.balance_satang")  # fmt: skip
    set_policy(db, "TH", {"joint_fund": FUND | {"balance_satang": 700_000_00}}, actor=NATIONAL)
    with Session(db) as s:
        order = s.get(OrderRow, "TH-FUND")
        assert order is not None and (order.amount, order.reserved) == (700_000_00, 100_000_00)


def test_an_area_round_never_reaches_the_fund(db, clock) -> None:
    seed_eggs(db)
    set_policy(db, "TH", {"joint_fund": FUND}, actor=NATIONAL)
    rnd = _run(db, clock, "EGG", CLUSTER)
    with Session(db) as s:
        lenders = set(
            s.execute(select(ProposalRow.supply_order_id).where(ProposalRow.round_id == rnd.id))
            .scalars()
            .all()
        )
    assert "TH-FUND" not in lenders and "FEED-LEND" in lenders


@pytest.mark.parametrize(
    ("network", "fund", "field"),
    [
        ("EGG", FUND, "joint_fund"),
        ("TH", FUND | {"account_id": "FARM1"}, "joint_fund.account_id"),
        ("TH", FUND | {"balance_satang": 0}, "joint_fund.balance_satang"),
        ("TH", FUND | {"rate_bps": 10_001}, "joint_fund.rate_bps"),
        ("TH", FUND | {"max_term_days": 0}, "joint_fund.max_term_days"),
    ],
)
def test_bad_joint_fund_refused(db, network, fund, field) -> None:  # type: ignore[no-untyped-def]
    seed_eggs(db)
    _refused(db, network, {"joint_fund": fund}, field)
    with Session(db) as s:
        assert s.get(CoopRow, fund["account_id"]) is None or fund["account_id"] == "FARM1"
        assert s.execute(select(NetworkPolicyRow)).first() is None


# --- posted rate ---------------------------------------------------------------------------


def test_posted_five_percent_gives_loans_at_five_percent(db, clock) -> None:
    seed_eggs(db)
    set_policy(db, "EGG", {"rate_rule": "posted", "posted_rate_bps": 500}, actor=CLUSTER)
    rnd = _run(db, clock, "EGG", CLUSTER)
    with Session(db) as s:
        rates = set(
            s.execute(
                select(ProposalLoanRow.rate_bps)
                .join(ProposalRow, ProposalRow.id == ProposalLoanRow.proposal_id)
                .where(ProposalRow.round_id == rnd.id)
            ).scalars()
        )
    assert rates == {500}  # not the midpoint 6.50 % of 5.00 % and 8.00 %


# --- the engine's independent validators ---------------------------------------------------


def test_every_round_is_validated_and_a_refused_one_is_not_saved(db, clock, monkeypatch) -> None:
    seed_eggs(db)
    set_policy(db, "TH", {"joint_fund": FUND, "processors": [GRADING]}, actor=NATIONAL)
    seen: list[int] = []
    real = service.check_round

    def spy(problem, result):  # type: ignore[no-untyped-def]
        seen.append(len(result.liquidity.proposals))
        real(problem, result)

    monkeypatch.setattr(service, "check_round", spy)
    _run(db, clock)
    assert seen and seen[0] > 0

    import matcher.round.validator as validator

    monkeypatch.setattr(service, "check_round", real)
    monkeypatch.setattr(validator, "validate_round", lambda p, r: ["liquidity: invented fault"])
    with pytest.raises(InvalidStateError) as err:
        _run(db, clock)
    assert "invented fault" in " ".join(err.value.lines) and err.value.message_th
    with Session(db) as s:
        assert len(s.execute(select(RoundRow)).all()) == 1


# --- /v1 -------------------------------------------------------------------------------------


def test_v1_policy_with_product_transport_and_processors(api) -> None:  # noqa: F811
    from dbseed import COORDINATOR, seed_combined

    seed_combined(api.engine)
    grading = {"id": "grade-b", "coop_id": "C3", "in_product": "longan", "in_grade": "B",
               "out_product": "longan", "out_grade": "A", "capacity_units": 500}  # fmt: skip
    body = {
        "product_transport": [{"product": "longan", "satang_per_unit_km": 2, "reach_km": 120}],
        "processors": [grading],
    }
    path = "/v1/networks/LPN/policy"
    r = api.post(COORDINATOR, path, body, idem="pol-fields-1")
    assert r.status_code == 201, r.text
    got = api.get(COORDINATOR, path).json()["policy"]
    assert got["product_transport"][0]["reach_km"] == 120
    assert got["processors"][0]["id"] == "grade-b" and got["joint_fund"] is None
    # refused, naming the field, in Thai and English; nothing stored
    for bad, field in [
        ({"product_transport": [{"product": "durian", "satang_per_unit_km": 1}]}, "durian"),
        ({"processors": [grading | {"coop_id": "C9"}]}, "processors[0].coop_id"),
        ({"processors": [grading | {"capacity_units": 0}]}, "capacity_units"),
        ({"joint_fund": FUND}, "joint_fund"),
    ]:
        r = api.post(COORDINATOR, path, bad)
        assert r.status_code == 422 and field in r.text, r.text
        headers = api.headers(COORDINATOR, f"th-{field}", **{"Accept-Language": "th"})
        th = api.client.post(path, json=bad, headers=headers)
        assert th.status_code == 422 and "ไม่ถูกต้อง" in th.text, th.text
    assert api.get(COORDINATOR, path).json()["version"] == 1
    # a member and a coordinator of another network never see or set it
    assert api.get("C1", path).status_code in (403, 404)
    assert api.post("stranger-office", path, body).status_code == 404
