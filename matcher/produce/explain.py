"""One explanation per lot and per order, with stable reason codes from :mod:`reasons`.

A lot or order not matched in full names why, from the furthest stage any of its
candidate lanes reached in any tier (see :mod:`matcher.produce.lanes`): no counterpart of
the product, grade, reach, delivery date, price gap — and, when lanes existed, scarcity on
the other side, a truck not full enough (the flow without integer trucks did ship it),
processing capacity, or the minimum lot.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from matcher.produce import reasons as r
from matcher.produce.distance import I64
from matcher.produce.model import (
    Explanation,
    ProduceMatch,
    ProduceProblem,
    PurchaseOrder,
    StockLot,
)
from matcher.produce.shadow import ShadowBook
from matcher.produce.state import ProduceState
from matcher.results import FillState

_LOT_STAGE = (r.NO_BUYER, r.GRADE_NOT_ACCEPTED, r.NO_BUYER_IN_REACH, r.TOO_LATE, r.PRICE_GAP)
_ORDER_STAGE = (r.NO_SELLER, r.GRADE_NOT_OFFERED, r.NO_SELLER_IN_REACH, r.TOO_LATE, r.PRICE_GAP)


def _state(quantity: int, matched: int) -> FillState:
    if matched >= quantity:
        return FillState.FILLED
    return FillState.PARTLY_FILLED if matched > 0 else FillState.UNMATCHED


def explain(
    p: ProduceProblem,
    st: ProduceState,
    matches: Sequence[ProduceMatch],
    relaxed_lot: I64,
    relaxed_order: I64,
    below_min: set[int],
    shadow: ShadowBook | None = None,
) -> tuple[Explanation, ...]:
    """Explanations of every lot (sorted by id) then every order (sorted by id)."""
    in_net = {
        cid
        for i, cid in enumerate(st.coop_ids)
        if any(col[i] >= 0 for col in st.coop_net_at.values())
    }
    return explain_lists(
        p,
        Reached(st.lots, st.orders, st.stage_lot.tolist(), st.stage_order.tolist()),
        matches,
        in_net,
        full_procs=_full_inputs(p, st),
        relaxed=(relaxed_lot.tolist(), relaxed_order.tolist()),
        below_min=below_min,
        shadow=shadow,
    )


def _full_inputs(p: ProduceProblem, st: ProduceState) -> frozenset[tuple[str, str]]:
    """The (product, grade) inputs of the processors with no capacity left."""
    procs = sorted(p.processors, key=lambda x: x.id)  # the state's order
    rem = st.proc_rem.tolist()
    full = (x for x, left in zip(procs, rem, strict=True) if left == 0)
    return frozenset((x.in_product, x.in_grade) for x in full)


@dataclass(frozen=True)
class Reached:
    """The lots and orders sorted by id and the furthest stage each reached."""

    lots: Sequence[StockLot]
    orders: Sequence[PurchaseOrder]
    stage_lot: Sequence[int]
    stage_order: Sequence[int]


def explain_lists(
    p: ProduceProblem,
    reached: Reached,
    matches: Sequence[ProduceMatch],
    in_net: AbstractSet[str],
    *,
    full_procs: AbstractSet[tuple[str, str]],
    relaxed: tuple[Sequence[int], Sequence[int]] | None,
    below_min: set[int],
    shadow: ShadowBook | None = None,
) -> tuple[Explanation, ...]:
    """:func:`explain` from plain sequences; ``in_net``: the coops in some network;
    ``relaxed``: units per lot and order of the flows without integer trucks (read with
    trucks only)."""
    sold: dict[str, int] = {}
    got: dict[str, int] = {}
    for m in matches:
        sold[m.source_id] = sold.get(m.source_id, 0) + m.quantity
        got[m.target_id] = got.get(m.target_id, 0) + m.quantity
    trucks = p.trucks and relaxed is not None
    out: list[Explanation] = []
    for i, lot in enumerate(reached.lots):
        q = sold.get(lot.id, 0)
        stage = reached.stage_lot[i]
        if q >= lot.quantity:
            why: tuple[str, ...] = (r.SOLD,)
        elif lot.expiry_date < p.round_date:
            why = (r.EXPIRED,)
        elif lot.seller not in in_net:
            why = (r.NO_NETWORK,)
        elif stage < 5:
            why = (_LOT_STAGE[stage],)
        elif trucks and relaxed is not None and relaxed[0][i] > q:
            why = (r.TRUCK_NOT_FULL,)
        else:
            # capacity only where a processor that takes this product and grade is full
            full = (lot.product, lot.grade) in full_procs
            why = (r.CAPACITY,) if full else (r.BUYERS_SCARCE,)
        value = None if shadow is None else shadow.lot_value(i)
        out.append(
            Explanation(
                lot.id, "lot", lot.seller, _state(lot.quantity, q), lot.quantity, q, why, value
            )
        )
    for j, order in enumerate(reached.orders):
        q = got.get(order.id, 0)
        stage = reached.stage_order[j]
        if q >= order.quantity:
            why = (r.FILLED,)
        elif order.buyer not in in_net:
            why = (r.NO_NETWORK,)
        elif q == 0 and j in below_min:
            why = (r.BELOW_MIN_LOT,)
        elif stage < 5:
            why = (_ORDER_STAGE[stage],)
        elif trucks and relaxed is not None and relaxed[1][j] > q:
            why = (r.TRUCK_NOT_FULL,)
        else:
            why = (r.SUPPLY_SCARCE,)
        out.append(
            Explanation(
                order.id, "order", order.buyer, _state(order.quantity, q), order.quantity, q, why
            )
        )
    return tuple(out)
