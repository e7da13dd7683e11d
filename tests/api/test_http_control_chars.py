"""Never a 500 from input: a control character (NUL above all, which PostgreSQL text cannot
hold) in a path parameter, a query value, a cursor or an API key is refused before any
query runs, with a 422 that names the parameter (a bad key is the usual 401)."""

from __future__ import annotations

import pytest
from dbseed import COORDINATOR
from http_fixtures import OFFER, api, cursor_of, refused  # noqa: F401

from api.http.keys import split_token


@pytest.mark.parametrize("char", ["\x00", "\n", "\x1f", "\x7f"])
def test_control_characters_in_paths_queries_and_cursors_are_422(api, char: str) -> None:  # noqa: F811
    quoted = f"%{ord(char):02X}"
    refused(api.get("C1", f"/v1/orders/a{quoted}b"), "path.order_id")
    refused(api.post("C1", f"/v1/orders/a{quoted}b/cancel"), "path.order_id")
    refused(api.get("C1", f"/v1/orders?status={quoted}"), "query.status")
    refused(api.get(COORDINATOR, f"/v1/networks/LPN{quoted}/rounds"), "path.network_id")
    refused(api.post("admin", f"/v1/admin/keys/a{quoted}b/revoke"), "path.key_id")
    refused(api.get("C1", "/v1/orders", params={"cursor": cursor_of(f"O{char}")}), "cursor")
    refused(api.get("admin", "/v1/admin/keys", params={"cursor": cursor_of(char)}), "cursor")
    assert api.get("C1", "/v1/orders/O1").status_code == 200  # plain text still passes


@pytest.mark.parametrize(
    "field, value",
    [
        ("creditor_coop_id", "C\x003"),
        ("creditor_coop_id", "C3\x00"),
        ("kind", "obligation\x00"),
        ("due_date", "2026-12-01\x00"),
    ],
)
def test_a_nul_inside_a_body_string_is_422(api, field: str, value: str) -> None:  # noqa: F811
    body = {"kind": "obligation", "creditor_coop_id": "C3", "amount": "10.00"}
    body |= {"due_date": "2026-12-01", field: value}
    r = api.post("C1", "/v1/orders", body)
    assert r.status_code == 422 and r.json()["code"] == "validation", r.text
    assert api.post("C1", "/v1/orders", {**OFFER, "valid_until": None}).status_code == 201


def test_an_api_key_with_a_control_character_is_malformed() -> None:
    assert split_token("cm_a\x00b_secret") is None
    assert split_token("cm_ab_sec\x00ret") is None
    assert split_token("cm_ab_secret") == ("ab", "secret")
