"""BOLA matrix: every route with an object id in its path, called by another tenant with
ids that exist but belong to someone else, is a 404 and changes nothing.

The matrix is built from ``app.routes`` under ``/v1``, so a new API route is covered
automatically; a route with a path parameter this test does not know fails the test until
the parameter is added. (The web pages, a separate surface, test their own isolation.)
"""

from __future__ import annotations

import re
from typing import Any

from dbseed import COORDINATOR
from fastapi.routing import APIRoute
from http_fixtures import api  # noqa: F401
from sqlmodel import Session, col, select

from api.db.tables import OrderRow, ProposalRow
from api.db.tables_jobs import AnalysisJobRow
from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow
from api.db.tables_purchase import JointOrderRow

COOPS = ("C1", "C2", "C3", "C4")
BODIES = {
    "/v1/networks/{network_id}/rounds": {"business_date": "2026-11-21"},
    "/v1/networks/{network_id}/rounds/preview": {"business_date": "2026-11-21"},
    "/v1/networks/{network_id}/policy": {
        "rate_rule": "posted",
        "posted_rate_bps": 500,
        "product_transport": [{"product": "longan", "satang_per_unit_km": 2}],
        "processors": [
            {
                "id": "grade-b",
                "coop_id": "C3",
                "in_product": "longan",
                "in_grade": "B",
                "out_product": "longan",
                "out_grade": "A",
                "capacity_units": 500,
            }
        ],
    },
    "/v1/debts/{order_id}/payments": {"amount": "1.00", "paid_on": "2026-11-21"},
    "/v1/orders/{order_id}/amend": {
        "kind": "liquidity_offer",
        "amount": "1.00",
        "min_rate_bps": 1,
        "max_term_days": 1,
    },
    "/v1/networks/{network_id}/debts/{order_id}/payments": {
        "amount": "1.00",
        "paid_on": "2026-11-21",
    },
    "/v1/networks/{network_id}/purchase-rounds": {"business_date": "2026-11-21"},
    "/v1/networks/{network_id}/jobs/stress": {"ledger": "database", "default": ["C1"]},
    "/v1/networks/{network_id}/jobs/funding": {
        "scenario": "lamphun-2555.yaml",
        "runs": 1,
        "days": 3,
        "check_runs": 0,
    },
}
DIESEL_OFFER = {
    "product": "diesel",
    "unit": "litre",
    "kind": "all_units",
    "tiers": [
        {"min_units": 0, "max_units": 1999, "price": "30.00"},
        {"min_units": 2000, "price": "29.00"},
    ],
    "capacity_units": 50000,
    "latitude": "18.58000",
    "longitude": "99.02000",
    "truck_capacity_units": 10000,
    "truck_cost": "500.00",
}
DIESEL_NEED = {
    "product": "diesel",
    "unit": "litre",
    "quantity": 1200,
    "deliver_by": "2026-11-30",
    "max_price": "30.00",
    "latitude": "18.58000",
    "longitude": "99.02000",
}


def _group_order(api: Any, outsider: str) -> tuple[str, str]:  # noqa: F811
    """A pending group order of the three coops other than ``outsider``: (id, a buyer)."""
    supplier, *buyers = (c for c in COOPS if c != outsider)
    assert api.post(supplier, "/v1/purchase/offers", DIESEL_OFFER).status_code == 201
    for coop in buyers:
        assert api.post(coop, "/v1/purchase/needs", DIESEL_NEED).status_code == 201
    r = api.post(COORDINATOR, "/v1/networks/LPN/purchase-rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    return str(r.json()["joint_order_ids"][0]), buyers[0]


def _knowhow(api: Any, outsider: str) -> tuple[str, str, str]:  # noqa: F811
    """A pending know-how proposal between two coops other than ``outsider``: (id, learner,
    the learner's posting id)."""
    mentor, learner = [c for c in COOPS if c != outsider][:2]
    where = {"lat_e5": 1_858_000, "lon_e5": 9_902_000}
    body = {"topic": "fuel_station_operation", "capacity": 1, **where}
    assert api.post(mentor, "/v1/knowhow/teach", body).status_code == 201
    body = {"topic": "fuel_station_operation", **where}
    posted = api.post(learner, "/v1/knowhow/learn", body)
    assert posted.status_code == 201
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds",
                 {"business_date": "2026-11-21", "kind": "knowhow"})  # fmt: skip
    assert r.status_code == 201, r.text
    (found,) = api.get(learner, "/v1/knowhow/proposals").json()
    return str(found["id"]), learner, posted.json()["id"]


