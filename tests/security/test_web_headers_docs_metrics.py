"""What the server shows and how (issue 18, finding 10): a Content-Security-Policy and frame
protection on every response, the API documentation behind a setting (on in development,
off in production unless asked for), and ``/metrics`` behind a token (absent in production
without one).

Before: ``/docs``, ``/openapi.json`` and ``/metrics`` were open everywhere and without CSP
or frame protection.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.settings import Settings


def _client(**settings: Any) -> TestClient:
    return TestClient(create_app(Settings(database_url="sqlite://", **settings)))


@pytest.mark.parametrize(
    "path",
    [
        "/web/login",
        "/docs",
        "/redoc",
        "/openapi.json",
        "/metrics",
        "/v1/health",
        "/v1/coops/me",
        "/web/today",
        "/nowhere",
    ],
)
def test_every_response_has_a_policy_and_cannot_be_framed(path: str) -> None:
    with _client() as client:
        r = client.get(path, follow_redirects=False)
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (path, r.status_code, csp)
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("x-content-type-options") == "nosniff"
    if path in ("/openapi.json", "/metrics", "/v1/health", "/v1/coops/me", "/nowhere"):
        assert csp.startswith("default-src 'none'")  # data is never a document
    if path == "/web/login":
        assert "script-src 'self';" in csp


def test_the_api_documentation_follows_the_setting() -> None:
    with _client() as dev:  # development by default
        assert all(dev.get(p).status_code == 200 for p in ("/docs", "/redoc", "/openapi.json"))
    with _client(environment="production") as prod:
        assert all(prod.get(p).status_code == 404 for p in ("/docs", "/redoc", "/openapi.json"))
        assert prod.get("/v1/health").status_code == 200
    with _client(environment="production", api_docs=True) as asked:
        assert asked.get("/openapi.json").status_code == 200
    with _client(api_docs=False) as off:
        assert off.get("/docs").status_code == 404


def test_metrics_need_their_token_where_one_is_set() -> None:
    with _client() as dev:
        assert dev.get("/metrics").status_code == 200
    with _client(environment="production") as prod:
        assert prod.get("/metrics").status_code == 404
    token = "scrape-" + "m" * 32
    with _client(environment="production", metrics_token=token) as guarded:
        assert guarded.get("/metrics").status_code == 401
        wrong = guarded.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        ok = guarded.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and "coopmatch_http_requests_total" in ok.text
