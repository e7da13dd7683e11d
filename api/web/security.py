"""Form tokens, the login form's pre-session, the origin check and form replay.

* Sessions live on the server (:mod:`api.web.sessions`); the cookie holds a random value.
* Every rendered form carries a fresh token ``nonce.signature`` (HMAC-SHA256 with the web
  secret) bound to the session's id, so a form of a session that ended is refused in the
  next one. It is the CSRF token and, at the same time, the form's idempotency key: a second
  post of the same form (a double click) gets the stored answer of the first and changes
  nothing more: :class:`FormReplay` in this process, :mod:`api.web.form_store` across
  processes.
* The login form has no session yet: its token is bound to a random pre-session cookie
  (:data:`LOGIN_COOKIE`, HttpOnly, SameSite=Strict) that only this site's own login page
  sets, so a page of another site cannot post a login (login CSRF).
* Every post must also come from this site's own origin when the browser says where it
  comes from (``Origin``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

SESSION_COOKIE = "cm_session"
LOGIN_COOKIE = "cm_login"
"""The pre-session cookie of the login form (its random value scopes the form's token)."""
LOGIN_SCOPE = "login"
REPLAY_LIMIT = 256
MIN_SECRET_BYTES = 32
"""A web secret must be at least this long: it signs every form token."""


class WeakSecretError(ValueError):
    """The configured web secret is too short to sign anything."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Signer:
    """Signs and checks form tokens with one secret (at least :data:`MIN_SECRET_BYTES`)."""

    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise WeakSecretError(
                f"COOPMATCH_WEB_SECRET must be at least {MIN_SECRET_BYTES} bytes "
                f"(คีย์ลับของเว็บต้องยาวอย่างน้อย {MIN_SECRET_BYTES} ไบต์); "
                "make one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self.secret, message.encode(), hashlib.sha256).digest()[:24])

    def form_token(self, scope: str) -> str:
        """A fresh per-render token bound to ``scope`` (a session's id, or a login's)."""
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(f'f:{scope}:{nonce}')}"

    def check_form_token(self, scope: str, token: str | None) -> bool:
        """Whether ``token`` was issued by :meth:`form_token` for ``scope``."""
        if not token or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        return hmac.compare_digest(mac, self._mac(f"f:{scope}:{nonce}"))


def login_scope(nonce: str | None) -> str | None:
    """The form-token scope of a login form whose pre-session cookie is ``nonce``."""
    if not nonce or len(nonce) > 64:
        return None
    return f"{LOGIN_SCOPE}:{nonce}"


def new_login_nonce() -> str:
    """A random pre-session value for the login form's cookie."""
    return secrets.token_urlsafe(24)


@dataclass
class _Slot:
    done: threading.Event = field(default_factory=threading.Event)
    answer: object = None


class FormReplay:
    """Remembers the answer to each form token: a repeated post gets the first answer.

    A second post that arrives while the first is still running waits for it (bounded), so
    two quick clicks run the action once. Only the last :data:`REPLAY_LIMIT` tokens are kept,
    and an answer of None (none yet: it is still being made elsewhere) is not kept at all.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: OrderedDict[str, _Slot] = OrderedDict()

    def once(self, token: str, action: Callable[[], object], wait_s: float = 120.0) -> object:
        """Run ``action`` for the first post of ``token``; later posts get its answer."""
        with self._lock:
            slot = self._slots.get(token)
            first = slot is None
            if slot is None:
                slot = self._slots[token] = _Slot()
                while len(self._slots) > REPLAY_LIMIT:
                    self._slots.popitem(last=False)
        if not first:
            slot.done.wait(wait_s)
            return slot.answer
        try:
            slot.answer = action()
        except BaseException:
            self._forget(token)
            raise
        finally:
            slot.done.set()
        if slot.answer is None:  # no answer yet (it is still coming elsewhere): ask again
            self._forget(token)
        return slot.answer

    def _forget(self, token: str) -> None:
        with self._lock:
            self._slots.pop(token, None)


def new_secret() -> bytes:
    """A random per-app secret (sessions end when the app restarts)."""
    return secrets.token_bytes(32)


def wall_now() -> datetime:
    """The wall clock (UTC) for session expiry: a session lasts real hours, whatever the
    app's business clock says."""
    return datetime.now(UTC)
