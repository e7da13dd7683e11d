"""What each capped offer has already lent to each borrower coop (its exposure).

An offer with a cap per borrower may lend at most ``cap`` to any one borrower over the whole
round, so the cascade keeps, per (offer o, borrower b), the amount lent so far. The book is
one sorted array of keys ``o · coops + b`` with the amounts beside it, so a level can look up
all its pairs at once; single loans (the first-come-first-served baseline lends one at a
time) go to a small dictionary that is merged into the arrays before the next bulk read.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


class ExposureBook:
    """Amounts lent under exposure caps, keyed by (offer index, borrower coop index).

    >>> book = ExposureBook(n_coops=3)
    >>> book.add(0, 2, 50)
    >>> book.add_many(np.array([0, 1]), np.array([2, 2]), np.array([10, 7]))
    >>> book.get(0, 2), book.get(1, 2), book.get(1, 0)
    (60, 7, 0)
    >>> book.of_many(np.array([1, 0, 2]), np.array([2, 2, 2])).tolist()
    [7, 60, 0]
    """

    def __init__(self, n_coops: int) -> None:
        self.n_coops = n_coops
        self.keys: I64 = np.zeros(0, dtype=np.int64)
        """Sorted, distinct keys offer · n_coops + borrower."""
        self.vals: I64 = np.zeros(0, dtype=np.int64)
        self._recent: dict[int, int] = {}

    def copy(self) -> ExposureBook:
        """An independent copy."""
        out = ExposureBook(self.n_coops)
        out.keys, out.vals = self.keys.copy(), self.vals.copy()
        out._recent = dict(self._recent)
        return out

    def get(self, o: int, b: int) -> int:
        """What offer ``o`` has lent to borrower ``b`` so far."""
        key = o * self.n_coops + b
        used = self._recent.get(key, 0)
        if self.keys.size:
            pos = int(np.searchsorted(self.keys, key))
            if pos < self.keys.size and int(self.keys[pos]) == key:
                used += int(self.vals[pos])
        return used

    def add(self, o: int, b: int, x: int) -> None:
        """Record a loan of ``x`` from offer ``o`` to borrower ``b``."""
        key = o * self.n_coops + b
        self._recent[key] = self._recent.get(key, 0) + x

    def add_many(self, offers: I64, borrowers: I64, x: I64) -> None:
        """Record many loans (a key may repeat; its amounts add up)."""
        self._merge(offers * self.n_coops + borrowers, x)

    def of_many(self, offers: I64, borrowers: I64) -> I64:
        """What each offer has lent to each borrower so far (element by element)."""
        self._flush()
        used = np.zeros(offers.size, dtype=np.int64)
        if self.keys.size == 0 or offers.size == 0:
            return used
        query = offers * self.n_coops + borrowers
        pos = np.minimum(np.searchsorted(self.keys, query), self.keys.size - 1)
        hit = self.keys[pos] == query
        used[hit] = self.vals[pos[hit]]
        return used

    def table(self) -> tuple[I64, I64]:
        """The sorted keys and their amounts (read only)."""
        self._flush()
        return self.keys, self.vals

    def _flush(self) -> None:
        if self._recent:
            keys = np.fromiter(self._recent.keys(), dtype=np.int64, count=len(self._recent))
            vals = np.fromiter(self._recent.values(), dtype=np.int64, count=len(self._recent))
            self._recent = {}
            self._merge(keys, vals)

    def _merge(self, keys: I64, vals: I64) -> None:
        if keys.size == 0:
            return
        all_keys = np.concatenate([self.keys, keys])
        all_vals = np.concatenate([self.vals, vals])
        order = np.argsort(all_keys, kind="stable")
        all_keys, all_vals = all_keys[order], all_vals[order]
        first = np.ones(all_keys.size, dtype=np.bool_)
        np.not_equal(all_keys[1:], all_keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        self.keys = all_keys[starts]
        self.vals = np.add.reduceat(all_vals, starts).astype(np.int64)
