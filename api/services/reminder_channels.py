"""The two ways a reminder travels: e-mail through an SMTP server, and a push message
through the LINE Messaging API (``line-bot-sdk``; LINE Notify closed in 2025 and is not
used). :func:`channels_from` builds those the settings configure, so nothing is sent on a
channel that is not set up.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    PushMessageRequest,
    TextMessage,
)

from api.services.reminders import Channel
from api.settings import Settings

LINE_TEXT_MAX = 5000
"""The longest text one LINE message may carry."""


@dataclass
class SmtpChannel:
    """E-mail through ``host:port`` (plain SMTP, as a local relay or a test server takes)."""

    host: str
    port: int
    sender: str
    name: str = "email"
    timeout_s: float = 10.0

    def send(self, to: str, subject: str, text: str) -> None:
        """Send one UTF-8 e-mail."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(text)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            smtp.send_message(message)


@dataclass
class LineChannel:
    """A push message to a LINE user or group through the Messaging API at ``api_url``."""

    token: str
    api_url: str = "https://api.line.me"
    name: str = "line"

    def send(self, to: str, subject: str, text: str) -> None:
        """Push one text message (the subject as its first line)."""
        body = f"{subject}\n{text}"[:LINE_TEXT_MAX]
        config = Configuration(host=self.api_url, access_token=self.token)
        with ApiClient(config) as client:
            request = PushMessageRequest(to=to, messages=[TextMessage(text=body)])
            MessagingApi(client).push_message(request)


def channels_from(settings: Settings) -> dict[str, Channel]:
    """The channels the settings configure (none when nothing is set)."""
    out: dict[str, Channel] = {}
    if settings.smtp_host:
        out["email"] = SmtpChannel(settings.smtp_host, settings.smtp_port, settings.smtp_from)
    if settings.line_channel_token is not None:
        token = settings.line_channel_token.get_secret_value()
        out["line"] = LineChannel(token, settings.line_api_url.rstrip("/"))
    return out
