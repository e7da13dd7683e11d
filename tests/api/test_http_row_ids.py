"""Never a 500 from input: an id in a path or a cursor beyond what an id column holds is a
422 that names the parameter, never a database error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401

from api.db.ids import MAX_ROW_ID

PROBLEM = "application/problem+json"
BEYOND = [MAX_ROW_ID + 1, 2**63, 10**26, -(2**63) - 1]
"""Past PostgreSQL's 32-bit INTEGER, past SQLite's 64-bit one, and far below."""


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([value]).encode()).decode().rstrip("=")


def _refused(r: Any, field: str) -> None:
    """A 422 problem whose detail names ``field``."""
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["code"] == "validation" and field in r.json()["detail"], r.text


@pytest.mark.parametrize("value", BEYOND)
def test_a_cursor_beyond_any_row_id_is_422(api, value: int) -> None:  # noqa: F811
    for who, path in (
        ("C1", "/v1/proposals"),
        ("C1", "/v1/commitments"),
        (COORDINATOR, "/v1/networks/LPN/rounds"),
    ):
        _refused(api.get(who, path, params={"cursor": _cursor(value)}), "cursor")
    ok = api.get("C1", "/v1/proposals", params={"cursor": _cursor(MAX_ROW_ID)})
    assert ok.status_code == 200 and ok.json()["items"] == []


@pytest.mark.parametrize("value", BEYOND[:3])
def test_an_id_in_the_path_beyond_any_row_id_is_422(api, value: int) -> None:  # noqa: F811
    for who, path, field in (
        ("C1", f"/v1/proposals/{value}", "proposal_id"),
        ("C1", f"/v1/commitments/{value}", "commitment_id"),
        (COORDINATOR, f"/v1/networks/LPN/rounds/{value}", "round_id"),
        (COORDINATOR, f"/v1/networks/LPN/rounds/{value}/export.csv", "round_id"),
    ):
        _refused(api.get(who, path), field)
    _refused(api.post("C1", f"/v1/proposals/{value}/accept"), "proposal_id")
    assert api.get("C1", f"/v1/proposals/{MAX_ROW_ID}").status_code == 404
