"""Shadow values of supply: what one more unit would add to the gains from trade.

Per tier, the transport LP over the direct lot → order lanes (max Σ gain·x; lot rows
Σ x ≤ open quantity with dual u_s, order rows Σ x ≤ open quantity with dual v_d) is solved
with GLOP (:func:`matcher.produce.prices.transport_duals`). The dual u_s is the value of one
more unit of lot s: by LP sensitivity, f(a_s + 1) − f(a_s) ≤ u_s ≤ f(a_s) − f(a_s − 1).
A group (tier, network, product, grade) reports its largest u_s where it is positive (supply
is scarce there); each lot's explanation keeps the u_s of the last tier where it had a lane.
"""

from __future__ import annotations

import numpy as np

from matcher.domain import NetworkLevel
from matcher.produce.distance import I64
from matcher.produce.lanes import TierLanes
from matcher.produce.model import ShadowValue
from matcher.produce.state import ProduceState

NOT_COMPUTED = -1


class ShadowBook:
    """Lot duals collected tier by tier."""

    def __init__(self, n_lots: int) -> None:
        self.per_lot: I64 = np.full(n_lots, NOT_COMPUTED, dtype=np.int64)
        self.tiers: list[tuple[NetworkLevel, I64, I64, I64]] = []

    def add(self, st: ProduceState, level: NetworkLevel, lanes: TierLanes, u: I64) -> None:
        """Record the duals ``u`` (one per lot) of the lots with a direct lane in the tier."""
        direct = (lanes.s < st.n_lots) & (lanes.d < st.n_orders)
        key = np.unique(lanes.comp[direct] * st.n_lots + lanes.s[direct])
        comp, lot = key // max(st.n_lots, 1), key % max(st.n_lots, 1)
        self.per_lot[lot] = u[lot]
        self.tiers.append((level, comp, lot, u[lot]))

    def lot_value(self, lot: int) -> int | None:
        """The lot's shadow value in satang per unit, or None where none was computed."""
        value = int(self.per_lot[lot])
        return None if value == NOT_COMPUTED else value

    def values(self, st: ProduceState) -> tuple[ShadowValue, ...]:
        """The largest positive u_s per (tier, network, product, grade), tiers in order."""
        out: list[ShadowValue] = []
        n_grades = max((len(g) for g in st.grades), default=1)
        for level, comp, lot, u in self.tiers:
            group = (comp * len(st.products) + st.s_prod[lot]) * n_grades + st.s_grade[lot]
            # Best first inside each group: largest value, then smallest lot index (id).
            order = np.lexsort((lot, -u, group))
            first = np.ones(order.size, dtype=bool)
            first[1:] = group[order][1:] != group[order][:-1]
            rows = [
                ShadowValue(
                    tier=level.name.lower(),
                    network_id=st.net_ids[int(comp[i])],
                    product=st.products[int(st.s_prod[lot[i]])],
                    grade=st.grades[int(st.s_prod[lot[i]])][int(st.s_grade[lot[i]])],
                    satang_per_unit=int(u[i]),
                    lot_id=st.lots[int(lot[i])].id,
                )
                for i in order[first]
                if u[i] > 0
            ]
            out.extend(sorted(rows, key=lambda r: (r.network_id, r.product, r.grade)))
        return tuple(out)
