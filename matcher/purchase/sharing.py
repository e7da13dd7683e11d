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


def _total(lam: Fraction, members: list[Member], base: list[int]) -> Fraction:
    return sum(
        (_clamp(b + lam * q, lo, hi) for b, (q, lo, hi, _) in zip(base, members, strict=True)),
        Fraction(0),
    )


def _level(saving: int, members: list[Member], base: list[int]) -> Fraction:
    """The λ with Σ clamp(base_b + λ·q_b, A_b, v_b) = saving (piecewise linear, monotone)."""
    points = sorted(
        {
            Fraction(bound - b, q)
            for b, (q, lo, hi, _) in zip(base, members, strict=True)
            for bound in (lo, hi)
        }
    )
    prev = points[0]
    if _total(prev, members, base) >= saving:
        return prev
    for point in points[1:]:
        at = _total(point, members, base)
        if at >= saving:
            low = _total(prev, members, base)
            return prev + (point - prev) * (saving - low) / (at - low)
        prev = point
    return prev
