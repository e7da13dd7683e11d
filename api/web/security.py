"""Browser sessions, CSRF tokens and form replay for the web pages.

* The session cookie holds the API key's id and an expiry, signed with HMAC-SHA256; it is
  HttpOnly and SameSite=Strict. The key is re-checked (not revoked, still a coordinator) on
  every request, so revoking a key ends its browser sessions.
* Every rendered form carries a fresh token ``nonce.signature`` bound to the session. It is
  the CSRF token and, at the same time, the form's idempotency key: a second post of the same
  form (a double click) gets the stored answer of the first and changes nothing more:
  :class:`FormReplay` in this process, :mod:`api.web.form_store` across processes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_COOKIE = "cm_session"
SESSION_SECONDS = 8 * 3600
LOGIN_SCOPE = "login"
REPLAY_LIMIT = 256


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Signer:
    """Signs and checks session cookies and form tokens with one secret."""

    secret: bytes

    def _mac(self, message: str) -> str:
        return _b64(hmac.new(self.secret, message.encode(), hashlib.sha256).digest()[:24])

    def session_cookie(self, key_id: str, now: float) -> str:
        """A signed cookie value naming ``key_id``, valid for :data:`SESSION_SECONDS`."""
        body = _b64(json.dumps({"k": key_id, "e": int(now) + SESSION_SECONDS}).encode())
        return f"{body}.{self._mac('s:' + body)}"

    def session_key_id(self, cookie: str | None, now: float) -> str | None:
        """The key id in a valid, unexpired cookie; None otherwise."""
        if not cookie or "." not in cookie:
            return None
        body, _, mac = cookie.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("s:" + body)):
            return None
        try:
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        if not isinstance(data, dict) or int(data.get("e", 0)) < now:
            return None
        key = data.get("k")
        return key if isinstance(key, str) else None

    def form_token(self, scope: str) -> str:
        """A fresh per-render token bound to ``scope`` (the session's key id, or login)."""
        nonce = secrets.token_urlsafe(12)
        return f"{nonce}.{self._mac(f'f:{scope}:{nonce}')}"

    def check_form_token(self, scope: str, token: str | None) -> bool:
        """Whether ``token`` was issued by :meth:`form_token` for ``scope``."""
        if not token or token.count(".") != 1:
            return False
        nonce, mac = token.split(".")
        return hmac.compare_digest(mac, self._mac(f"f:{scope}:{nonce}"))


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


def now_s() -> float:
    """Wall-clock seconds for cookie expiry."""
    return time.time()
