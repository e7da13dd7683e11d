"""Web sessions under attack (issue 18, finding 7): logout ends a session on the server (a
copied cookie stops working), a form of an ended session is refused in the next one, the
login form cannot be posted from another site, cookies are ``Secure`` over HTTPS or behind a
proxy that says so, a cookie cannot be forged offline, and a short web secret is refused at
start-up."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from web_attack import WEB_SECRET, Web, make_web, token_of

from api.http.app import create_app
from api.settings import Settings


@pytest.fixture
def web(db: Engine, clock: Any) -> Iterator[Web]:
    made = make_web(db, clock)
    with made.client:
        yield made


def _copy_of(web: Web, cookie: str, **kw: Any) -> TestClient:
    """Another browser holding a copy of the session cookie."""
    return TestClient(web.app, headers={"Cookie": f"cm_session={cookie}"}, **kw)


def test_logout_ends_the_session_for_every_copy_of_the_cookie(web: Web) -> None:
    web.login("lamphun-office")
    cookie = web.client.cookies["cm_session"]
    with _copy_of(web, cookie) as thief:
        assert thief.get("/web/today", follow_redirects=False).status_code == 200
        token = token_of(web.client.get("/web/today").text)
        out = web.client.post("/web/logout", data={"form_token": token}, follow_redirects=False)
        assert out.status_code == 303
        after = thief.get("/web/today", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"] == "/web/login"


def test_a_form_of_an_ended_session_is_refused_in_the_next_one(web: Web) -> None:
    web.login("lamphun-office")
    old = token_of(web.client.get("/web/today").text)
    web.client.post("/web/logout", data={"form_token": old}, follow_redirects=False)
    web.login("lamphun-office")  # the same key, a new session
    refused = web.client.post("/web/logout", data={"form_token": old}, follow_redirects=False)
    assert refused.status_code == 403
    fresh = token_of(web.client.get("/web/today").text)
    ok = web.client.post("/web/logout", data={"form_token": fresh}, follow_redirects=False)
    assert ok.status_code == 303


def test_the_login_form_cannot_be_posted_from_another_site(web: Web) -> None:
    key = web.tokens["lamphun-office"]
    with TestClient(web.app) as attacker:  # the attacker's own copy of the login form
        stolen = token_of(attacker.get("/web/login").text)
    victim = web.client  # a browser that never opened our login page: no pre-session cookie
    forced = victim.post(
        "/web/login", data={"api_key": key, "form_token": stolen}, follow_redirects=False
    )
    assert forced.status_code == 403 and "cm_session" not in forced.headers.get("set-cookie", "")
    token = token_of(victim.get("/web/login").text)
    cross = victim.post(
        "/web/login",
        data={"api_key": key, "form_token": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert cross.status_code == 403
    same = victim.post(
        "/web/login",
        data={"api_key": key, "form_token": token},
        headers={"Origin": "http://testserver"},
        follow_redirects=False,
    )
    assert same.status_code == 303


def test_a_post_from_another_origin_is_refused_inside_a_session(web: Web) -> None:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/today").text)
    r = web.client.post(
        "/web/logout",
        data={"form_token": token},
        headers={"Origin": "null"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def _login_cookie(client: TestClient, key: str) -> str:
    token = token_of(client.get("/web/login").text)
    r = client.post(
        "/web/login", data={"api_key": key, "form_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return next(v for v in r.headers.get_list("set-cookie") if v.startswith("cm_session="))


def test_cookies_are_secure_over_https_behind_a_proxy_or_when_set(web: Web) -> None:
    key = web.tokens["lamphun-office"]
    assert "secure" not in _login_cookie(web.client, key).lower()  # plain HTTP, development
    with TestClient(web.app, base_url="https://testserver") as tls:
        assert "secure" in _login_cookie(tls, key).lower()
    proxied = ProxyHeadersMiddleware(web.app, trusted_hosts="*")
    with TestClient(proxied, headers={"X-Forwarded-Proto": "https"}) as behind:
        pre_session = behind.get("/web/login").headers["set-cookie"].lower()
        assert pre_session.startswith("cm_login=") and "secure" in pre_session
    forced = create_app(Settings(database_url="sqlite://", secure_cookies=True), engine=web.engine)
    with TestClient(forced) as plain:
        assert "secure" in plain.get("/web/login").headers["set-cookie"].lower()


def test_a_cookie_made_offline_is_refused_even_with_the_web_secret(db: Engine, clock: Any) -> None:
    """The old cookie was ``base64(json).hmac``: anyone with the secret could forge one."""
    made = make_web(db, clock)
    app = create_app(Settings(database_url="sqlite://", web_secret=WEB_SECRET), engine=db)
    key_id = made.tokens["lamphun-office"].split("_")[1]
    body = base64.urlsafe_b64encode(
        json.dumps({"k": key_id, "e": int(time.time()) + 3600}).encode()
    ).decode()
    body = body.rstrip("=")
    mac = hmac.new(WEB_SECRET.encode(), ("s:" + body).encode(), hashlib.sha256).digest()[:24]
    forged = body + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")
    with TestClient(app, headers={"Cookie": f"cm_session={forged}"}) as client:
        r = client.get("/web/today", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/web/login"


def test_a_short_web_secret_is_refused_at_start_up(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.web.security import WeakSecretError

    for short in ("s", "x" * 31):
        with pytest.raises(WeakSecretError):
            create_app(Settings(database_url="sqlite://", web_secret=short))
    from api.cli.main import app

    monkeypatch.setenv("COOPMATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    monkeypatch.setenv("COOPMATCH_WEB_SECRET", "s")
    result = CliRunner().invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 2 and "32" in result.output, result.output
    assert isinstance(result.exception, SystemExit)
