"""Form answers kept in the database, so that a double click runs the action once even when
two server processes receive the two posts.

A form's token is its idempotency key (:mod:`api.web.security`). The in-process
:class:`~api.web.security.FormReplay` answers a repeat that reaches the same process; this
module is the layer under it, for the forms whose action changes something: the first post
claims the key in the API's idempotency table (:func:`api.http.idempotency.claim`), runs the
action and stores the rendered answer. A post that finds the key in flight (another process
is running the action) only reads the row until the answer is stored: it never takes the
claim over, however long the first one runs. It claims afresh only when the row is gone (the
first post failed and released it). The first post keeps its claim alive while the action
runs (:func:`~api.http.idempotency.kept_alive`). The answer is stored after the action's own
transaction, so a crash between the two leaves only the claim; once that claim has had no
heartbeat for the in-flight lease, a new post runs the action again.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from api.http.context import AppContext
from api.http.errors import ApiError
from api.http.idempotency import (
    IN_FLIGHT,
    Stored,
    claim,
    kept_alive,
    peek,
    release,
    store_after,
)

KEY_PREFIX = "web:"
"""Web form keys are ``web:`` and a SHA-256; an API client's own keys are its business."""
POLL_S = 0.05
"""How often a waiting post looks for the first post's answer."""
WAIT_S = 120.0
"""How long it waits before it gives up (the caller then answers "still running")."""


def form_answer(
    ctx: AppContext,
    principal: str,
    slot: str,
    make: Callable[[], tuple[str, int]],
    wait_s: float = WAIT_S,
    *,
    kept: Callable[[str], str] | None = None,
) -> tuple[str, int] | None:
    """``make()`` for the first post of ``slot`` (user, action and form token); the stored
    answer for every later one; None when the first is still running after ``wait_s``.
    ``kept(html)`` is what is stored, when the answer holds a secret the database must not
    (the first post still gets the whole answer)."""
    key = KEY_PREFIX + hashlib.sha256(slot.encode()).hexdigest()
    digest = hashlib.sha256(key.encode()).hexdigest()  # one request per key, by construction
    deadline = time.monotonic() + wait_s
    while True:
        try:
            seen = claim(ctx, principal, key, digest)
        except ApiError as exc:
            if exc.code != "idempotency_in_flight":
                raise
            seen = _wait_for_answer(ctx, principal, key, deadline)
            if seen is None:
                if time.monotonic() >= deadline:
                    return None
                continue  # the first post failed and let go: claim the key for this one
        break
    if seen is not None:
        return str(seen.body["html"]), int(seen.body["status"])
    try:
        with kept_alive(ctx, principal, key):
            html, status = make()
    except BaseException:
        release(ctx, principal, key)
        raise
    shown = html if kept is None else kept(html)
    store_after(ctx, principal, key, digest, Stored(status, {"html": shown, "status": status}))
    return html, status


def _wait_for_answer(ctx: AppContext, principal: str, key: str, deadline: float) -> Stored | None:
    """The stored answer once the post in flight stores it; None when the row is gone or
    the deadline passes first (reads only, so the first post's claim stays its own)."""
    while time.monotonic() < deadline:
        time.sleep(POLL_S)
        seen = peek(ctx, principal, key)
        if seen is None:
            return None
        if seen.status != IN_FLIGHT:
            return seen
    return None
