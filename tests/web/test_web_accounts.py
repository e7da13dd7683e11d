"""People log in as people: accounts with argon2 passwords and roles, created by an admin on
the web or with the CLI, a first-login password change before anything else, and accounts
(and keys) for a coop or a coordinator that does not exist refused."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from http_fixtures import FAST_HASHER
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner
from webfixtures import Web, token_of

from api.cli import keys
from api.db.tables_http import WebUserRow
from api.db.tx import read_session
from api.http.keys import revoke_key
from api.http.users import create_user
from api.services.errors import NotFoundError, ServiceError


def login_as(web: Web, username: str, password: str, lang: str = "th") -> Any:
    page = web.client.get(f"/web/login?lang={lang}")
    return web.client.post(
        "/web/login",
        data={"username": username, "password": password, "form_token": token_of(page.text)},
        follow_redirects=False,
    )


def change(web: Web, old: str, new: str, again: str | None = None) -> Any:
    page = web.client.get("/web/password")
    data = {"form_token": token_of(page.text), "old_password": old, "password": new,
            "password_again": new if again is None else again}  # fmt: skip
    return web.client.post("/web/password", data=data)


def test_a_member_logs_in_with_a_password_and_must_change_it_first(web: Web) -> None:
    made = create_user(web.engine, "somchai", role="member", coop_id="C2", hasher=FAST_HASHER)
    wrong = login_as(web, "somchai", "not it")
    assert wrong.status_code == 401
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in wrong.text
    unknown = login_as(web, "nobody", made.first_password)
    assert unknown.status_code == 401
    ok = login_as(web, "SomChai ", made.first_password)  # names are lower case, trimmed
    assert ok.headers["location"] == "/web/member"
    first = web.client.get("/web/member", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/web/password"
    bad = change(web, "wrong", "a-long-new-password")
    assert bad.status_code == 422 and "รหัสผ่านเดิม: รหัสผ่านเดิมไม่ถูกต้อง" in bad.text
    short = change(web, made.first_password, "short")
    assert "รหัสผ่านใหม่: ต้องยาว 10 ถึง 200 ตัวอักษร" in short.text
    differ = change(web, made.first_password, "a-long-new-password", "another-one-here")
    assert "รหัสผ่านใหม่สองช่องไม่ตรงกัน" in differ.text
    assert web.client.get("/web/member", follow_redirects=False).status_code == 303
    done = change(web, made.first_password, "a-long-new-password")
    assert done.status_code == 200 and 'href="/web/member"' in done.text
    assert web.client.get("/web/member").status_code == 200
    web.logout()
    assert login_as(web, "somchai", made.first_password).status_code == 401
    assert login_as(web, "somchai", "a-long-new-password").status_code == 303
    assert web.client.get("/web/member").status_code == 200
    assert (
        web.client.get("/web/today", follow_redirects=False).status_code == 303
    )  # not a coordinator
    assert web.client.get("/web/admin/users", follow_redirects=False).status_code == 303
    with read_session(web.engine) as s:
        row = s.get(WebUserRow, "somchai")
        assert row is not None and "a-long-new-password" not in row.password_hash
        assert row.password_hash.startswith("$argon2")
    revoke_key(web.engine, row.key_id)  # disabling the account ends its session too
    assert web.client.get("/web/member", follow_redirects=False).status_code == 303
    web.logout()
    assert login_as(web, "somchai", "a-long-new-password").status_code == 401


def test_an_admin_creates_accounts_on_the_web(web: Web) -> None:
    admin = create_user(web.engine, "admin.one", role="admin", principal="ops",
                        hasher=FAST_HASHER)  # fmt: skip
    assert (
        login_as(web, "admin.one", admin.first_password).headers["location"] == "/web/admin/users"
    )
    change(web, admin.first_password, "admin-password-1")
    page = web.client.get("/web/admin/users")
    assert page.status_code == 200 and "admin.one" in page.text

    def create(**fields: str) -> Any:
        form = token_of(web.client.get("/web/admin/users").text)
        return web.client.post("/web/admin/users", data={"form_token": form, **fields})

    nocoop = create(username="ghost", role="member", coop_id="NOPE")
    assert nocoop.status_code == 422 and "ไม่พบสหกรณ์ NOPE" in nocoop.text
    assert 'value="ghost"' in nocoop.text
    nonet = create(username="ghost", role="coordinator", principal="nobody-office")
    assert "ผู้ประสานงาน nobody-office ไม่ได้ประสานงานเครือข่ายใด" in nonet.text
    badname = create(username="A B", role="member", coop_id="C1")
    assert "ชื่อผู้ใช้:" in badname.text
    made = create(username="office.lamphun", role="coordinator", principal="lamphun-office")
    assert made.status_code == 200
    first = made.text.split('id="first-password">')[1].split("<")[0]
    taken = create(username="office.lamphun", role="member", coop_id="C1")
    assert "มีผู้ใช้ชื่อ office.lamphun แล้ว" in taken.text
    with read_session(web.engine) as s:
        names = list(s.execute(select(col(WebUserRow.username))).scalars())
    assert sorted(names) == ["admin.one", "office.lamphun"]
    web.logout()
    assert login_as(web, "office.lamphun", first).headers["location"] == "/web/today"
    change(web, first, "coordinator-pass")
    assert "เครือข่าย" in web.client.get("/web/today").text


def test_accounts_and_keys_for_what_does_not_exist_are_refused(web: Web) -> None:
    with pytest.raises(NotFoundError):
        create_user(web.engine, "x.coop", role="member", coop_id="NOPE", hasher=FAST_HASHER)
    with pytest.raises(NotFoundError):
        create_user(web.engine, "x.net", role="coordinator", principal="ghost-office",
                    hasher=FAST_HASHER)  # fmt: skip
    with pytest.raises(ServiceError):
        create_user(web.engine, "x", role="member", coop_id="C1", hasher=FAST_HASHER)
    with read_session(web.engine) as s:
        assert list(s.execute(select(WebUserRow)).scalars()) == []


def test_the_cli_creates_a_user_and_refuses_a_coordinator_of_nothing(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    if web.engine.dialect.name != "sqlite":
        pytest.skip("the CLI reads COOPMATCH_DATABASE_URL; SQLite is enough here")
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", str(web.engine.url))
    app = typer.Typer()
    keys.register(app)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    nobody = runner.invoke(app, ["keys", "issue", "--coordinator", "nobody-office"])
    assert nobody.exit_code == 2 and "ไม่ได้ประสานงานเครือข่ายใด" in nobody.output
    assert runner.invoke(app, ["keys", "issue", "--coordinator", "lamphun-office"]).exit_code == 0
    res = runner.invoke(app, ["keys", "user", "malee", "--coop", "C1"])
    assert res.exit_code == 0, res.output
    first = res.output.strip().splitlines()[-1]
    assert runner.invoke(app, ["keys", "user", "malee2", "--coop", "NOPE"]).exit_code == 2
    assert login_as(web, "malee", first).headers["location"] == "/web/member"


def test_a_revoked_key_or_an_expired_session_explains_itself(web: Web) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from api.db.tables_http import WebSessionRow
    from api.db.tx import in_write_transaction

    web.login("C2")
    assert web.client.get("/web/member").status_code == 200
    in_write_transaction(web.engine, lambda s: s.execute(
        update(WebSessionRow).values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    ))  # fmt: skip
    gone = web.client.get("/web/member", follow_redirects=False)
    assert gone.headers["location"] == "/web/login?why=expired"
    assert "หมดเวลาแล้ว" in web.client.get(gone.headers["location"]).text
    web.logout()
    web.login("C3")
    revoke_key(web.engine, web.tokens["C3"].split("_")[1])
    cut = web.client.get("/web/member", follow_redirects=False)
    assert cut.headers["location"] == "/web/login?why=revoked"
    page = web.client.get(cut.headers["location"] + "&lang=en").text
    assert "Your key or account was revoked" in page
    web.logout()
    assert web.client.get("/web/member", follow_redirects=False).headers["location"] == (
        "/web/login"
    )  # no session at all: nothing to explain


def test_an_admin_disables_an_account_and_its_session_ends(web: Web) -> None:
    member = create_user(web.engine, "malee", role="member", coop_id="C1", hasher=FAST_HASHER)
    admin = create_user(web.engine, "boss", role="admin", principal="ops", hasher=FAST_HASHER)
    member_client = web.client
    login_as(web, "malee", member.first_password)
    change(web, member.first_password, "malee-password")
    member_cookies = dict(member_client.cookies)
    web.logout()
    login_as(web, "boss", admin.first_password)
    change(web, admin.first_password, "boss-password-1")
    page = web.client.get("/web/admin/users")
    done = web.client.post(
        "/web/admin/users/malee/disable", data={"form_token": token_of(page.text)}
    )
    assert done.status_code == 200 and "ระงับบัญชีแล้ว" in done.text
    assert "ระงับแล้ว" in done.text.split(">malee<")[1].split("</tr>")[0]
    missing = web.client.post(
        "/web/admin/users/nobody/disable", data={"form_token": token_of(done.text)}
    )
    assert missing.status_code == 404
    web.logout()
    for name, value in member_cookies.items():
        web.client.cookies.set(name, value)
    cut = web.client.get("/web/member", follow_redirects=False)
    assert cut.headers["location"] == "/web/login?why=revoked"
    assert login_as(web, "malee", "malee-password").status_code == 401


def _admin_and_member(web: Web) -> dict[str, str]:
    """A member ``malee`` logged in with her own password (her session's cookies returned)
    and an admin ``boss`` logged in on the same client afterwards."""
    member = create_user(web.engine, "malee", role="member", coop_id="C1", hasher=FAST_HASHER)
    admin = create_user(web.engine, "boss", role="admin", principal="ops", hasher=FAST_HASHER)
    login_as(web, "malee", member.first_password)
    change(web, member.first_password, "malee-password")
    cookies = dict(web.client.cookies)
    web.logout()
    login_as(web, "boss", admin.first_password)
    change(web, admin.first_password, "boss-password-1")
    return cookies


def _hash_of(web: Web, username: str) -> str:
    with read_session(web.engine) as s:
        row = s.get(WebUserRow, username)
        assert row is not None
        return row.password_hash


def test_an_admin_resets_a_forgotten_password_once(web: Web) -> None:
    from api.db.tables import AuditEventRow
    from api.db.tables_http import IdempotencyKeyRow

    member_cookies = _admin_and_member(web)
    page = web.client.get("/web/admin/users?lang=en")
    assert 'href="/web/admin/users/malee/reset?lang=en"' in page.text
    before = _hash_of(web, "malee")
    ask = web.client.get("/web/admin/users/malee/reset?lang=th")
    assert ask.status_code == 200 and "malee" in ask.text and "ยืนยัน ตั้งรหัสผ่านใหม่" in ask.text
    assert _hash_of(web, "malee") == before  # asking changes nothing
    no_token = web.client.post("/web/admin/users/malee/reset", data={})
    elsewhere = web.client.post("/web/admin/users/malee/reset",
                                data={"form_token": token_of(ask.text)},
                                headers={"Origin": "https://evil.example"})  # fmt: skip
    assert no_token.status_code == elsewhere.status_code == 403
    assert _hash_of(web, "malee") == before
    token = token_of(ask.text)
    first = web.client.post("/web/admin/users/malee/reset", data={"form_token": token})
    again = web.client.post("/web/admin/users/malee/reset", data={"form_token": token})
    assert first.status_code == 200 and "ตั้งรหัสผ่านใหม่แล้วสำหรับ" in first.text
    assert again.text == first.text  # a double click: one reset, the same answer
    fresh = first.text.split('id="first-password">')[1].split("<")[0]
    assert len(fresh) >= 12 and _hash_of(web, "malee") != before
    with read_session(web.engine) as s:
        events = [e for e in s.execute(select(AuditEventRow)).scalars()
                  if e.action == "web_user.password_reset"]  # fmt: skip
        stored = " ".join(r.response_body for r in s.execute(select(IdempotencyKeyRow)).scalars())
    assert [(e.actor, e.entity_id) for e in events] == [("ops", "malee")]
    assert fresh not in str(events[0].__dict__)
    assert "first-password" in stored and fresh not in stored  # kept in memory only
    for bad in ("nobody", "m" * 200):
        missing = web.client.post(f"/web/admin/users/{bad}/reset",
                                  data={"form_token": token_of(first.text)})  # fmt: skip
        assert missing.status_code == 404
    web.logout()
    for name, value in member_cookies.items():  # her session ended with the reset
        web.client.cookies.set(name, value)
    assert web.client.get("/web/member", follow_redirects=False).status_code == 303
    web.logout()
    assert login_as(web, "malee", "malee-password").status_code == 401
    assert login_as(web, "malee", fresh).status_code == 303
    must = web.client.get("/web/member", follow_redirects=False)
    assert must.headers["location"] == "/web/password"  # a new password at this login
    assert change(web, fresh, "malee-password-2").status_code == 200
    assert web.client.get("/web/member").status_code == 200


def test_a_disabled_account_is_not_reset(web: Web) -> None:
    _admin_and_member(web)
    page = web.client.get("/web/admin/users")
    web.client.post("/web/admin/users/malee/disable", data={"form_token": token_of(page.text)})
    assert web.client.get("/web/admin/users/malee/reset").status_code == 404
    refused = web.client.post("/web/admin/users/malee/reset",
                              data={"form_token": token_of(page.text)})  # fmt: skip
    assert refused.status_code == 404
    with pytest.raises(ServiceError, match="disabled"):
        from api.http.users import reset_password

        reset_password(web.engine, "malee", hasher=FAST_HASHER)


def _admin_routes(web: Web) -> list[tuple[str, str]]:
    from fastapi.routing import APIRoute

    def walk(routes: list[Any]) -> list[APIRoute]:
        out: list[APIRoute] = []
        for route in routes:
            if isinstance(route, APIRoute):
                out.append(route)
            elif hasattr(route, "original_router"):
                out += walk(route.original_router.routes)
        return out

    return sorted(
        (method, route.path_format.replace("{username}", "malee"))
        for route in walk(web.app.routes)
        if route.path.startswith("/web/admin")
        for method in route.methods
    )


def test_only_an_admin_reaches_the_account_pages(web: Web) -> None:
    """Every ``/web/admin`` route (from the app's routes, so a new one is covered), asked by
    a member, a coordinator (with their own valid form tokens) and nobody, is sent to the
    login page and changes nothing."""
    from api.db.tables import AuditEventRow

    _admin_and_member(web)
    routes = _admin_routes(web)
    assert ("POST", "/web/admin/users/malee/reset") in routes
    assert ("POST", "/web/admin/users/malee/disable") in routes and len(routes) >= 5

    def state() -> tuple[Any, ...]:
        with read_session(web.engine) as s:
            users = sorted((u.username, u.password_hash, u.must_change_password)
                           for u in s.execute(select(WebUserRow)).scalars())  # fmt: skip
            events = len(list(s.execute(select(AuditEventRow)).scalars()))
        return tuple(users), events

    before = state()
    for who, home in (("C1", "/web/member"), ("lamphun-office", "/web/round"), (None, None)):
        web.logout()
        token = "none"
        if who is not None:
            web.login(who)
            token = token_of(web.client.get(home).text)
        for method, path in routes:
            data = {"form_token": token, "username": "x.y", "role": "admin", "principal": "p"}
            r = web.client.request(method, path, data=data if method == "POST" else None,
                                   follow_redirects=False)  # fmt: skip
            assert r.status_code in (303, 403), (who, method, path, r.status_code)
            if r.status_code == 303 and path != "/web/admin":
                assert r.headers["location"].startswith("/web/login"), (who, method, path)
            assert "first-password" not in r.text
    assert state() == before


def test_the_cli_resets_lists_and_disables_accounts(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    if web.engine.dialect.name != "sqlite":
        pytest.skip("the CLI reads COOPMATCH_DATABASE_URL; SQLite is enough here")
    monkeypatch.setenv("COOPMATCH_DATABASE_URL", str(web.engine.url))
    app = typer.Typer()
    keys.register(app)
    app.command("noop")(lambda: None)
    runner = CliRunner()
    create_user(web.engine, "malee", role="member", coop_id="C1", hasher=FAST_HASHER)
    listed = runner.invoke(app, ["keys", "users"])
    assert listed.exit_code == 0 and "malee\tmember\tC1\tfirst-login" in listed.output
    res = runner.invoke(app, ["keys", "reset-password", "malee"])
    assert res.exit_code == 0, res.output
    fresh = res.output.strip().splitlines()[-1]
    assert login_as(web, "malee", fresh).status_code == 303
    assert runner.invoke(app, ["keys", "reset-password", "nobody"]).exit_code == 2
    assert runner.invoke(app, ["keys", "disable-user", "malee"]).exit_code == 0
    assert "malee\tmember\tC1\tdisabled" in runner.invoke(app, ["keys", "users"]).output
    again = runner.invoke(app, ["keys", "reset-password", "malee"])
    assert again.exit_code == 2 and "ถูกระงับ" in again.output
