"""The combined round's result as rows for the templates: set-offs, the needs they shrank,
loans and sales with the explanation and the rule that bound each, what stayed unmatched
and why, the headline figures, and the picture of who lends to and sells to whom.

Only formatting lives here; the numbers come from :class:`matcher.round.model.RoundResult`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from api.web import i18n, queries
from api.web.map_view import map_data
from api.web.picture import Flow, flow_svg
from matcher.produce.reasons import TEXT as PRODUCE_TEXT
from matcher.round.model import RoundResult

SUMMARY_FIGURES = (
    ("debt_cleared_satang", "debt_cleared"),
    ("needs_posted_satang", "needs_posted"),
    ("needs_shrunk_satang", "needs_shrunk"),
    ("loans_satang", "loans_total"),
    ("sales_satang", "sales_total"),
    ("new_obligations_satang", "new_obligations"),
)
"""Headline money figures of the round summary, with their page texts."""


def reason_text(code: str, lang: str) -> str:
    """A liquidity or produce reason code in words."""
    if code in PRODUCE_TEXT and code not in i18n.TEXT:
        th, en = PRODUCE_TEXT[code]
        return th if lang == "th" else en
    return i18n.text(code, lang)


def _coop_ids(result: RoundResult) -> list[str]:
    ids = {e.coop_id for e in result.liquidity.explanations}
    ids |= {n.debtor for n in result.setoff.notices} | {n.creditor for n in result.setoff.notices}
    if result.produce is not None:
        ids |= {e.coop_id for e in result.produce.explanations}
        for m in result.produce.matches:
            ids |= {m.seller, m.buyer}
    return sorted(ids)


def _loans(result: RoundResult, name: dict[str, str], lang: str) -> list[dict[str, Any]]:
    by_order = {e.order_id: e for e in result.liquidity.explanations}
    rows = []
    for p in result.liquidity.proposals:
        need = by_order.get(p.need_id)
        reasons = [r for r in (need.reasons if need is not None else ()) if r != "filled"]
        rows.append(
            {
                "lender": name.get(p.lender, p.lender),
                "borrower": name.get(p.borrower, p.borrower),
                "amount": p.amount_satang, "rate_bps": p.rate_bps, "term_days": p.term_days,
                "interest": p.interest_satang, "tier": p.tier,
                "state": need.state.value if need is not None else "",
                "reasons": [reason_text(r, lang) for r in reasons],
            }
        )  # fmt: skip
    return rows


def _sales(
    result: RoundResult, name: dict[str, str], lang: str, products: queries.Names
) -> list[dict[str, Any]]:
    if result.produce is None:
        return []
    by_order = {e.order_id: e for e in result.produce.explanations}
    rows = []
    for m in result.produce.matches:
        order = by_order.get(m.target_id)
        reasons = [r for r in (order.reasons if order is not None else ()) if r != "filled"]
        rows.append(
            {
                "seller": name.get(m.seller, m.seller), "buyer": name.get(m.buyer, m.buyer),
                "product": products.get(m.product, (m.product, m.product))[lang != "th"],
                "grade": m.grade, "quantity": m.quantity,
                "price": m.price_satang_per_unit, "value": m.price_satang_per_unit * m.quantity,
                "transport": m.transport_satang, "tier": m.tier, "delivery": m.delivery_date,
                "state": order.state.value if order is not None else "",
                "reasons": [reason_text(r, lang) for r in reasons],
            }
        )  # fmt: skip
    return rows


def _unmatched(result: RoundResult, name: dict[str, str], lang: str) -> list[dict[str, Any]]:
    rows = [
        {
            "coop": name.get(e.coop_id, e.coop_id), "order_id": e.order_id, "state": e.state.value,
            "asked": i18n.baht(e.amount_satang), "matched": i18n.baht(e.matched_satang),
            "reasons": [reason_text(r, lang) for r in e.reasons],
        }
        for e in result.liquidity.explanations
        if e.state.value != "filled"
    ]  # fmt: skip
    if result.produce is not None:
        rows += [
            {
                "coop": name.get(e.coop_id, e.coop_id), "order_id": e.order_id,
                "state": e.state.value, "asked": f"{e.quantity:,}", "matched": f"{e.matched:,}",
                "reasons": [reason_text(r, lang) for r in e.reasons],
            }
            for e in result.produce.explanations
            if e.state.value != "filled"
        ]  # fmt: skip
    return rows


def _involved(places: dict[str, queries.Place], flows: list[Flow]) -> dict[str, queries.Place]:
    """Only coops that lend, borrow, sell or buy are drawn (large networks stay legible)."""
    ids = {f.source for f in flows} | {f.target for f in flows}
    return {cid: place for cid, place in places.items() if cid in ids}


def result_view(engine: Engine, result: RoundResult, lang: str) -> dict[str, Any]:
    """Everything the result fragment shows, from one solved combined round."""
    places = queries.coop_places(engine, _coop_ids(result), lang)
    name = {cid: p[0] for cid, p in places.items()}
    setoffs = [
        {
            "debtor": name.get(n.debtor, n.debtor), "creditor": name.get(n.creditor, n.creditor),
            "amount": n.amount_satang, "set_off": n.set_off_satang, "remaining": n.remaining_satang,
        }
        for n in result.setoff.notices
        if n.set_off_satang > 0
    ]  # fmt: skip
    shrunk = [
        {"need_id": c.need_id, "borrower": name.get(c.borrower, c.borrower),
         "amount": c.amount_satang, "relief": c.relief_satang, "new_amount": c.new_amount_satang}
        for c in result.need_changes
        if c.relief_satang > 0
    ]  # fmt: skip
    flows = [Flow(p.lender, p.borrower, p.amount_satang) for p in result.liquidity.proposals]
    if result.produce is not None:
        flows += [
            Flow(m.seller, m.buyer, m.price_satang_per_unit * m.quantity, "sale")
            for m in result.produce.matches
        ]
    summary = result.summary
    return {
        "result": result,
        "figures": [(label, getattr(summary, key)) for key, label in SUMMARY_FIGURES],
        "setoffs": setoffs,
        "shrunk": shrunk,
        "loans": _loans(result, name, lang),
        "sales": _sales(result, name, lang, queries.products_of(engine)),
        "unmatched": _unmatched(result, name, lang),
        "svg": flow_svg(flows, _involved(places, flows), i18n.text("picture", lang)),
        "map": map_data(_involved(places, flows), flows, lang),
    }
