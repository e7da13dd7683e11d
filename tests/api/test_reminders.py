"""Reminders reach coops by e-mail and LINE, offline: a local SMTP server (aiosmtpd) and a
stand-in for the LINE Messaging API, both on loopback, receive what the real ones would.

The oracle of what is due is computed here from the rows (pending proposals expiring within
a day, to each party that has not accepted; instalments due today or tomorrow; debts past
due), not by the service. A coop with no channel gets nothing; a second run on the same day
sends nothing twice; a channel that fails is reported, records nothing and is retried.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from dbseed import COMBINED_DAY, COORDINATOR, seed_combined, seed_lamphun
from sqlalchemy import Engine, select
from sqlmodel import col

from api.db.tables import LoanInstalmentRow, ProposalLoanRow, ProposalRow
from api.db.tables_round import ReminderSentRow
from api.db.tx import read_session
from api.services.errors import NotFoundError, ServiceError
from api.services.proposals import accept_proposal
from api.services.reminder_channels import LineChannel, SmtpChannel, channels_from
from api.services.reminders import Channel, send_reminders, set_contact
from api.services.round.calendar import BANGKOK
from api.services.round.service import run_round
from api.settings import Settings

DAY = COMBINED_DAY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """aiosmtpd's handler: every message received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class FakeLine(BaseHTTPRequestHandler):
    """The push endpoint of the LINE Messaging API, as its documentation describes it."""

    pushed: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    failing = False

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.failing or self.path != "/v2/bot/message/push":
            self.send_response(500)
            self.end_headers()
            return
        type(self).pushed.append((self.headers["Authorization"], body))
        answer = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def line() -> Iterator[tuple[type[FakeLine], int]]:
    FakeLine.pushed, FakeLine.failing = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield FakeLine, int(server.server_address[1])
    server.shutdown()


def expected_expiring(engine: Engine, now: Any, contacts: set[str]) -> set[tuple[str, str]]:
    """(coop, proposal id) of every expiry reminder due, from the rows."""
    out = set()
    with read_session(engine) as s:
        for p in s.execute(select(ProposalRow)).scalars():
            expires = p.expires_at.replace(tzinfo=now.tzinfo) if p.expires_at.tzinfo is None \
                else p.expires_at  # fmt: skip
            if p.status != "pending" or not now < expires <= now + timedelta(hours=24):
                continue
            for coop, accepted in ((p.supply_coop_id, p.supply_accepted_at),
                                   (p.demand_coop_id, p.demand_accepted_at)):  # fmt: skip
                if accepted is None and coop in contacts:
                    out.add((coop, str(p.id)))
    return out


