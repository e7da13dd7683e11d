"""The round report: what a round decided about every order, stored with the round.

The preview and the run build it with the same function from the same solved result, so
the stored round says what the preview said. It holds, as canonical JSON:

* ``rules``: the fairness rule, the loan-rate rule (with the posted rates), the sale-price
  rule and the policy version the round took;
* ``orders``: one row per order of every kind the round saw — liquidity offers and needs,
  stock lots and purchase orders, debts offered to set-off — with its fill state, its
  amount (satang; produce in base units) and what was matched, the stable reason codes
  (:mod:`matcher.liquidity.reasons`, :mod:`matcher.produce.reasons`,
  :mod:`matcher.setoff.reasons`), the liquidity detail sentence, and its shadow value
  (a lot's satang per unit; a need's urgency-weighted value of one more baht);
* ``shadow_values``: where produce supply is scarce, per tier, product and grade;
* ``tiers``: loans and sales per tier of the network tree (each match's own tier is on
  its proposal); ``need_changes``: needs set-off covered.

Rows are lists under a ``*_columns`` header (a national round has ~100,000 rows; keys
repeated per row would double the size). Reason texts are not stored: :func:`explanation_rows`
adds the Thai and English sentences when a report is shown.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from api.db.audit import canonical_json
from api.db.tables_report import RoundReportRow
from api.services.snapshot import RoundParams
from matcher.liquidity import reasons as liquidity_reasons
from matcher.produce import reasons as produce_reasons
from matcher.round.model import RoundProblem, RoundResult
from matcher.setoff import reasons as setoff_reasons

VERSION = 1
ORDER_COLUMNS = [
    "order_id",
    "kind",
    "coop_id",
    "state",
    "amount",
    "matched",
    "unit",
    "reasons",
    "detail",
    "shadow",
]
SHADOW_COLUMNS = ["tier", "network_id", "product", "grade", "satang_per_unit", "lot_id"]
TIER_COLUMNS = ["tier", "count", "amount_satang"]
NEED_CHANGE_COLUMNS = ["need_id", "coop_id", "amount", "relief", "new_amount"]
KINDS = ("liquidity_offer", "liquidity_need", "stock_lot", "purchase_order", "obligation")
TEXT: dict[str, tuple[str, str]] = {
    **produce_reasons.TEXT,
    **setoff_reasons.TEXT,
    **liquidity_reasons.TEXT,
}
"""Every reason code's (Thai, English) sentence; liquidity's ``filled`` wins the shared code
(the same words)."""


def build_report(
    problem: RoundProblem | None, result: RoundResult, params: RoundParams
) -> dict[str, Any]:
    """The report of a solved combined round (the same for a preview and a run)."""
    liq, produce = result.liquidity, result.produce
    units = _units(problem)
    rows: list[list[Any]] = []
    for e in liq.explanations:
        kind = "liquidity_offer" if e.side == "offer" else "liquidity_need"
        rows.append(
            [
                e.order_id,
                kind,
                e.coop_id,
                e.state.value,
                e.amount_satang,
                e.matched_satang,
                "satang",
                list(e.reasons),
                e.detail,
                e.marginal_value_urgency_per_baht,
            ]
        )
    if produce is not None:
        for x in produce.explanations:
            kind = "stock_lot" if x.side == "lot" else "purchase_order"
            rows.append(
                [
                    x.order_id,
                    kind,
                    x.coop_id,
                    x.state.value,
                    x.quantity,
                    x.matched,
                    units.get(x.order_id, ""),
                    list(x.reasons),
                    "",
                    x.shadow_satang_per_unit,
                ]
            )
    for n in result.setoff.notices:
        state, codes = setoff_reasons.explain(n.amount_satang, n.set_off_satang, n.remaining_satang)
        rows.append(
            [n.obligation_id, "obligation", n.debtor, state, n.amount_satang, n.set_off_satang,
             "satang", list(codes), "", None]
        )  # fmt: skip
    rank = {k: i for i, k in enumerate(KINDS)}
    rows.sort(key=lambda r: (rank[r[1]], r[0]))
    s = result.summary
    return {
        "version": VERSION,
        "rules": {
            "fairness": liq.policy.value,
            "rate_rule": liq.rate_rule.value,
            "posted_rates": [list(p) for p in params.posted_rates],
            "price_rule": produce.price_rule.value if produce is not None else params.price_rule,
            "policy_network_id": params.policy_network_id,
            "policy_version": params.policy_version,
        },
        "order_columns": ORDER_COLUMNS,
        "orders": rows,
        "shadow_columns": SHADOW_COLUMNS,
        "shadow_values": [
            [v.tier, v.network_id, v.product, v.grade, v.satang_per_unit, v.lot_id]
            for v in (produce.shadow_values if produce is not None else ())
        ],
        "tier_columns": TIER_COLUMNS,
        "tiers": {
            "loans": [[t.tier, t.count, t.amount_satang] for t in s.loans_by_tier],
            "sales": [[t.tier, t.count, t.amount_satang] for t in s.sales_by_tier],
        },
        "need_change_columns": NEED_CHANGE_COLUMNS,
        "need_changes": [
            [c.need_id, c.borrower, c.amount_satang, c.relief_satang, c.new_amount_satang]
            for c in result.need_changes
            if c.relief_satang > 0
        ],
    }


def _units(problem: RoundProblem | None) -> dict[str, str]:
    """Lot and purchase order id → its product's base unit."""
    produce = problem.produce if problem is not None else None
    if produce is None:
        return {}
    base = {p.id: p.base_unit for p in produce.products}
    units = {x.id: base.get(x.product, "") for x in produce.lots}
    units.update({x.id: base.get(x.product, "") for x in produce.orders})
    return units


