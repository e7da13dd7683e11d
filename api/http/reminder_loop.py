"""Reminders on a schedule inside the server: ``coopmatch serve`` sends the reminders due
(:func:`api.services.reminders.send_reminders`) every ``reminders_interval_s`` seconds, so
no cron job is needed.

The work runs in its own daemon thread, never on the event loop, so a slow mail server
delays no request. The first run comes right after start-up, then one per interval; the
thread stops at shutdown (the app's lifespan), finishing the message it is sending. It is
not started when the interval is 0 or when no channel is configured (nothing could be sent).
Several processes may each run it, and cron may run ``coopmatch reminders send`` beside it:
a message is claimed in the database before it goes, so it is sent at most once a business
day (the Asia/Bangkok date of the app's clock).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import Engine

from api.services.clock import UtcClock
from api.services.round.calendar import bangkok_date
from api.settings import Settings

if TYPE_CHECKING:  # the reminders (and their Thai papers) load only when the schedule runs
    from api.services.reminders import Channel, SendReport

log = structlog.get_logger("coopmatch.reminders")
ACTOR = "reminders-schedule"
"""Who the audit trail names for the messages the schedule sends."""


class ReminderLoop:
    """Sends the reminders due every ``interval_s`` seconds on a background thread."""

    def __init__(
        self, engine: Engine, clock: UtcClock, channels: dict[str, Channel], interval_s: float
    ) -> None:
        self.engine, self.clock, self.channels = engine, clock, channels
        self.interval_s = interval_s
        self.runs = 0
        """Runs finished (with or without something to send)."""
        self.last: SendReport | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="coopmatch-reminders", daemon=True)

    def start(self) -> None:
        """Start the schedule (the first run at once)."""
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop the schedule: no run starts after this; the one running finishes."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout_s)

    def run_once(self) -> SendReport | None:
        """Send what is due now; None when the run failed (logged; the next run retries)."""
        from api.services.reminders import send_reminders

        now = self.clock()
        try:
            report = send_reminders(self.engine, bangkok_date(now), now, self.channels, ACTOR)
        except Exception as exc:  # the database away, say: the next run tries again
            log.warning("reminders_failed", error=repr(exc))
            return None
        if report.sent or report.failed:
            log.info("reminders", sent=len(report.sent), already=report.already,
                     failed=report.failed)  # fmt: skip
        return report

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.last = self.run_once()
            self.runs += 1
            if self._stop.wait(self.interval_s):
                return


def reminder_loop(settings: Settings, engine: Engine, clock: UtcClock) -> ReminderLoop | None:
    """The schedule the settings ask for; None when it is off (interval 0) or there is no
    channel to send on."""
    if settings.reminders_interval_s <= 0:
        return None
    if not settings.smtp_host and settings.line_channel_token is None:
        return None  # no channel: the LINE SDK is not even imported
    from api.services.reminder_channels import channels_from

    channels = channels_from(settings)
    return ReminderLoop(engine, clock, channels, settings.reminders_interval_s)
