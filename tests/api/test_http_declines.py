"""Declines over /v1: a reason travels with the decline, the coordinator lists it, the next
round leaves the pair out unless asked, and a bad reason is a named 422."""

from __future__ import annotations

from dbseed import COORDINATOR
from http_fixtures import api, refused  # noqa: F401


def test_decline_with_reason_is_listed_and_remembered(api, clock) -> None:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    p = api.get("C2", "/v1/proposals").json()["items"][0]
    bad = api.post("C2", f"/v1/proposals/{p['id']}/decline", {"reason": "x" * 501})
    refused(bad, "reason")
    r = api.post("C2", f"/v1/proposals/{p['id']}/decline", {"reason": "ดอกเบี้ยสูง / rate too high"})
    assert r.status_code == 200 and r.json()["status"] == "declined", r.text
    listed = api.get(COORDINATOR, "/v1/networks/LPN/declines")
    assert listed.status_code == 200, listed.text
    [d] = listed.json()
    assert d["proposal_id"] == p["id"] and d["declined_by_coop_id"] == "C2"
    assert d["reason"] == "ดอกเบี้ยสูง / rate too high"
    pair = (d["supply_order_id"], d["demand_order_id"])
    assert api.get("C2", "/v1/networks/LPN/declines").status_code in (403, 404)
    assert api.get("area1-office", "/v1/networks/LPN/declines").status_code == 404
    clock.advance(hours=25)
    body = {"business_date": "2026-11-22"}
    seen = api.client.post(
        "/v1/networks/LPN/rounds/preview", json=body, headers=api.headers(COORDINATOR)
    ).json()
    assert pair not in {(x["offer_id"], x["need_id"]) for x in seen["proposals"]}
    assert any("not proposed again" in n for n in seen["notes"])
    asked = api.client.post(
        "/v1/networks/LPN/rounds/preview",
        json={**body, "retry_declined": True},
        headers=api.headers(COORDINATOR),
    ).json()
    assert pair in {(x["offer_id"], x["need_id"]) for x in asked["proposals"]}