def report_text(report: dict[str, Any]) -> str:
    """The report as the canonical JSON that is stored."""
    return canonical_json(report)


def store_report(session: Session, round_id: int, text: str) -> int:
    """Write the round's report (:func:`report_text`) in the caller's transaction; its size
    in bytes."""
    size = len(text.encode())
    session.add(RoundReportRow(round_id=round_id, report_json=text, size_bytes=size))
    return size


def load_report(session: Session, round_id: int) -> dict[str, Any] | None:
    """The stored report of a round (None: a round stored before reports were)."""
    row = session.get(RoundReportRow, round_id)
    return None if row is None else dict(json.loads(row.report_json))


def reason_text(codes: list[str] | tuple[str, ...], lang: str) -> str:
    """The reasons' sentences in ``lang`` ("th" or "en"), joined with "; "."""
    return _reason_text(tuple(codes), lang)


@lru_cache(maxsize=4096)
def _reason_text(codes: tuple[str, ...], lang: str) -> str:
    """(A round has few distinct reason lists and many orders: each is worded once.)"""
    i = 0 if lang == "th" else 1
    return "; ".join(TEXT[c][i] if c in TEXT else c for c in codes)


def explanation_rows(report: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The report's order rows as dicts, with the reasons in Thai and English."""
    if not report:
        return []
    cols = report["order_columns"]
    out = []
    for row in report["orders"]:
        item = dict(zip(cols, row, strict=True))
        item["text_th"] = reason_text(item["reasons"], "th")
        item["text_en"] = reason_text(item["reasons"], "en")
        out.append(item)
    return out


def open_demand(report: dict[str, Any] | None) -> dict[str, int]:
    """Needs and purchase orders the round left open: order id → what was not matched."""
    if not report:
        return {}
    cols = report["order_columns"]
    oid, kind, state = cols.index("order_id"), cols.index("kind"), cols.index("state")
    amount, matched = cols.index("amount"), cols.index("matched")
    return {
        r[oid]: int(r[amount]) - int(r[matched])
        for r in report["orders"]
        if r[kind] in ("liquidity_need", "purchase_order") and r[state] != "filled"
    }
