"""Problem+json everywhere: auth, roles, validation (money), language, limits, OpenAPI, and
an unhandled error (a 500 with the request id, logged once)."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from http_fixtures import FAST_HASHER, OFFER, api, make_api  # noqa: F401
from openapi_spec_validator import validate
from structlog.contextvars import merge_contextvars
from typer.testing import CliRunner

from api.http.context import HttpConfig
from api.http.keys import issue_key, revoke_key

PROBLEM = "application/problem+json"


def _problem(r: Any, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status and body["code"] == code and body["title"]
    assert body["type"].endswith(code) and body["request_id"]
    return body  # type: ignore[no-any-return]


def test_authentication(api) -> None:  # noqa: F811
    _problem(api.client.get("/v1/coops/me"), 401, "unauthorized")
    for token in ("nonsense", "cm_x", "cm_abc_def", api.tokens["C1"] + "x"):
        r = api.client.get("/v1/coops/me", headers={"Authorization": f"Bearer {token}"})
        _problem(r, 401, "unauthorized")
    key = issue_key(api.engine, role="member", coop_id="C2", hasher=FAST_HASHER)
    headers = {"Authorization": f"Bearer {key.token}"}
    assert api.client.get("/v1/coops/me", headers=headers).json()["id"] == "C2"
    assert revoke_key(api.engine, key.key_id) is True
    assert revoke_key(api.engine, key.key_id) is False
    _problem(api.client.get("/v1/coops/me", headers=headers), 401, "unauthorized")


def test_roles(api) -> None:  # noqa: F811
    _problem(api.get("lamphun-office", "/v1/orders"), 403, "forbidden_role")
    _problem(api.get("admin", "/v1/coops/me"), 403, "forbidden_role")
    _problem(api.get("C1", "/v1/networks/LPN/rounds"), 403, "forbidden_role")


@pytest.mark.parametrize(
    "amount",
    [
        *("1.234", 1.5, "1e5", 1e5, "-1.00", -1, "0.00", "", "1,000.00", "NaN", True, None),
        *(" 1.00", "1.00\n", "\u00a01.00"),  # the published pattern has no spaces
        "100000000000.01",  # above MAX_ORDER_SATANG: one order must not stop a whole round
    ],
)
def test_bad_money_is_422(api, amount: Any) -> None:  # noqa: F811
    body = _problem(api.post("C1", "/v1/orders", {**OFFER, "amount": amount}), 422, "validation")
    assert any(e["field"].endswith("amount") for e in body["errors"])


def test_order_limits_are_the_matchers(api) -> None:  # noqa: F811
    """The largest amount and price the API takes are ones every round can still solve."""
    biggest = {**OFFER, "amount": "100000000000.00"}
    assert api.post("C1", "/v1/orders", biggest, idem="max-offer").status_code == 201
    lot = {
        "kind": "stock_lot",
        "product": "longan",
        "grade": "AA",
        "quantity": 10,
        "ready_date": "2026-11-21",
        "expiry_date": "2026-11-25",
    }
    for field, value in (("reserve_price", "1000000.01"), ("spoilage_per_day", "1000000.01")):
        r = api.post("C3", "/v1/orders", {**lot, "reserve_price": "1.00", field: value})
        body = _problem(r, 422, "validation")
        assert any(e["field"].endswith(field) for e in body["errors"]), body
    debt = {"kind": "obligation", "creditor_coop_id": "C1", "amount": "100000000000.01"}
    body = _problem(
        api.post("C3", "/v1/orders", {**debt, "due_date": "2026-12-31"}), 422, "validation"
    )
    assert any(e["field"].endswith("amount") for e in body["errors"])


def test_validation_and_language(api) -> None:  # noqa: F811
    r = api.client.post(
        "/v1/orders",
        json={**OFFER, "surprise": 1},
        headers=api.headers("C1", "v-1", **{"Accept-Language": "th-TH,th;q=0.9,en;q=0.5"}),
    )
    assert _problem(r, 422, "validation")["title"] == "คำขอไม่ถูกต้อง"
    _problem(api.client.delete("/v1/orders", headers=api.headers("C1")), 405, "method_not_allowed")
    r = api.client.get("/v1/nowhere", headers={"Accept-Language": "en"})
    assert _problem(r, 404, "not_found")["title"] == "Not found"
    r = api.client.get("/v1/coops/me", headers={"Accept-Language": "en;q=0.4, th;q=0.8"})
    assert _problem(r, 401, "unauthorized")["title"] == "ไม่มีหรือคีย์ API ไม่ถูกต้อง"
    _problem(api.get("C1", "/v1/orders", params={"limit": 101}), 422, "validation")
    _problem(api.get("C1", "/v1/orders", params={"cursor": "!!"}), 422, "validation")
    _problem(api.get("C1", "/v1/proposals/abc"), 422, "validation")
    need = {
        "kind": "liquidity_need",
        "amount": "10.00",
        "max_rate_bps": 1,
        "term_days": 5,
        "min_amount": "20.00",
    }
    _problem(api.post("C1", "/v1/orders", need), 422, "validation")


def test_body_limit_and_rate_limit(db, clock) -> None:  # type: ignore[no-untyped-def]
    small = make_api(db, clock, HttpConfig(max_body_bytes=200, rate_per_minute=3))
    big = {**OFFER, "valid_until": None, "pad": "x" * 500}
    r = small.post("C1", "/v1/orders", big)
    _problem(r, 413, "too_large")
    chunks = (b'{"pad": "' + b"x" * 50 + b'"}' for _ in range(10))  # no Content-Length
    headers = {**small.headers("C1", "big"), "content-type": "application/json"}
    _problem(small.client.post("/v1/orders", content=chunks, headers=headers), 413, "too_large")
    statuses = [small.get("C2", "/v1/coops/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    r = small.get("C2", "/v1/coops/me")
    assert _problem(r, 429, "rate_limited") and int(r.headers["retry-after"]) >= 1
    assert small.get("C3", "/v1/coops/me").status_code == 200  # per coop


def test_guessing_at_a_key_is_throttled(db, clock) -> None:  # type: ignore[no-untyped-def]
    """Each wrong secret costs an argon2 check; past the free failures of a key id from one
    client that client backs off (429), and other keys are not affected."""
    guarded = make_api(db, clock, HttpConfig(verify_free_failures=2))
    key_id = guarded.tokens["C1"].split("_")[1]
    wrong = {"Authorization": f"Bearer cm_{key_id}_{'x' * 43}"}
    statuses = [guarded.client.get("/v1/coops/me", headers=wrong).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    r = guarded.client.get("/v1/coops/me", headers=wrong)
    assert _problem(r, 429, "rate_limited") and int(r.headers["retry-after"]) >= 1
    assert guarded.get("C2", "/v1/coops/me").status_code == 200  # another key id


SECRET = "internals: dsn=postgresql://u:hunter2@db/x"


def _boom() -> None:
    raise RuntimeError(SECRET)


def _late_boom() -> StreamingResponse:
    def chunks() -> Any:
        yield b"first chunk"
        raise RuntimeError(SECRET)

    return StreamingResponse(chunks(), media_type="text/plain")


def test_an_unhandled_error_is_a_problem_with_the_request_id(api) -> None:  # noqa: F811
    api.app.add_api_route("/test-only/boom", _boom)  # on this test's app instance only
    headers = {"X-Request-ID": "req-boom", "Accept-Language": "th"}
    with structlog.testing.capture_logs(processors=[merge_contextvars]) as logs:
        r = api.client.get("/test-only/boom", headers=headers)
    body = _problem(r, 500, "internal")
    assert r.headers["x-request-id"] == body["request_id"] == "req-boom"
    assert body["title"] == "ระบบขัดข้อง" and body["instance"] == "/test-only/boom"
    for leak in ("hunter2", "RuntimeError", "Traceback", "internals"):
        assert leak not in r.text
    assert logs and all(line.get("request_id") == "req-boom" for line in logs)
    errors = [line for line in logs if line["log_level"] in ("error", "critical")]
    assert len(errors) == 1 and errors[0]["exc_info"], errors  # logged once, with the traceback
    access = [line for line in logs if line["event"] == "request"]
    assert len(access) == 1 and access[0]["status"] == 500
    # handled at the edge: nothing escapes to the server (which would log it again, bare)
    strict = TestClient(api.app, raise_server_exceptions=True)  # no lifespan: no second pool
    again = strict.get("/test-only/boom", headers={"X-Request-ID": "req-boom-2"})
    assert again.status_code == 500 and again.headers["x-request-id"] == "req-boom-2"
    assert again.json()["title"] == "Internal error"


def test_an_error_after_the_response_started_is_logged_with_the_request_id(api) -> None:  # noqa: F811
    api.app.add_api_route("/test-only/late-boom", _late_boom)
    strict = TestClient(api.app, raise_server_exceptions=True)
    with (
        structlog.testing.capture_logs(processors=[merge_contextvars]) as logs,
        pytest.raises(RuntimeError),  # the server must cut the half-sent response off
    ):
        strict.get("/test-only/late-boom", headers={"X-Request-ID": "req-late"})
    assert logs and all(line.get("request_id") == "req-late" for line in logs)
    errors = [line for line in logs if line["log_level"] in ("error", "critical")]
    assert len(errors) == 1 and errors[0]["exc_info"], errors
    assert [line["status"] for line in logs if line["event"] == "request"] == [200]


def _has_example(node: Any, components: dict[str, Any], depth: int = 0) -> bool:
    if depth > 14:
        return False
    if isinstance(node, dict):
        if "example" in node or "examples" in node:
            return True
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _has_example(components.get(name, {}), components, depth + 1)
        return any(_has_example(v, components, depth + 1) for v in node.values())
    if isinstance(node, list):
        return any(_has_example(v, components, depth + 1) for v in node)
    return False


def test_openapi_document(api) -> None:  # noqa: F811
    doc = api.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.") and doc["info"]["title"]
    comps = doc["components"]["schemas"]
    assert "Problem" in comps and "apiKey" in doc["components"]["securitySchemes"]
    ops = [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]
    assert len(ops) >= 16
    for method, path, op in ops:
        assert op.get("summary") and op.get("description"), (method, path)
        assert any(code.startswith("2") for code in op["responses"]), (method, path)
        success = {k: v for k, v in op["responses"].items() if k.startswith("2")}
        assert _has_example(success, comps) or _has_example(op.get("requestBody"), comps), (
            method,
            path,
        )
        if path.startswith("/v1/") and path != "/v1/health":
            assert "401" in op["responses"] and "404" in op["responses"], (method, path)
        if method == "post" and not path.endswith("/preview"):
            names = [p["name"] for p in op.get("parameters", [])]
            assert "Idempotency-Key" in names, (method, path)
    validate(doc)  # OpenAPI 3.1 rules, and every example and default against its schema


def test_keys_cli(db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import typer
    from dbseed import seed_lamphun

    from api.cli import keys

    if db.dialect.name != "sqlite":
        pytest.skip("the CLI reads COOPMATCH_DATABASE_URL; SQLite is enough here")
    seed_lamphun(db)
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", str(db.url))
    app = typer.Typer()
    keys.register(app)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    res = runner.invoke(app, ["keys", "issue", "--coop", "C1"])
    assert res.exit_code == 0, res.output
    token = res.output.strip().splitlines()[-1]
    assert token.startswith("cm_")
    key_id = token.split("_")[1]
    assert runner.invoke(app, ["keys", "issue", "--coop", "NOPE"]).exit_code == 2
    assert runner.invoke(app, ["keys", "issue"]).exit_code == 2
    res = runner.invoke(app, ["keys", "revoke", key_id])
    assert res.exit_code == 0 and "revoked" in res.output
    assert runner.invoke(app, ["keys", "revoke", "unknown"]).exit_code == 2
