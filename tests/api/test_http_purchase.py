"""Joint purchasing over /v1: members post needs and offers, the coordinator runs the
purchase round, every party commits, the order is placed into obligations; replays of an
Idempotency-Key, Thai and English field errors, and what each side may see."""

from __future__ import annotations

from typing import Any

from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401
from test_http_bola import DIESEL_NEED, DIESEL_OFFER

ROUND = {"business_date": "2026-11-21"}


def _posted(api: Any, who: str, path: str, body: dict[str, Any]) -> str:  # noqa: F811
    r = api.post(who, path, body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_post_round_accept_and_place_over_http(api) -> None:  # noqa: F811
    _posted(api, "C3", "/v1/purchase/offers", DIESEL_OFFER)
    n1 = _posted(api, "C1", "/v1/purchase/needs", DIESEL_NEED)
    n2 = _posted(api, "C2", "/v1/purchase/needs", DIESEL_NEED)
    first = api.post(COORDINATOR, "/v1/networks/LPN/purchase-rounds", ROUND, idem="pr-1")
    assert first.status_code == 201, first.text
    replay = api.post(COORDINATOR, "/v1/networks/LPN/purchase-rounds", ROUND, idem="pr-1")
    assert replay.content == first.content and replay.headers["Idempotent-Replayed"] == "true"
    again = api.post(COORDINATOR, "/v1/networks/LPN/purchase-rounds", ROUND)
    assert again.status_code == 200 and again.json()["reused"] is True
    (jid,) = first.json()["joint_order_ids"]
    assert first.json()["saving"] != "0.00" and first.json()["alone_saving"] == "0.00"

    # A buyer sees the group's terms and only its own line; the supplier sees every line.
    mine = api.get("C1", f"/v1/purchase/group-orders/{jid}").json()
    assert mine["role"] == "buyer" and [x["need_order_id"] for x in mine["lines"]] == [n1]
    assert mine["unit_price"] == "29.00" and mine["volume"] == 2400 and mine["members"] == 2
    seen = api.get("C3", f"/v1/purchase/group-orders/{jid}").json()
    assert seen["role"] == "supplier" and {x["need_order_id"] for x in seen["lines"]} == {n1, n2}
    assert api.get("C4", f"/v1/purchase/group-orders/{jid}").status_code == 404
    assert api.get("C4", "/v1/purchase/group-orders").json() == []

    path = f"/v1/purchase/group-orders/{jid}/accept"
    a1 = api.post("C1", path, idem="acc-c1")
    assert a1.json()["status"] == "pending" and a1.json()["accepted_by_me"] is True
    assert api.post("C1", path, idem="acc-c1").content == a1.content  # replay, same bytes
    assert api.post("C1", path).json()["changed"] is False  # a new key: still no effect
    api.post("C2", path)
    placed = api.post("C3", path).json()
    assert placed["status"] == "placed" and placed["obligation_ids"] == []  # C3 is the creditor
    own_debt = api.post("C2", path).json()["obligation_ids"]
    assert len(own_debt) == 1
    line = api.get("C2", f"/v1/purchase/group-orders/{jid}").json()["lines"][0]
    assert line["obligation_order_id"] == own_debt[0]
    assert api.post("C2", f"/v1/purchase/group-orders/{jid}/decline").status_code == 409
    listed = api.get(COORDINATOR, "/v1/networks/LPN/group-orders").json()
    assert [g["status"] for g in listed] == ["placed"] and listed[0]["role"] == "coordinator"


def test_bad_needs_and_offers_name_the_field_and_write_nothing(api) -> None:  # noqa: F811
    no_price = {k: v for k, v in DIESEL_NEED.items() if k != "max_price"}
    r = api.post("C1", "/v1/purchase/needs", no_price)
    assert r.status_code == 422 and "max_price" in r.text
    rising = {
        **DIESEL_OFFER,
        "tiers": [
            {"min_units": 0, "max_units": 1999, "price": "29.00"},
            {"min_units": 2000, "price": "30.00"},
        ],
    }
    r = api.client.post(
        "/v1/purchase/offers",
        json=rising,
        headers=api.headers("C3", "bad-1", **{"Accept-Language": "th"}),
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert any("offers[0].tiers" in line and " / " in line for line in body["lines"])
    assert body["detail"] == "คำสั่งจัดซื้อร่วมผิดกฎ ไม่ได้บันทึกสิ่งใด"
    too_big = {**DIESEL_OFFER, "min_order_units": 60_000}
    r = api.post("C3", "/v1/purchase/offers", too_big)
    assert r.status_code == 422 and "min_order_units" in r.text
    kinds = {o["kind"] for o in api.get("C3", "/v1/orders").json()["items"]}
    assert "supplier_offer" not in kinds


def test_order_reads_list_the_new_kinds(api) -> None:  # noqa: F811
    nid = _posted(api, "C1", "/v1/purchase/needs", DIESEL_NEED)
    listed = api.get("C1", "/v1/orders")
    assert listed.status_code == 200, listed.text
    assert nid in {o["id"] for o in listed.json()["items"]}
    one = api.get("C1", f"/v1/orders/{nid}")
    assert one.status_code == 200, one.text
    assert one.json()["kind"] == "input_need"


def test_the_one_rounds_route_dispatches_a_purchase_round(api) -> None:  # noqa: F811
    _posted(api, "C3", "/v1/purchase/offers", DIESEL_OFFER)
    _posted(api, "C1", "/v1/purchase/needs", DIESEL_NEED)
    _posted(api, "C2", "/v1/purchase/needs", DIESEL_NEED)
    body = {**ROUND, "kind": "purchase"}
    first = api.post(COORDINATOR, "/v1/networks/LPN/rounds", body, idem="rk-1")
    assert first.status_code == 201, first.text
    assert first.json()["proposal_count"] == 1  # one group order
    # The same round is what the purchase route returns for the date (one round per kind).
    same = api.post(COORDINATOR, "/v1/networks/LPN/purchase-rounds", ROUND)
    assert same.status_code == 200 and same.json()["round_id"] == first.json()["round_id"]
    # The daily round of the same date is another round.
    daily = api.post(COORDINATOR, "/v1/networks/LPN/rounds", ROUND)
    assert daily.status_code == 201 and daily.json()["round_id"] != first.json()["round_id"]
    bad = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {**ROUND, "kind": "weekly"})
    assert bad.status_code == 422 and "kind" in bad.text
    assert api.post("C1", "/v1/networks/LPN/rounds", body).status_code in (403, 404)
