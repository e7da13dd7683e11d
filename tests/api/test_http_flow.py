"""The member and coordinator API end to end: orders, a round, accept, commitment, report."""

from __future__ import annotations

from dbseed import COORDINATOR
from http_fixtures import NEED, OFFER, api  # noqa: F401


def test_health_and_metrics(api) -> None:  # noqa: F811
    r = api.client.get("/v1/health")
    assert r.status_code == 200 and r.json() == {"status": "ok", "database": "ok"}
    assert r.headers["x-request-id"]
    m = api.client.get("/metrics")
    assert m.status_code == 200
    assert 'coopmatch_http_requests_total{method="GET",route="/v1/health",status="200"} 1' in m.text


def test_profile_comes_from_the_key(api) -> None:  # noqa: F811
    r = api.get("C3", "/v1/coops/me")
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == "C3" and body["network_id"] == "LPN-A2"
    assert body["outstanding"] == "0.00"


def test_create_list_cancel_orders(api) -> None:  # noqa: F811
    r = api.post("C1", "/v1/orders", OFFER)
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["amount"] == "1000.00" and offer["available"] == "1000.00"
    assert offer["terms"]["min_rate_bps"] == 300 and offer["status"] == "open"
    r = api.post("C1", "/v1/orders", {**NEED, "repayment": "equal", "instalments": 2})
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == "500.50" and r.json()["terms"]["instalments"] == 2
    ids, cursor = [], None
    while True:
        page = api.get(
            "C1", "/v1/orders", params={"limit": 1, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        ids += [o["id"] for o in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(ids) == 3 and "O1" in ids and offer["id"] in ids  # O1 is the seeded offer
    r = api.post("C1", f"/v1/orders/{offer['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert api.get("C1", f"/v1/orders/{offer['id']}").json()["status"] == "cancelled"
    assert (
        api.get("C1", "/v1/orders", params={"status": "cancelled"}).json()["items"][0]["id"]
        == offer["id"]
    )


def test_round_accept_commit_report_export(api) -> None:  # noqa: F811
    preview = api.client.post(
        "/v1/networks/LPN/rounds/preview",
        json={"business_date": "2026-11-21"},
        headers=api.headers(COORDINATOR),
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["proposals"]
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    rnd = r.json()
    assert rnd["proposal_count"] > 0 and not rnd["reused"]
    again = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert again.status_code == 200 and again.json()["reused"]

    props = api.get("C2", "/v1/proposals").json()["items"]
    assert props and all(p["side"] == "demand" for p in props)
    p = props[0]
    lender = p["counterparty_coop_id"]
    r = api.post("C2", f"/v1/proposals/{p['id']}/accept")
    assert r.status_code == 200 and r.json()["accepted_by_me"] and r.json()["commitment_id"] is None
    r = api.post(lender, f"/v1/proposals/{p['id']}/accept")
    assert r.status_code == 200 and r.json()["status"] == "committed"
    cid = r.json()["commitment_id"]
    c = api.get("C2", f"/v1/commitments/{cid}").json()
    assert c["role"] == "borrower" and c["counterparty_coop_id"] == lender
    assert c["amount"] == p["amount"] and c["schedule"]
    assert api.get(lender, "/v1/commitments").json()["items"][0]["role"] == "lender"

    rep = api.get(COORDINATOR, f"/v1/networks/LPN/rounds/{rnd['round_id']}")
    assert rep.status_code == 200 and len(rep.json()["proposals"]) == rnd["proposal_count"]
    csv = api.get(COORDINATOR, f"/v1/networks/LPN/rounds/{rnd['round_id']}/export.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    listed = api.get(COORDINATOR, "/v1/networks/LPN/rounds").json()["items"]
    assert [x["round_id"] for x in listed] == [rnd["round_id"]]
    # the area coordinator of LPN-A1 does not see the province round
    assert (
        api.get("area1-office", f"/v1/networks/LPN-A1/rounds/{rnd['round_id']}").status_code == 404
    )


def test_decline_frees_the_reservation(api) -> None:  # noqa: F811
    api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    p = api.get("C4", "/v1/proposals").json()["items"][0]
    r = api.post("C4", f"/v1/proposals/{p['id']}/decline")
    assert r.status_code == 200 and r.json()["status"] == "declined"
    again = api.post("C4", f"/v1/proposals/{p['id']}/accept")
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


def test_round_routes_match_their_documentation(api) -> None:  # noqa: F811
    doc = api.client.get("/openapi.json").json()["paths"]
    run = doc["/v1/networks/{network_id}/rounds"]["post"]["responses"]
    assert {"200", "201"} <= set(run)
    assert "get" not in doc["/v1/networks/{network_id}/rounds/preview"]
    r = api.get(COORDINATOR, "/v1/networks/LPN/rounds/preview")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert api.get("area1-office", "/v1/networks/LPN/rounds/preview").status_code == 404
    first = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert first.status_code == 201, first.text
    # a later round finds every order reserved by the first: still a new round, no error
    later = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-22"})
    assert later.status_code == 201, later.text
    assert later.json()["proposal_count"] == 0


def test_preview_quotes_the_interest_the_round_saves(api) -> None:  # noqa: F811
    """N4 repays in 4 equal instalments: preview and saved round both quote its schedule's
    interest (less than a bullet loan's), not the matcher's simple bullet figure."""
    from sqlalchemy import select
    from sqlmodel import Session

    from api.db.tables import ProposalLoanRow, ProposalRow

    day = {"business_date": "2026-11-21"}
    preview = api.post(COORDINATOR, "/v1/networks/LPN/rounds/preview", day, idem=None)
    assert preview.status_code == 200, preview.text
    quoted = {(p["offer_id"], p["need_id"]): p["interest"] for p in preview.json()["proposals"]}
    assert any(need == "N4" for _, need in quoted)
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", day).status_code == 201
    with Session(api.engine) as s:
        rows = s.execute(
            select(ProposalRow.supply_order_id, ProposalRow.demand_order_id, ProposalLoanRow).join(
                ProposalLoanRow, ProposalLoanRow.proposal_id == ProposalRow.id
            )
        ).all()
    saved = {
        (o, n): f"{loan.interest_satang // 100}.{loan.interest_satang % 100:02d}"
        for o, n, loan in rows
    }
    assert saved == quoted
