"""Seeded stress instances: a national ledger of coops and inter-coop debts.

``national``: 12,000 coops and 100,000 debts. Creditors are drawn with a heavy tail (a few
large lenders, as savings coops and federations are), debtors uniformly; liquid funds and
reserves are drawn per coop; the largest lender defaults.
"""

from __future__ import annotations

import numpy as np

from benchmarks.registry import family
from matcher.stress.model import Claim, Position, Shock, StressProblem


def national_ledger(seed: int, coops: int = 12_000, debts: int = 100_000) -> StressProblem:
    """``coops`` coops, ``debts`` debts (self-debts dropped and redrawn), one default."""
    rng = np.random.default_rng(seed)
    creditor = np.minimum(coops - 1, (rng.pareto(1.2, debts) * coops / 240).astype(np.int64))
    debtor = rng.integers(0, coops, debts)
    same = creditor == debtor
    debtor[same] = (debtor[same] + 1) % coops
    amount = rng.integers(1_000_00, 300_000_00, debts)
    ids = [f"c{i:05d}" for i in range(coops)]
    positions = tuple(
        Position(ids[i], int(liq), int(res))
        for i, (liq, res) in enumerate(
            zip(
                rng.integers(0, 5_000_000_00, coops),
                rng.integers(0, 2_000_000_00, coops),
                strict=True,
            )
        )
    )
    claims = tuple(
        Claim(f"d{k:06d}", ids[d], ids[c], int(a))
        for k, (d, c, a) in enumerate(
            zip(debtor.tolist(), creditor.tolist(), amount.tolist(), strict=True)
        )
    )
    owed = np.bincount(creditor, weights=amount, minlength=coops)
    biggest = ids[int(np.argmax(owed))]
    return StressProblem(positions, claims, (Shock(biggest),))


@family("stress", "national", seed=20, target_ms=2_000)
def national(seed: int) -> StressProblem:
    """The issue's national ledger: 12,000 coops, 100,000 debts, one default."""
    return national_ledger(seed)
