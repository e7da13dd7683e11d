"""``/v1`` problem details speak the caller's language: under ``Accept-Language: th`` every
refusal a member or a client meets (authentication, roles, validation of each kind,
idempotency, query checks, a missing object, an unknown route, a service's refusal) has a
Thai title and a Thai ``detail`` and Thai ``errors[].message``; under English none has a
Thai letter, except where the caller's own input is echoed."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from http_fixtures import NEED, OFFER, Api, api  # noqa: F401

from api.http.problem_text import THAI_DETAILS

THAI = re.compile(r"[\u0e00-\u0e7f]")
PURCHASE = {"kind": "purchase_order", "product": "longan", "quantity": 0, "bids": [],
            "deliver_by": "2569-11-28"}  # fmt: skip


def refusals(api: Api, lang: str) -> dict[str, Callable[[], Any]]:  # noqa: F811
    """Name → a request that is refused, sent with ``Accept-Language: lang``."""
    al = {"Accept-Language": lang}

    def post(who: str, path: str, body: Any, key: str | None = "auto") -> Any:
        headers = api.headers(who, uuid.uuid4().hex if key == "auto" else key, **al)
        return api.client.post(path, json=body, headers=headers)

    reused = uuid.uuid4().hex
    return {
        "no key": lambda: api.client.get("/v1/coops/me", headers=al),
        "bad key": lambda: api.client.get(
            "/v1/coops/me", headers={"Authorization": "Bearer cm_x_y", **al}
        ),
        "role": lambda: api.client.get("/v1/orders", headers=api.headers("lamphun-office", **al)),
        "money": lambda: post("C1", "/v1/orders", {**OFFER, "amount": "1.234"}),
        "missing and range": lambda: post("C1", "/v1/orders", {"kind": "liquidity_need",
                                                               "amount": "1", "term_days": 0}),
        "cross-field": lambda: post("C1", "/v1/orders", {**NEED, "min_amount": "900.00"}),
        "Buddhist year, list": lambda: post("C1", "/v1/orders", PURCHASE),
        "unknown field": lambda: post("C1", "/v1/orders", {**OFFER, "surprise": 1}),
        "unknown kind": lambda: post("C1", "/v1/orders", {**OFFER, "kind": "gift"}),
        "not json": lambda: api.client.post(
            "/v1/orders", content=b"{", headers={**api.headers("C1", "k-1", **al),
                                                 "Content-Type": "application/json"}),
        "no idempotency key": lambda: post("C1", "/v1/orders", OFFER, key=None),
        "key reused": lambda: (post("C1", "/v1/orders", OFFER, reused),
                               post("C1", "/v1/orders", NEED, reused))[1],
        "unknown query": lambda: api.client.get(
            "/v1/orders?colour=red", headers=api.headers("C1", **al)
        ),
        "bad cursor": lambda: api.client.get(
            "/v1/orders?cursor=!!", headers=api.headers("C1", **al)
        ),
        "missing object": lambda: api.client.get(
            "/v1/orders/O9", headers=api.headers("C1", **al)
        ),
        "unknown route": lambda: api.client.get("/v1/nowhere", headers=al),
        "service refusal": lambda: post("C1", "/v1/orders", {"kind": "obligation",
                                        "creditor_coop_id": "C1", "amount": "5.00",
                                        "due_date": "2026-12-31"}),
    }  # fmt: skip


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_refusal_speaks_the_callers_language(api: Api, lang: str) -> None:  # noqa: F811
    for name, send in refusals(api, lang).items():
        r = send()
        assert r.status_code >= 400 and r.headers["content-type"].startswith(
            "application/problem+json"
        ), (name, r.status_code, r.text)
        body = r.json()
        messages = [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]
        for text in messages:
            if lang == "th":
                assert THAI.search(text), (name, text)
            else:  # the caller's own Thai (none is sent here) is the only Thai allowed
                assert not THAI.search(text.replace("พ.ศ.", "")), (name, text)


def test_thai_details_keep_what_varies(api: Api) -> None:  # noqa: F811
    headers = api.headers("C1", "dup-key", **{"Accept-Language": "th"})
    api.client.post("/v1/orders", json=OFFER, headers=headers)
    again = api.client.post("/v1/orders", json=NEED, headers=headers).json()
    assert again["detail"] == "Idempotency-Key 'dup-key' ถูกใช้กับคำขออื่นแล้ว"
    r = api.client.post("/v1/orders", json={"kind": "liquidity_need", "amount": "1",
                                            "max_rate_bps": 99999, "term_days": 5},
                        headers=api.headers("C1", "k-2", **{"Accept-Language": "th"}))  # fmt: skip
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors == {"body.liquidity_need.max_rate_bps": "ต้องไม่เกิน 10000"}, errors
    assert r.json()["detail"] == "body.liquidity_need.max_rate_bps: ต้องไม่เกิน 10000"


def test_each_thai_detail_pattern_is_thai() -> None:
    for pattern, thai in THAI_DETAILS:
        assert THAI.search(thai), pattern
