"""Never a 500 from input: an id in a path or a cursor beyond what an id column holds is a
422 that names the parameter, never a database error."""

from __future__ import annotations

import pytest
from dbseed import COORDINATOR
from http_fixtures import api, cursor_of, refused  # noqa: F401

from api.db.ids import MAX_ROW_ID

BEYOND = [MAX_ROW_ID + 1, 2**63, 10**26, -(2**63) - 1]
"""Past PostgreSQL's 32-bit INTEGER, past SQLite's 64-bit one, and far below."""


@pytest.mark.parametrize("value", BEYOND)
def test_a_cursor_beyond_any_row_id_is_422(api, value: int) -> None:  # noqa: F811
    for who, path in (
        ("C1", "/v1/proposals"),
        ("C1", "/v1/commitments"),
        (COORDINATOR, "/v1/networks/LPN/rounds"),
    ):
        refused(api.get(who, path, params={"cursor": cursor_of(value)}), "cursor")
    ok = api.get("C1", "/v1/proposals", params={"cursor": cursor_of(MAX_ROW_ID)})
    assert ok.status_code == 200 and ok.json()["items"] == []


@pytest.mark.parametrize("value", BEYOND[:3])
def test_an_id_in_the_path_beyond_any_row_id_is_422(api, value: int) -> None:  # noqa: F811
    for who, path, field in (
        ("C1", f"/v1/proposals/{value}", "proposal_id"),
        ("C1", f"/v1/commitments/{value}", "commitment_id"),
        (COORDINATOR, f"/v1/networks/LPN/rounds/{value}", "round_id"),
        (COORDINATOR, f"/v1/networks/LPN/rounds/{value}/export.csv", "round_id"),
    ):
        refused(api.get(who, path), field)
    refused(api.post("C1", f"/v1/proposals/{value}/accept"), "proposal_id")
    assert api.get("C1", f"/v1/proposals/{MAX_ROW_ID}").status_code == 404
