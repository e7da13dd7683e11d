"""The coordinator asks for a declined pair to be proposed again over /v1: the decline is
listed with its reason, forgetting it is idempotent by key and audited, a second ask is a
409, another coordinator gets a 404, and the next round of the network proposes the pair
again."""

from __future__ import annotations

from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401
from sqlmodel import Session, col, select

from api.db.tables import AuditEventRow


def _pairs(api, coop: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]  # noqa: F811
    return {
        (p["order_id"], p["counterparty_coop_id"])
        for p in api.get(coop, "/v1/proposals").json()["items"]
        if p["status"] == "pending"
    }


def test_forget_a_decline_and_the_next_round_proposes_it(api) -> None:  # noqa: F811
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    p = next(x for x in api.get("C4", "/v1/proposals").json()["items"] if x["kind"] == "loan")
    r = api.post("C4", f"/v1/proposals/{p['id']}/decline", {"reason": "rate too high"})
    assert r.status_code == 200, r.text
    (d,) = api.get(COORDINATOR, "/v1/networks/LPN/declines").json()
    assert (d["proposal_id"], d["reason"], d["cleared_at"]) == (p["id"], "rate too high", None)
    # the next version of the round leaves the pair out
    again = {"business_date": "2026-11-21", "new_version": True}
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", again).status_code == 201
    assert (p["order_id"], p["counterparty_coop_id"]) not in _pairs(api, "C4")
    url = f"/v1/networks/LPN/declines/{p['id']}/forget"
    assert (
        api.post("area1-office", f"/v1/networks/LPN-A1/declines/{p['id']}/forget").status_code
        == 404
    )
    assert api.post(COORDINATOR, "/v1/networks/LPN/declines/999999/forget").status_code == 404
    first = api.post(COORDINATOR, url, idem="forget-1")
    second = api.post(COORDINATOR, url, idem="forget-1")
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert first.json()["cleared_at"] is not None
    assert api.post(COORDINATOR, url).status_code == 409
    with Session(api.engine) as s:
        events = s.exec(
            select(AuditEventRow).where(col(AuditEventRow.action) == "decline.forgotten")
        ).all()
    assert len(events) == 1 and events[0].entity_id == str(p["id"])
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", again).status_code == 201
    assert (p["order_id"], p["counterparty_coop_id"]) in _pairs(api, "C4")
