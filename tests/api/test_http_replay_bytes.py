"""A replay of an Idempotency-Key is the stored response byte for byte, and so is the first
answer: every state-changing route, posted twice with one key, answers the same status and
the same body bytes (the text stored under the key), the second marked replayed. On
PostgreSQL an offer and a need take the one-statement path, every other post the general
one."""

from __future__ import annotations

from typing import Any

import pytest
from dbseed import COORDINATOR, LONGAN
from http_fixtures import BUY, DEBT, LOT, NEED, OFFER, api  # noqa: F401
from sqlmodel import Session

from api.db.tables_http import IdempotencyKeyRow
from api.db.tx import in_write_transaction
from api.services.produce_orders import upsert_products


def _twice(app_api: Any, who: str, path: str, body: Any, key: str) -> Any:
    """Post twice under ``key``; both answers are the stored text, byte for byte."""
    first = app_api.post(who, path, body, idem=key)
    again = app_api.post(who, path, body, idem=key)
    assert first.status_code in (200, 201), first.text
    assert again.status_code == first.status_code
    assert again.content == first.content, (first.text, again.text)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert first.headers["content-type"] == again.headers["content-type"] == "application/json"
    with Session(app_api.engine) as s:
        row = s.get(IdempotencyKeyRow, ("root" if who == "admin" else who, key))
        assert row is not None and row.status_code == first.status_code
        assert first.content == row.response_body.encode()
    return first.json()


@pytest.mark.parametrize("body", [OFFER, NEED, LOT, BUY, DEBT], ids=lambda b: b["kind"])
def test_every_order_kind_replays_byte_for_byte(api, body: dict[str, Any]) -> None:  # noqa: F811
    in_write_transaction(api.engine, lambda s: upsert_products(s, [LONGAN]))
    who = "C2" if body is BUY else "C1"
    posted = _twice(api, who, "/v1/orders", body, f"post-{body['kind']}")
    assert posted["kind"] == body["kind"]


def test_every_other_change_replays_byte_for_byte(api) -> None:  # noqa: F811
    offer = _twice(api, "C1", "/v1/orders", OFFER, "offer")
    _twice(api, "C1", f"/v1/orders/{offer['id']}/cancel", None, "cancel")
    rnd = {"business_date": "2026-11-21"}
    _twice(api, COORDINATOR, "/v1/networks/LPN/rounds", rnd, "round")
    again = _twice(api, COORDINATOR, "/v1/networks/LPN/rounds", rnd, "round-reused")
    assert again["reused"] is True  # the 200 of an existing round, too
    proposals = api.get("C2", "/v1/proposals").json()["items"]
    assert proposals, "the seeded round proposes"
    pid = proposals[0]["id"]
    _twice(api, "C2", f"/v1/proposals/{pid}/accept", None, "accept")
    _twice(api, "C2", f"/v1/proposals/{pid}/decline", None, "decline")
    key_id = api.tokens["C4"].split("_")[1]
    _twice(api, "admin", f"/v1/admin/keys/{key_id}/revoke", None, "revoke")
