"""A pause of Python's cyclic garbage collector around one solve.

A national round creates some 150,000 small result objects (proposals, explanations). Every
few hundred new objects the collector runs, and now and then it walks every live object;
on the national benchmark that was about 6 % of the solve. None of these objects is part of
a reference cycle, so reference counting frees them as usual without the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block; its previous state is restored
    afterwards, also on an exception (a collector that was already off stays off).

    >>> was = gc.isenabled()
    >>> with cycle_collection_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled() == was
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
