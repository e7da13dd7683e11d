"""Sharing a buying group's saving among its members, exactly, in whole satang.

A group (the needs one offer serves) saves S = Σ v_b − cost(V), where v_b = q_b·L_b −
delivery_b. Each member b gets a share s_b with Σ s_b = S and

    A_b ≤ s_b ≤ v_b

(A_b: its buy-alone saving, so it is never worse off than alone; v_b: it never pays less
than nothing for the goods). The model's ``group_rational`` row guarantees Σ A_b ≤ S, and
cost ≥ 0 gives S ≤ Σ v_b, so such shares exist. Inside these bounds:

* ``pro_rata``:       s_b = clamp(A_b + λ·q_b, A_b, v_b) — the pooling gain S − Σ A_b in
                      proportion to volume;
* ``equal_per_unit``: s_b = clamp(λ·q_b, A_b, v_b) — the same saving per unit where the
                      bounds allow (water-filling);

with the one λ that makes the shares add up to S (found exactly with fractions). Shares
are then rounded down and the few satang left go one each to the largest remainders
(ties: smallest need id), which keeps every bound.

>>> shares(SharingRule.PRO_RATA, 100, [(10, 0, 500, "a"), (30, 20, 500, "b")])
[20, 80]
>>> shares(SharingRule.EQUAL_PER_UNIT, 100, [(10, 0, 500, "a"), (30, 20, 500, "b")])
[25, 75]
"""

from __future__ import annotations

from fractions import Fraction

from matcher.purchase.model import SharingRule

Member = tuple[int, int, int, str]
"""(quantity, lower bound A_b, upper bound v_b, need id)."""


def shares(rule: SharingRule, saving: int, members: list[Member]) -> list[int]:
    """Integer shares of ``saving`` per member, in the members' order."""
    base = [lo if rule is SharingRule.PRO_RATA else 0 for _, lo, _, _ in members]
    lam = _level(saving, members, base)
    exact = [_clamp(b + lam * q, lo, hi) for b, (q, lo, hi, _) in zip(base, members, strict=True)]
    out = [int(e.numerator // e.denominator) for e in exact]
    left = saving - sum(out)
    order = sorted(range(len(members)), key=lambda i: (-(exact[i] - out[i]), members[i][3]))
    for i in order[:left]:
        out[i] += 1
    return out


def _clamp(value: Fraction, lo: int, hi: int) -> Fraction:
    return min(max(value, Fraction(lo)), Fraction(hi))


def _level(saving: int, members: list[Member], base: list[int]) -> Fraction:
    """The λ with Σ clamp(base_b + λ·q_b, A_b, v_b) = saving.

    The sum is piecewise linear and non-decreasing in λ: member b sits at A_b up to
    λ = (A_b − base_b)/q_b, rises with slope q_b, and stays at v_b from (v_b − base_b)/q_b.
    A sweep over these breakpoints in order finds the segment where the sum reaches the
    saving (exact, with fractions; O(n log n)).
    """
    events: list[tuple[Fraction, int]] = []
    for b, (q, lo, hi, _) in zip(base, members, strict=True):
        events.append((Fraction(lo - b, q), q))
        events.append((Fraction(hi - b, q), -q))
    events.sort()
    at, value, slope = events[0][0], Fraction(sum(m[1] for m in members)), 0
    for point, change in events:
        if point > at:
            reach = value + slope * (point - at)
            if reach >= saving:
                return at if slope == 0 else at + (saving - value) / slope
            at, value = point, reach
        slope += change
    return at
