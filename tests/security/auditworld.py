"""A small, fully audited world for the tamper tests: members imported through the service,
orders posted by the coops over ``/v1`` (their own audit chains), a round run by the
coordinator (which writes a signed anchor checkpoint), a proposal accepted by both sides
(a commitment), then ``coopmatch audit anchor``; and the tools of a database owner who
bypasses the triggers."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from dbseed import COORDINATOR, T0
from fastapi.testclient import TestClient
from http_fixtures import FAST_HASHER, NEED, OFFER
from sqlalchemy import Connection, Engine, text
from typer.testing import CliRunner

from api.cli.main import app as cli_app
from api.db.audit import event_hash, genesis_hash
from api.db.tx import in_write_transaction, is_postgres
from api.http.app import create_app
from api.http.keys import issue_key
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.settings import Settings
from matcher.domain import NetworkLevel

AUDIT_KEY = "k" * 16 + "-a-test-audit-key-of-40-bytes---"


@dataclass
class World:
    engine: Engine
    url: str
    anchor: Path

    def env(self) -> dict[str, str]:
        return {
            "COOPMATCH_DATABASE_URL": self.url,
            "COOPMATCH_AUDIT_KEY": AUDIT_KEY,
            "COOPMATCH_AUDIT_ANCHOR_PATH": str(self.anchor),
        }

    def cli(self, *args: str) -> tuple[int, str]:
        res = CliRunner().invoke(cli_app, list(args), env=self.env())
        return res.exit_code, " ".join(res.output.split())


def cli_url(engine: Engine) -> str:
    """A URL for the CLI that reaches the same database (and PostgreSQL schema)."""
    url = engine.url.render_as_string(hide_password=False)
    if not is_postgres(engine):
        return url
    with engine.connect() as conn:
        schema = str(conn.execute(text("SELECT current_schema()")).scalar_one())
    return f"{url}?options=-csearch_path%3D{schema}"


def _members(engine: Engine) -> None:
    networks = [
        NetworkSpec("LPN", "ลำพูน", NetworkLevel.PROVINCE, "Lamphun", coordinator=COORDINATOR)
    ]
    coops = [CoopSpec(c, f"สหกรณ์ {c}", "LPN", district_code="5101") for c in ("C1", "C2", "C4")]
    in_write_transaction(engine, lambda s: upsert_members(s, networks, coops, T0, "seed"))


def build_world(engine: Engine, tmp_path: Path) -> World:
    world = World(engine, cli_url(engine), tmp_path / "anchor" / "audit.jsonl")
    _members(engine)
    settings = Settings(
        database_url="sqlite://",
        audit_key=AUDIT_KEY,
        audit_anchor_path=world.anchor,
        round_date_window_days=36500,
    )
    tokens = {
        c: issue_key(engine, role="member", coop_id=c, hasher=FAST_HASHER).token
        for c in ("C1", "C2", "C4")
    }
    tokens[COORDINATOR] = issue_key(
        engine, role="coordinator", principal=COORDINATOR, hasher=FAST_HASHER
    ).token
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:

        def post(who: str, path: str, body: Any = None) -> Any:
            headers = {
                "Authorization": f"Bearer {tokens[who]}",
                "Idempotency-Key": hashlib.sha256(f"{who}{path}{body}".encode()).hexdigest(),
            }
            r = client.post(path, json=body, headers=headers)
            assert r.status_code in (200, 201), r.text
            return r.json()

        post("C1", "/v1/orders", OFFER)
        post("C2", "/v1/orders", NEED)
        post("C4", "/v1/orders", {**NEED, "amount": "300.00"})
        post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
        assert world.anchor.exists()  # the round anchored the chains
        got = client.get("/v1/proposals", headers={"Authorization": f"Bearer {tokens['C2']}"})
        p = got.json()["items"][0]
        post("C2", f"/v1/proposals/{p['id']}/accept")
        post(p["counterparty_coop_id"], f"/v1/proposals/{p['id']}/accept")
    code, out = world.cli("audit", "anchor")
    assert code == 0, out
    return world


@contextmanager
def as_owner(engine: Engine) -> Iterator[Connection]:
    """A transaction of the database's owner with every trigger bypassed: PostgreSQL's
    ``session_replication_role = replica`` (superuser), SQLite's triggers dropped."""
    with engine.connect() as conn, conn.begin():
        if is_postgres(engine):
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            names = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            for name in names.scalars().all():
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn


def rehash_chain(conn: Connection, chain: str) -> None:
    """Recompute every hash of ``chain`` from its stored columns and move its head: what an
    owner does after editing an event, so that the chain verifies again."""
    rows = conn.execute(
        text(
            "SELECT id, seq, occurred_at, actor, action, entity, entity_id, payload "
            "FROM audit_event WHERE chain = :c ORDER BY seq"
        ),
        {"c": chain},
    ).all()
    prev = genesis_hash(chain)
    for r in rows:
        at = r.occurred_at
        if isinstance(at, str):  # SQLite returns text from a raw query
            at = datetime.fromisoformat(at)
        digest = event_hash(
            prev, r.seq, at, r.actor, r.action, r.entity, r.entity_id, json.loads(r.payload)
        )
        conn.execute(
            text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": prev, "h": digest, "i": r.id},
        )
        prev = digest
    conn.execute(
        text("UPDATE audit_chain_head SET seq = :s, hash = :h WHERE chain = :c"),
        {"s": len(rows), "h": prev, "c": chain},
    )
