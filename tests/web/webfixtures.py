"""Helpers of the web tests: the seeded app, keys, and a client that logs in like a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from http_fixtures import FAST_HASHER
from sqlalchemy import Engine

from api.db.tx import in_write_transaction
from api.http.app import create_app
from api.http.keys import issue_key
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.orders import NeedSpec, OfferSpec, insert_orders
from api.settings import Settings
from matcher.domain import NetworkLevel

LOEI_NAMES = ("สหกรณ์การเกษตรเชียงคาน", "สหกรณ์ออมทรัพย์ครูเลย")
"""Coops of the other province: their names must never appear on Lamphun's pages."""
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def seed_loei(engine: Engine) -> None:
    """A second province with its own coordinator, coops and orders."""
    t0 = datetime(2026, 11, 21, tzinfo=UTC)
    nets = [
        NetworkSpec("LOEI", "เครือข่ายจังหวัดเลย", NetworkLevel.PROVINCE, "Loei",
                    coordinator="loei-office"),
    ]  # fmt: skip
    coops = [
        CoopSpec("L1", LOEI_NAMES[0], "LOEI", district_code="4204"),
        CoopSpec("L2", LOEI_NAMES[1], "LOEI", district_code="4201"),
    ]
    offers = [OfferSpec("LO1", "L2", 400_000_00, 300, 365)]
    needs = [NeedSpec("LN1", "L1", 250_000_00, 700, 90, urgency=3)]

    def work(session: Any) -> None:
        upsert_members(session, nets, coops, t0, "seed")
        insert_orders(session, offers, needs, t0)

    in_write_transaction(engine, work)


@dataclass
class Web:
    """The app, a client, and the API token of every principal."""

    app: Any
    client: TestClient
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, who: str) -> None:
        """Log the client in as ``who`` through the login form."""
        page = self.client.get("/web/login")
        r = self.client.post(
            "/web/login",
            data={"api_key": self.tokens[who], "form_token": token_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    def logout(self) -> None:
        self.client.cookies.clear()


def without_tokens(html: str) -> str:
    """The page with its random tokens (form tokens, CSRF values) blanked, so that a check
    that some id is absent cannot trip over the same letters inside a token."""
    return re.sub(r'"[A-Za-z0-9_.~-]{24,}"', '""', html)


def token_of(html: str) -> str:
    """The form token of a rendered page (the last one: the page's main form)."""
    found = TOKEN.findall(html)
    assert found, "no form token on the page"
    return found[-1]


def make_web(db: Engine, clock: Any) -> Web:
    from dbseed import seed_combined, seed_lamphun

    seed_lamphun(db)
    seed_combined(db)  # debts to set off, a longan lot and two purchase orders
    seed_loei(db)
    app = create_app(Settings(database_url="sqlite://"), engine=db, clock=clock)
    web = Web(app, TestClient(app, raise_server_exceptions=False), db)
    for coop in ("C1", "C2", "C3", "C4"):
        web.tokens[coop] = issue_key(db, role="member", coop_id=coop, hasher=FAST_HASHER).token
    for who in ("lamphun-office", "area1-office", "loei-office"):
        web.tokens[who] = issue_key(db, role="coordinator", principal=who, hasher=FAST_HASHER).token
    return web