def subject_of(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_reminders_by_email_and_line_once_a_day(
    db: Engine, clock: Any, smtp: tuple[Inbox, int], line: tuple[type[FakeLine], int]
) -> None:
    seed_lamphun(db)
    seed_combined(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    set_contact(db, "C2", "c2@example.coop", None, clock())
    set_contact(db, "C4", "c4@example.coop", "U4444", clock())
    set_contact(db, "C1", None, "C1-group", clock())
    inbox, port = smtp
    fake, line_port = line
    channels: dict[str, Channel] = {
        "email": SmtpChannel("127.0.0.1", port, "coopmatch@example.coop"),
        "line": LineChannel("test-token", f"http://127.0.0.1:{line_port}"),
    }
    now = clock()
    report = send_reminders(db, DAY, now, channels)
    assert report.failed == []
    wanted = expected_expiring(db, now, {"C1", "C2", "C4"})
    assert wanted, "the round left no proposal to remind of"
    got = {(c, ref) for c, kind, ref, _ in report.sent if kind == "proposal_expiring"}
    assert got == wanted
    assert "C3" not in {c for c, *_ in report.sent}  # no channel named: nothing sent
    mailed = {(m["To"], subject_of(m)) for m in inbox.messages}
    assert len(inbox.messages) == sum(1 for c, *_, ch in report.sent if ch == "email")
    assert all(to in ("c2@example.coop", "c4@example.coop") for to, _ in mailed)
    assert all("ใกล้หมดอายุ" in subject and "expires soon" in subject for _, subject in mailed)
    body = inbox.messages[0].get_payload(decode=True).decode("utf-8")
    assert "พ.ศ. 2569" in body and "Bangkok time" in body
    assert {to for _, b in fake.pushed for to in [b["to"]]} == {"U4444", "C1-group"}
    assert all(auth == "Bearer test-token" for auth, _ in fake.pushed)
    assert all(b["messages"][0]["type"] == "text" for _, b in fake.pushed)
    again = send_reminders(db, DAY, now, channels)  # the same day: nothing twice
    assert again.sent == [] and again.already == len(report.sent)
    assert len(inbox.messages) == len({(c, r) for c, _, r, ch in report.sent if ch == "email"})


def test_instalments_falling_due_and_overdue_debts(
    db: Engine, clock: Any, smtp: tuple[Inbox, int], line: tuple[type[FakeLine], int]
) -> None:
    seed_lamphun(db)
    seed_combined(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    with read_session(db) as s:
        p = s.execute(
            select(ProposalRow)
            .join(ProposalLoanRow, col(ProposalLoanRow.proposal_id) == col(ProposalRow.id))
            .where(col(ProposalRow.demand_order_id) == "N4")
        ).scalars().first()  # fmt: skip
    assert p is not None
    for coop in (p.supply_coop_id, p.demand_coop_id):
        accept_proposal(db, int(p.id or 0), coop, clock=clock)
    with read_session(db) as s:
        first = s.execute(select(LoanInstalmentRow).order_by(col(LoanInstalmentRow.id))).scalar()
    assert first is not None
    set_contact(db, "C4", "c4@example.coop", None, clock())
    set_contact(db, "C2", "c2@example.coop", None, clock())
    inbox, port = smtp
    channels: dict[str, Channel] = {"email": SmtpChannel("127.0.0.1", port, "cm@example.coop")}
    later = clock() + timedelta(days=60)  # past every proposal's expiry
    due = send_reminders(db, first.due_date - timedelta(days=1), later, channels)
    assert ("C4", "instalment_due", str(first.id), "email") in due.sent
    text = inbox.messages[-1].get_payload(decode=True).decode("utf-8")
    assert "งวดที่ 1" in text and "instalment 1" in text
    overdue_day = DAY + timedelta(days=41)  # D21 (C2 owes C1) fell due on DAY + 40
    late = send_reminders(db, overdue_day, later, channels)
    assert ("C2", "debt_overdue", "D21", "email") in late.sent
    assert all(kind != "proposal_expiring" for _, kind, _, _ in late.sent)


def test_a_failing_channel_is_reported_and_retried(
    db: Engine, clock: Any, line: tuple[type[FakeLine], int]
) -> None:
    seed_lamphun(db)
    seed_combined(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    set_contact(db, "C2", None, "U2", clock())
    fake, port = line
    channels: dict[str, Channel] = {"line": LineChannel("t", f"http://127.0.0.1:{port}")}
    fake.failing = True
    failed = send_reminders(db, DAY, clock(), channels)
    assert failed.sent == [] and failed.failed
    with read_session(db) as s:
        assert list(s.execute(select(ReminderSentRow)).scalars()) == []
    fake.failing = False
    retried = send_reminders(db, DAY, clock(), channels)
    assert retried.sent and retried.failed == []


def test_nothing_is_configured_by_default_and_contacts_are_checked(db: Engine, clock: Any) -> None:
    assert channels_from(Settings(database_url="sqlite://")) == {}
    configured = Settings(database_url="sqlite://", smtp_host="127.0.0.1",
                          line_channel_token="x")  # type: ignore[arg-type]  # fmt: skip
    assert set(channels_from(configured)) == {"email", "line"}
    seed_lamphun(db)
    with pytest.raises(NotFoundError):
        set_contact(db, "NOPE", "a@b.c", None, clock())
    with pytest.raises(ServiceError):
        set_contact(db, "C1", "not an address", None, clock())


def _serving_settings(smtp_port: int, line_port: int, interval_s: float) -> Settings:
    return Settings(database_url="sqlite://", smtp_host="127.0.0.1", smtp_port=smtp_port,
                    smtp_from="cm@example.coop", line_channel_token="tok",
                    line_api_url=f"http://127.0.0.1:{line_port}",
                    reminders_interval_s=interval_s)  # fmt: skip


def _wait_for_runs(apps: list[Any], runs: int, timeout_s: float = 20.0) -> None:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(a.state.ctx.reminders.runs >= runs for a in apps):
            return
        time.sleep(0.02)
    raise AssertionError("the reminders' schedule did not run")


def test_serve_sends_the_reminders_on_a_schedule_once_a_day(
    db: Engine, clock: Any, smtp: tuple[Inbox, int], line: tuple[type[FakeLine], int]
) -> None:
    """The app's lifespan runs the schedule (interval 0.05 s here): two servers sharing
    the database (two worker processes) each run it many times, and every reminder due goes
    out once on each of its coop's channels; the schedule stops with the server."""
    from fastapi.testclient import TestClient

    from api.db.tables import AuditEventRow
    from api.http.app import create_app

    seed_lamphun(db)
    seed_combined(db)
    run_round(db, network_id="LPN", business_date=DAY, actor=COORDINATOR, clock=clock)
    set_contact(db, "C2", "c2@example.coop", None, clock())
    set_contact(db, "C4", "c4@example.coop", "U4444", clock())
    inbox, port = smtp
    fake, line_port = line
    settings = _serving_settings(port, line_port, 0.05)
    apps = [create_app(settings, engine=db, clock=clock) for _ in range(2)]
    with TestClient(apps[0]), TestClient(apps[1]):
        loops = [a.state.ctx.reminders for a in apps]
        assert all(loop is not None for loop in loops)
        _wait_for_runs(apps, 5)
    assert not any(loop._thread.is_alive() for loop in loops)  # stopped at shutdown
    wanted = expected_expiring(db, clock(), {"C2", "C4"})
    assert wanted
    mailed = sorted((m["To"], subject_of(m)) for m in inbox.messages)
    assert len(mailed) == len(set(mailed)) == len(wanted)  # one each, never two
    pushed = sorted((b["to"], b["messages"][0]["text"]) for _, b in fake.pushed)
    assert len(pushed) == len(set(pushed)) == sum(1 for c, _ in wanted if c == "C4")
    with read_session(db) as s:
        sent = list(s.execute(select(ReminderSentRow)).scalars())
        audited = [e for e in s.execute(select(AuditEventRow)).scalars()
                   if e.action == "reminder.sent"]  # fmt: skip
    assert len(sent) == len(audited) == len(mailed) + len(pushed)
    assert {e.actor for e in audited} == {"reminders-schedule"}
    assert {r.business_date for r in sent} == {clock().astimezone(BANGKOK).date()}


def test_the_schedule_is_off_at_zero_or_without_a_channel(
    db: Engine, clock: Any, smtp: tuple[Inbox, int]
) -> None:
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    inbox, port = smtp
    off = _serving_settings(port, 1, 0)
    silent = Settings(database_url="sqlite://", reminders_interval_s=0.05)
    for settings in (off, silent):
        app = create_app(settings, engine=db, clock=clock)
        with TestClient(app):
            assert app.state.ctx.reminders is None
    assert inbox.messages == []
    assert Settings(database_url="sqlite://").reminders_interval_s == 900
    with pytest.raises(ValueError):
        Settings(database_url="sqlite://", reminders_interval_s=-1)
