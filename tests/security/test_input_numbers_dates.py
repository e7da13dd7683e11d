"""Odd digits, odd dates and repeated JSON keys (issue 18, findings 5 and 10): a 422 naming
the field, never a 500 and never a silent guess.

Before: ``runs=²`` or a 5,000-digit number on the scenario form and its export answered 500
(``str.isdigit()`` then ``int()``); an import cell ``²`` crashed the import; the dates
``"0"``, ``"0.00"`` and ``"-0"`` were stored as 1970-01-01 and a datetime was taken as a
date; a key given twice in a JSON body silently took the last value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from http_fixtures import DEBT, OFFER, Api, make_api, refused
from sqlalchemy import Engine
from web_attack import Web, make_web, token_of

from api.services.errors import BadFileError
from api.services.members import import_members

ODD_NUMBERS = ("²", "١٢", "1_000", "+5", "12.0", " 3", "9" * 5000, "0x10", "")
ODD_DATES: tuple[object, ...] = (
    "0",
    "0.00",
    "-0",
    0,
    1_700_000_000,
    "2026-12-31T00:00:00",
    "2026-12-31 00:00",
    "20261231",
    "2026-W53-4",
    "２０２６-１２-３１",
    "2026-02-30",
)


def test_the_one_whole_number_rule() -> None:
    from api.schemas.common import parse_whole

    assert parse_whole("42", 0, 100) == 42 and parse_whole("-7", -10, 0) == -7
    for text in ODD_NUMBERS:
        with pytest.raises(ValueError, match="0-9"):
            parse_whole(text, 0, 10**18)
    with pytest.raises(ValueError, match="outside"):
        parse_whole("101", 0, 100)


def test_the_one_date_rule() -> None:
    from api.schemas.common import parse_iso_date

    assert parse_iso_date("2026-12-31").isoformat() == "2026-12-31"
    for value in ODD_DATES:
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_iso_date(value)


@pytest.fixture
def web(db: Engine, clock: Any) -> Iterator[Web]:
    made = make_web(db, clock)
    with made.client:
        yield made


def test_odd_digits_on_the_scenario_form_and_export_are_a_422(web: Web) -> None:
    web.login("lamphun-office")
    for odd in ("²", "9" * 5000, "1_0"):
        token = token_of(web.client.get("/web/scenarios").text)
        form = {"scenario": "lamphun-2555.yaml", "runs": odd, "form_token": token}
        r = web.client.post("/web/scenarios/run", data=form)
        assert r.status_code == 422 and "runs" in r.text, r.text[:300]
        for fmt in ("csv", "xlsx"):
            r = web.client.get(
                f"/web/scenarios/export.{fmt}",
                params={"scenario": "lamphun-2555.yaml", "runs": odd},
            )
            assert r.status_code == 422 and "runs" in r.text, r.text[:300]


def test_odd_digits_in_a_page_path_are_not_found(web: Web) -> None:
    web.login("lamphun-office")
    for odd in ("²", "9" * 5000, "1_0"):
        r = web.client.get(f"/web/round/{odd}/export.csv")
        assert r.status_code == 404, r.text[:300]


@pytest.fixture
def api(db: Engine, clock: Any) -> Iterator[Api]:
    made = make_api(db, clock)
    with made.client:
        yield made


def test_odd_digits_in_queries_and_paths_are_a_422(api: Api) -> None:
    for odd in ("²", "9" * 5000, "1_0", "+5"):
        refused(api.get("C1", "/v1/orders", params={"limit": odd}), "limit")
        r = api.get("C1", f"/v1/proposals/{odd}")
        assert r.status_code == 422 and "proposal_id" in r.json()["detail"], r.text


def test_an_import_cell_with_odd_digits_is_a_row_numbered_problem(
    tmp_path: Path, db: Engine
) -> None:
    header = (
        "type,id,name_th,name_en,kind,level,parent_id,network_id,province_code,posted_rate_bps\n"
    )
    for odd in ("²", "9" * 5000):
        path = tmp_path / "members.csv"
        path.write_text(header + f"network,N1,เครือข่าย,Net,,province,,,51,{odd}\n", "utf-8")
        with pytest.raises(BadFileError) as caught:
            import_members(db, path, actor="t")
        assert any("row 2" in line and "posted_rate_bps" in line for line in caught.value.lines)


def test_only_iso_dates_are_dates(api: Api) -> None:
    for value in ODD_DATES:
        r = api.post("C1", "/v1/orders", {**DEBT, "due_date": value})
        refused(r, "due_date")
        r = api.post("lamphun-office", "/v1/networks/LPN/rounds", {"business_date": value})
        refused(r, "business_date")
    assert api.post("C1", "/v1/orders", DEBT).status_code == 201


def _raw_post(api: Api, who: str, path: str, text: str) -> Any:
    headers = {**api.headers(who, "dup-" + str(hash(text))), "Content-Type": "application/json"}
    return api.client.post(path, content=text.encode(), headers=headers)


def test_a_key_given_twice_is_a_422_naming_it(api: Api) -> None:
    twice = json.dumps(OFFER)[:-1] + ', "amount": "99999999.00"}'
    refused(_raw_post(api, "C1", "/v1/orders", twice), "amount")
    nested = json.dumps({**DEBT})[:-1] + ', "due_date": "2027-01-01"}'
    refused(_raw_post(api, "C1", "/v1/orders", nested), "due_date")
    body = '{"business_date": "2026-11-21", "business_date": "2026-11-22"}'
    refused(_raw_post(api, "lamphun-office", "/v1/networks/LPN/rounds", body), "business_date")
    not_json = _raw_post(api, "C1", "/v1/orders", '{"kind": ')
    assert not_json.status_code == 422
    assert _raw_post(api, "C1", "/v1/orders", json.dumps(OFFER)).status_code == 201


def test_every_route_that_takes_a_body_refuses_repeated_keys(api: Api) -> None:
    from api.http.strict import StrictJsonRoute

    routes = [c.route for c in iter_route_contexts(api.app.router.routes)]
    with_body = [r for r in routes if isinstance(r, APIRoute) and r.dependant.body_params]
    assert len(with_body) >= 3
    assert [r.path for r in with_body if not isinstance(r, StrictJsonRoute)] == []
