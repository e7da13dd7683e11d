"""Reminders to coops: a proposal about to expire, a loan instalment falling due, a debt
overdue; by e-mail and through the LINE Messaging API, where the coop named a channel.

What is due on a business date ``d`` at the instant ``now``:

* ``proposal_expiring``: a pending proposal expiring within :data:`EXPIRY_HOURS` of ``now``,
  to each party that has not accepted it yet;
* ``instalment_due``: a committed loan's instalment due on ``d`` or ``d + 1``, to the
  borrower;
* ``debt_overdue``: a debt whose due date lies before ``d`` with something still open
  (:func:`api.services.payments.overdue_in`), to the debtor.

A coop gets a reminder on each channel it named in ``coop_contact`` (an e-mail address, a
LINE user or group id) and the server is configured for (:mod:`api.services.reminder_channels`);
nothing is sent where none is set.

Each message is sent at most once a business day: before sending, a run claims it by
inserting its ``reminder_sent`` row (unique per coop, kind, subject, business date and
channel) in its own transaction, and sends only when the claim is its own. So running again
on the same day, two runs at once (two server processes each running the schedule of
:mod:`api.http.reminder_loop`, or the schedule and a cron-run ``coopmatch reminders send``)
send nothing twice. A channel that fails gives the claim back (the row is deleted): it is
reported and retried by the next run. The audit event ``reminder.sent`` follows the send. A
process that dies between its claim and its send leaves that message unsent for the day
(at most once, never twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from babel.dates import get_month_names
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from api.db.audit import append_event
from api.db.tables import CommitmentRow, CoopRow, LoanInstalmentRow, ProposalRow
from api.db.tables_round import CoopContactRow, ReminderSentRow
from api.db.tx import in_write_transaction, read_session
from api.papers.thai import BANGKOK, thai_date, thai_time
from api.services.clock import as_utc
from api.services.errors import NotFoundError, ServiceError
from api.services.payments import overdue_in
from matcher.money import format_baht

EXPIRY_HOURS = 24
CHANNELS = ("email", "line")


@dataclass(frozen=True)
class Reminder:
    """One reminder to one coop, in Thai and English."""

    coop_id: str
    kind: str
    ref: str
    subject: str
    text: str


class Channel(Protocol):
    """Sends one message to one address (an e-mail address, a LINE id)."""

    name: str

    def send(self, to: str, subject: str, text: str) -> None: ...


@dataclass
class SendReport:
    """What one run did: messages sent, skipped as already sent, failed (with why)."""

    sent: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(coop, kind, ref, channel) of each message sent."""
    already: int = 0
    failed: list[str] = field(default_factory=list)


def _english_date(day: date) -> str:
    return f"{day.day} {get_month_names('wide', locale='en')[day.month]} {day.year}"


def _english_time(instant: datetime) -> str:
    local = as_utc(instant).astimezone(BANGKOK)
    return f"{_english_date(local.date())}, {local:%H:%M} Bangkok time"


def _expiring(s: Session, now: datetime) -> list[Reminder]:
    until = now + timedelta(hours=EXPIRY_HOURS)
    rows = s.execute(
        select(ProposalRow)
        .where(col(ProposalRow.status) == "pending", col(ProposalRow.expires_at) > now,
               col(ProposalRow.expires_at) <= until)
        .order_by(col(ProposalRow.id))
    ).scalars()  # fmt: skip
    out = []
    for p in rows:
        when = as_utc(p.expires_at)
        for coop, accepted in ((p.supply_coop_id, p.supply_accepted_at),
                               (p.demand_coop_id, p.demand_accepted_at)):  # fmt: skip
            if accepted is not None:
                continue
            out.append(Reminder(
                coop, "proposal_expiring", str(p.id),
                f"ข้อเสนอเลขที่ {p.id} ใกล้หมดอายุ / Proposal {p.id} expires soon",
                f"ข้อเสนอเลขที่ {p.id} จะหมดอายุ {thai_time(when)} กรุณาตอบรับหรือปฏิเสธก่อนเวลานั้น\n"
                f"Proposal {p.id} expires {_english_time(when)}; accept or decline before then.",
            ))  # fmt: skip
    return out


def _instalments(s: Session, day: date) -> list[Reminder]:
    rows = s.execute(
        select(LoanInstalmentRow, CommitmentRow)
        .join(CommitmentRow, col(CommitmentRow.id) == col(LoanInstalmentRow.commitment_id))
        .where(col(LoanInstalmentRow.due_date).in_((day, day + timedelta(days=1))))
        .order_by(col(LoanInstalmentRow.id))
    ).all()
    out = []
    for inst, loan in rows:
        owed = format_baht(inst.principal_satang + inst.interest_satang)
        out.append(Reminder(
            loan.demand_coop_id, "instalment_due", str(inst.id),
            f"งวดชำระเงินกู้ครบกำหนด {thai_date(inst.due_date)} / Loan instalment due "
            f"{_english_date(inst.due_date)}",
            f"เงินกู้สัญญาเลขที่ {loan.id} งวดที่ {inst.seq} ครบกำหนดชำระ {thai_date(inst.due_date)} "
            f"จำนวน {owed} บาท\n"
            f"Loan commitment {loan.id}, instalment {inst.seq}: {owed} baht due "
            f"{_english_date(inst.due_date)}.",
        ))  # fmt: skip
    return out