def _setup(api: Any) -> dict[str, Any]:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    round_id = r.json()["round_id"]
    props = api.get("C1", "/v1/proposals").json()["items"]
    committed = props[0]
    for coop in ("C1", committed["counterparty_coop_id"]):
        assert api.post(coop, f"/v1/proposals/{committed['id']}/accept").status_code == 200
    pending = next(
        p
        for c in COOPS
        for p in api.get(c, "/v1/proposals").json()["items"]
        if p["status"] == "pending"
    )
    commitment_id = api.get("C1", "/v1/commitments").json()["items"][0]["id"]
    job = api.post(COORDINATOR, "/v1/networks/LPN/jobs/stress", {"default": ["C1"]})
    assert job.status_code == 202, job.text
    assert api.app.state.ctx.jobs.wait_idle(60)  # done, with its chart
    with Session(api.engine) as s:
        p = s.get(ProposalRow, pending["id"])
        c_parties = {"C1", committed["counterparty_coop_id"]}
        p_parties = {p.supply_coop_id, p.demand_coop_id}
        order = s.get(OrderRow, p.supply_order_id)
    member = next(c for c in COOPS if c not in p_parties | c_parties | {order.coop_id})
    joint_order_id, buyer = _group_order(api, member)
    knowhow_id, learner, posting_id = _knowhow(api, member)
    return {
        "ids": {
            "joint_order_id": joint_order_id,
            "knowhow_proposal_id": knowhow_id,
            "knowhow_posting_id": posting_id,
            "order_id": order.id,
            "proposal_id": str(pending["id"]),
            "commitment_id": str(commitment_id),
            "network_id": "LPN",
            "round_id": str(round_id),
            "key_id": api.tokens["C4"].split("_")[1],
            "job_id": str(job.json()["id"]),
        },
        # a member attacker that owns / is party to none of the objects above
        "member": member,
        "owner": {
            "joint_order_id": buyer,
            "knowhow_proposal_id": learner,
            "knowhow_posting_id": learner,
            "order_id": order.coop_id,
            "proposal_id": sorted(p_parties)[0],
            "commitment_id": "C1",
        },
    }


def _state(s: Session) -> tuple[list[Any], list[Any]]:
    orders = s.exec(select(OrderRow).order_by(col(OrderRow.id))).all()
    props = s.exec(select(ProposalRow).order_by(col(ProposalRow.id))).all()
    groups = s.exec(select(JointOrderRow).order_by(col(JointOrderRow.id))).all()
    jobs = s.exec(select(AnalysisJobRow).order_by(col(AnalysisJobRow.id))).all()
    knowhow = s.exec(select(KnowhowProposalRow).order_by(col(KnowhowProposalRow.id))).all()
    postings = s.exec(select(KnowhowPostingRow).order_by(col(KnowhowPostingRow.id))).all()
    return (
        [(o.id, o.status, o.reserved, o.committed) for o in orders],
        [(p.id, p.status) for p in props]
        + [(g.id, g.status) for g in groups]
        + [(j.id, j.status, j.attempts) for j in jobs]
        + [(k.id, k.status, k.learner_accepted_at, k.mentor_accepted_at) for k in knowhow]
        + [(p.id, p.status) for p in postings],
    )


def _walk(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI ≥ 0.16x nests them)."""
    out: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.append(route)
        elif hasattr(route, "original_router"):
            out += _walk(route.original_router.routes)
    return out


def _routes(app: Any) -> list[tuple[str, str]]:
    return [
        (method, route.path_format)
        for route in _walk(app.routes)
        if "{" in route.path and route.path.startswith("/v1/")
        for method in sorted(route.methods)
    ]


def test_bola_matrix(api) -> None:  # noqa: F811
    setup = _setup(api)
    ids = setup["ids"]
    routes = _routes(api.app)
    assert len(routes) >= 10
    with Session(api.engine) as s:
        before, p_before = _state(s)
    for method, path in routes:
        params = re.findall(r"{(\w+)}", path)
        unknown = [p for p in params if p not in ids]
        assert not unknown, f"{method} {path}: add {unknown} to the BOLA matrix"
        url = path.format(**ids)
        if path.startswith("/v1/admin/"):  # admin-only: every other role is refused
            for who in ("C1", "lamphun-office"):
                headers = api.headers(who, idem=f"bola-{who}-{method}-{path}")
                r = api.client.request(method, url, headers=headers)
                assert r.status_code == 403, (who, method, url, r.status_code, r.text)
                assert r.json()["code"] == "forbidden_role"
            continue
        attackers = (
            # another coordinator (no network) and an area coordinator below LPN
            ["stranger-office", "area1-office"] if "network_id" in params else [setup["member"]]
        )
        for who in attackers:
            headers = api.headers(who, idem=f"bola-{who}-{method}-{path}")
            r = api.client.request(method, url, headers=headers, json=BODIES.get(path))
            assert r.status_code == 404, (who, method, url, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "not_found"
    with Session(api.engine) as s:
        after, p_after = _state(s)
    assert before == after and p_before == p_after
    # the same ids with the owner's key are found (so the 404s above were about ownership);
    # an undocumented route only guards a path (GET …/rounds/preview is a 405 for the owner)
    hidden = {r.path_format for r in _walk(api.app.routes) if not r.include_in_schema}
    for method, path in routes:
        if method != "GET":
            continue
        params = re.findall(r"{(\w+)}", path)
        owner = COORDINATOR if "network_id" in params else setup["owner"][params[0]]
        r = api.client.get(path.format(**ids), headers=api.headers(owner))
        assert r.status_code == (405 if path in hidden else 200), (owner, path, r.text)


def test_lists_show_only_own_objects(api) -> None:  # noqa: F811
    api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    for coop in COOPS:
        for p in api.get(coop, "/v1/proposals").json()["items"]:
            assert p["counterparty_coop_id"] != coop
        with Session(api.engine) as s:
            owned = set(s.exec(select(OrderRow.id).where(OrderRow.coop_id == coop)))
        listed = {o["id"] for o in api.get(coop, "/v1/orders").json()["items"]}
        assert listed == owned
    assert api.get("stranger-office", "/v1/networks/LPN/rounds").status_code == 404
