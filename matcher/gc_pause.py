"""A pause of Python's cyclic garbage collector around one solve.

A national round creates some 150,000 small result objects (proposals, explanations). Every
few hundred new objects the collector runs, and now and then it walks every live object;
on the national benchmark that was about 6 % of the solve. None of these objects is part of
a reference cycle, so reference counting frees them as usual without the collector.

The switch is process-wide, and the API solves rounds in worker threads, so pauses nest: a
count of open pauses is kept under a lock; the first one turns the collector off and the last
one to close restores the state found by the first (an overlapping pause can never leave the
collector off for good).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_open = 0
_was_enabled = False


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; when the last open pause closes, the
    state found by the first is restored, also on an exception (a collector that was already
    off stays off).

    >>> was = gc.isenabled()
    >>> with cycle_collection_paused():
    ...     with cycle_collection_paused():
    ...         inner = gc.isenabled()
    ...     gc.isenabled()
    False
    >>> inner, gc.isenabled() == was
    (False, True)
    """
    global _open, _was_enabled
    with _lock:
        if _open == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0 and _was_enabled:
                gc.enable()