def _overdue(s: Session, day: date) -> list[Reminder]:
    out = []
    for d in overdue_in(s, day):
        left = format_baht(d.open_satang)
        out.append(Reminder(
            d.debtor, "debt_overdue", d.obligation_id,
            f"หนี้ {d.obligation_id} เกินกำหนดชำระ / Debt {d.obligation_id} is overdue",
            f"หนี้ {d.obligation_id} ครบกำหนด {thai_date(d.due_date)} เกินกำหนดมา "
            f"{d.days_past_due} วัน ยังค้างชำระ {left} บาท\n"
            f"Debt {d.obligation_id} was due {_english_date(d.due_date)}, "
            f"{d.days_past_due} days ago; {left} baht is still open.",
        ))  # fmt: skip
    return out


def due_reminders(engine: Engine, business_date: date, now: datetime) -> list[Reminder]:
    """Every reminder due on ``business_date`` at ``now``, by coop, kind and subject."""
    with read_session(engine) as s:
        found = _expiring(s, now) + _instalments(s, business_date) + _overdue(s, business_date)
    return sorted(found, key=lambda r: (r.coop_id, r.kind, r.ref))


def _contacts(engine: Engine) -> dict[str, CoopContactRow]:
    with read_session(engine) as s:
        return {c.coop_id: c for c in s.execute(select(CoopContactRow)).scalars()}


def _sent(engine: Engine, business_date: date) -> set[tuple[str, str, str, str]]:
    with read_session(engine) as s:
        rows = s.execute(
            select(ReminderSentRow).where(col(ReminderSentRow.business_date) == business_date)
        ).scalars()
        return {(r.coop_id, r.kind, r.ref, r.channel) for r in rows}


def send_reminders(
    engine: Engine,
    business_date: date,
    now: datetime,
    channels: dict[str, Channel],
    actor: str = "reminders",
) -> SendReport:
    """Send what is due to every coop on each channel it named and ``channels`` has."""
    report = SendReport()
    contacts, done = _contacts(engine), _sent(engine, business_date)
    for r in due_reminders(engine, business_date, now):
        contact = contacts.get(r.coop_id)
        if contact is None:
            continue
        for name, to in (("email", contact.email), ("line", contact.line_to)):
            channel = channels.get(name)
            if not to or channel is None:
                continue
            if (r.coop_id, r.kind, r.ref, name) in done or not _claim(
                engine, r, name, business_date, now
            ):
                report.already += 1  # sent earlier, or claimed by a run going on now
                continue
            try:
                channel.send(to, r.subject, r.text)
            except Exception as exc:  # one channel failing stops nothing else
                _give_back(engine, r, name, business_date)
                report.failed.append(f"{r.coop_id} {r.kind} {r.ref} {name}: {exc!r}")
                continue
            _audit_sent(engine, r, name, now, actor)
            report.sent.append((r.coop_id, r.kind, r.ref, name))
    return report


def _claim(engine: Engine, r: Reminder, channel: str, day: date, now: datetime) -> bool:
    """Insert the reminder's ``reminder_sent`` row; False when another run has it already."""

    def work(s: Session) -> None:
        s.add(ReminderSentRow(coop_id=r.coop_id, kind=r.kind, ref=r.ref, business_date=day,
                              channel=channel, sent_at=now))  # fmt: skip
        s.flush()

    try:
        in_write_transaction(engine, work)
    except IntegrityError:  # the unique row exists: claimed (or sent) by another run
        return False
    return True


def _give_back(engine: Engine, r: Reminder, channel: str, day: date) -> None:
    """Delete the claim of a message that could not be sent (the next run tries again)."""

    def work(s: Session) -> None:
        s.execute(
            delete(ReminderSentRow).where(
                col(ReminderSentRow.coop_id) == r.coop_id, col(ReminderSentRow.kind) == r.kind,
                col(ReminderSentRow.ref) == r.ref, col(ReminderSentRow.business_date) == day,
                col(ReminderSentRow.channel) == channel,
            )
        )  # fmt: skip

    in_write_transaction(engine, work)


def _audit_sent(engine: Engine, r: Reminder, channel: str, now: datetime, actor: str) -> None:
    def work(s: Session) -> None:
        append_event(s, now, actor, "reminder.sent", "coop", r.coop_id,
                     {"kind": r.kind, "ref": r.ref, "channel": channel})  # fmt: skip

    in_write_transaction(engine, work)


def set_contact(
    engine: Engine, coop_id: str, email: str | None, line_to: str | None, now: datetime
) -> None:
    """Name (or clear, with empty values) where ``coop_id``'s reminders go.

    Raises:
        NotFoundError: the coop does not exist.
        ServiceError: an e-mail address without ``@`` (names ``email``).
    """
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise ServiceError(f"email: {email!r} is not an address", "email: ที่อยู่อีเมลไม่ถูกต้อง")

    def work(s: Session) -> None:
        if s.get(CoopRow, coop_id) is None:
            raise NotFoundError(f"coop {coop_id!r} does not exist", f"ไม่พบสหกรณ์ {coop_id}")
        row = s.get(CoopContactRow, coop_id) or CoopContactRow(coop_id=coop_id, updated_at=now)
        row.email, row.line_to, row.updated_at = email or None, line_to or None, now
        s.add(row)
        append_event(s, now, "cli", "coop.contact_set", "coop", coop_id,
                     {"email": bool(email), "line": bool(line_to)})  # fmt: skip

    in_write_transaction(engine, work)
