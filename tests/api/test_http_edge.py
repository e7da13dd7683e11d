"""The edge's own answers: ``Allow`` on every 405, the language of problem titles, and the
request id a client may send."""

from __future__ import annotations

import re
from typing import Any

import pytest
from http_fixtures import api  # noqa: F401
from starlette.requests import Request

from api.http.errors import wants_thai

IDS = {
    "order_id": "O1",
    "proposal_id": "1",
    "joint_order_id": "1",
    "job_id": "1",
    "knowhow_proposal_id": "1",
    "knowhow_posting_id": "khl_1",
    "commitment_id": "1",
    "network_id": "LPN",
    "round_id": "1",
    "key_id": "k1",
}
UNUSED = ("PATCH", "PUT", "DELETE", "HEAD", "OPTIONS")


def _paths(api: Any) -> dict[str, set[str]]:  # noqa: F811
    """Every documented path, filled in, with the methods the document gives it."""
    doc = api.client.get("/openapi.json").json()
    return {
        re.sub(r"{(\w+)}", lambda m: IDS[m.group(1)], path): {m.upper() for m in item}
        for path, item in doc["paths"].items()
    }


def test_every_405_allows_exactly_the_paths_methods(api) -> None:  # noqa: F811
    paths = _paths(api)
    assert len(paths) >= 15
    for url, methods in paths.items():
        for method in (m for m in UNUSED if m not in methods):
            r = api.client.request(method, url)
            assert r.status_code == 405, (method, url, r.status_code)
            assert r.headers["allow"] == ", ".join(sorted(methods)), (method, url)
            assert method == "HEAD" or r.json()["code"] == "method_not_allowed"
        for method in methods:  # every method listed is answered (here: refused by auth)
            assert api.client.request(method, url).status_code != 405, (method, url)


@pytest.mark.parametrize(
    "method, url, allow",
    [
        ("DELETE", "/v1/orders", "GET, POST"),
        ("PUT", "/v1/orders/O1", "GET"),
        ("HEAD", "/v1/health", "GET"),
        ("GET", "/v1/orders/O1/cancel", "POST"),
        # the GET that guards …/preview answers 405 itself and is no allowed method here
        ("DELETE", "/v1/networks/LPN/rounds/preview", "POST"),
        ("GET", "/v1/networks/LPN/rounds/preview", "POST"),
        ("DELETE", "/web/login", "GET, POST"),
        ("PUT", "/web/round/1/export.csv", "GET"),
    ],
)
def test_allow_names_what_the_path_answers(api, method: str, url: str, allow: str) -> None:  # noqa: F811
    r = api.client.request(method, url, headers=api.headers("lamphun-office"))
    assert r.status_code == 405 and r.headers["allow"] == allow, (r.headers, r.text)


def _request(accept_language: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept-language", accept_language.encode())]})


@pytest.mark.parametrize(
    "header, thai",
    [
        ("th", True),
        ("TH", True),
        ("th-TH", True),
        ("th-TH,th;q=0.9,en;q=0.8", True),
        ("en;q=0.5, th;q=0.9", True),
        ("fr, th;q=0.5", True),
        ("th ; q=0.5, en;q=0.4", True),
        ("th, en", True),
        ("*, en;q=0", True),
        ("", False),
        ("en", False),
        ("en, th", False),
        ("en-US,th;q=0.9", False),
        ("th;q=0", False),
        ("th;q=0.000, en;q=0.1", False),
        ("th;q=0, fr", False),
        ("*", False),
        ("*;q=0.5, th;q=0", False),
        ("thai", False),
        ("the", False),
        ("th;q=abc", False),
        ("th;q=1.5, en;q=0.1", False),
        ("th;q=-1", False),
    ],
)
def test_thai_only_when_asked_for_thai(header: str, thai: bool) -> None:
    assert wants_thai(_request(header)) is thai


def test_problem_titles_follow_the_language(api) -> None:  # noqa: F811
    for header, title in (("th;q=0, en;q=0.1", "Not found"), ("thai", "Not found")):
        r = api.client.get("/v1/nowhere", headers={"Accept-Language": header})
        assert r.json()["title"] == title
    r = api.client.get("/v1/nowhere", headers={"Accept-Language": "th-TH"})
    assert r.json()["title"] == "ไม่พบข้อมูล"


@pytest.mark.parametrize(
    "given, kept",
    [
        (b"req-abc", True),
        (b"a" * 64, True),
        (b"trace id/1.2:3", True),
        (b"a" * 65, False),
        (b"abc\xff", False),
        (b"\xe0\xb8\x81", False),
        (b"a\x01b", False),
    ],
)
def test_a_client_request_id_is_echoed_only_when_plain(api, given: bytes, kept: bool) -> None:  # noqa: F811
    r = api.client.get("/v1/nowhere", headers={"X-Request-ID": given})
    rid = r.headers["x-request-id"]
    assert r.json()["request_id"] == rid
    if kept:
        assert rid.encode() == given
    else:
        assert re.fullmatch(r"[0-9a-f]{16}", rid), rid
