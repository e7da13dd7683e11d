"""Public ids of the orders members post: a kind prefix + the posting time + a random tail.

The prefix (``ord_`` for loans, lots and debts; ``inp_`` / ``sup_`` for joint-purchase
needs and offers; ``kht_`` / ``khl_`` for know-how postings; ``sun_`` for start-up capital
needs) is followed by 13 hex digits of the moment the order was posted, in microseconds
since 1970 (counted up by one when two posts of this process fall in the same microsecond,
so the ids of one process grow strictly), then 11 random hex digits.

Why the time comes first: every solver breaks ties between equally good matches by order
id. With random ids, the same orders posted twice could match differently (which lender,
which day's lot); with ids that sort in posting order a tie goes to the order posted first
(first come, first served), and the same orders posted in the same order give the same
matches, whatever the ids' digits. Orders posted at the same moment by different server
processes have no order between them; the random tail decides.
"""

from __future__ import annotations

import secrets
import threading
import time

_lock = threading.Lock()
_last_us = 0


def new_order_id(prefix: str = "ord") -> str:
    """A fresh order id that sorts after every id this process made before it."""
    global _last_us
    with _lock:
        now = max(time.time_ns() // 1_000, _last_us + 1)
        _last_us = now
    return f"{prefix}_{now:013x}{secrets.token_hex(6)[:11]}"
