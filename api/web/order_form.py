"""The member's order forms: which fields each order kind asks for, how a posted form
becomes the ``POST /v1/orders`` body, and the errors named by the form's own fields.

One set of rules: a form is checked by the API's own request schemas
(:data:`api.http.order_schemas.OrderCreate`), so the web refuses exactly what ``/v1``
refuses. The form speaks as a person does: money in baht (thousands separators allowed),
rates in percent a year with at most two places (``3.50`` → 350 basis points, read by
:func:`api.schemas.common.parse_money`'s rule), dates from the browser's date field. Each
error names the field by its label, in Thai or English (:mod:`api.http.validation_text`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from api.http.order_schemas import OrderCreate
from api.http.validation_text import error_text
from api.schemas.common import parse_money
from api.web import i18n

KINDS = ("liquidity_offer", "liquidity_need", "stock_lot", "purchase_order", "obligation")
RATE_FIELD = {"liquidity_offer": "min_rate_bps", "liquidity_need": "max_rate_bps"}
"""The API field the form's ``rate`` (percent a year) fills, per kind."""
BIDS = 3
"""Grade rows of a purchase order's form."""


@dataclass(frozen=True)
class FormField:
    """One input: its name (the API's, except ``rate`` and the bid rows), how it is typed
    (``money``, ``rate``, ``whole``, ``date``, ``text``, ``choice``), and whether it must
    be filled."""

    name: str
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()


FIELDS: dict[str, tuple[FormField, ...]] = {
    "liquidity_offer": (
        FormField("amount", "money"), FormField("rate", "rate"),
        FormField("max_term_days", "whole"), FormField("cap_per_borrower", "money", False),
        FormField("valid_until", "date", False),
    ),
    "liquidity_need": (
        FormField("amount", "money"), FormField("rate", "rate"), FormField("term_days", "whole"),
        FormField("min_amount", "money", False),
        FormField("urgency", "choice", False, ("1", "2", "3", "4", "5")),
        FormField("repayment", "choice", False, ("bullet", "equal")),
        FormField("instalments", "whole", False), FormField("valid_until", "date", False),
    ),
    "stock_lot": (
        FormField("product", "product"), FormField("grade", "text"),
        FormField("quantity", "whole"), FormField("reserve_price", "money"),
        FormField("spoilage_per_day", "money", False), FormField("ready_date", "date"),
        FormField("expiry_date", "date"),
    ),
    "purchase_order": (
        FormField("product", "product"), FormField("quantity", "whole"),
        *(f for n in range(1, BIDS + 1)
          for f in (FormField(f"bid_grade_{n}", "text", n == 1),
                    FormField(f"bid_price_{n}", "money", n == 1))),
        FormField("deliver_by", "date"), FormField("min_lot", "whole", False),
    ),
    "obligation": (
        FormField("creditor_coop_id", "coop"), FormField("amount", "money"),
        FormField("due_date", "date"),
    ),
}  # fmt: skip
_ADAPTER: TypeAdapter[Any] = TypeAdapter(OrderCreate)


def label(name: str, lang: str) -> str:
    """A field's label (``field_`` + its name in the catalogue; bid rows share two)."""
    if name.startswith("bid_"):
        part, n = name.rsplit("_", 1)
        return f"{i18n.text('field_' + part, lang)} {n}"
    return i18n.text(f"field_{name}", lang)


def _value(f: FormField, raw: str) -> object:
    """A form value as the API body carries it."""
    if f.kind == "money":
        return raw.replace(",", "").replace(" ", "")
    if f.kind == "whole" or (f.kind == "choice" and f.name == "urgency"):
        digits = raw.replace(",", "")
        return int(digits) if digits.isdigit() and len(digits) <= 18 else raw
    return raw


def to_body(kind: str, form: dict[str, str], lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body of a posted form, and the errors found before the schema (a rate that
    is not a percentage)."""
    body: dict[str, Any] = {"kind": kind}
    errors: dict[str, str] = {}
    bids: dict[int, dict[str, object]] = {}
    for f in FIELDS[kind]:
        raw = form.get(f.name, "").strip()
        if not raw:
            continue
        if f.kind == "rate":
            try:
                body[RATE_FIELD[kind]] = parse_money(raw.removesuffix("%").strip())
            except ValueError:
                errors[f.name] = i18n.text("bad_rate", lang)
            continue
        if f.name.startswith("bid_"):
            part, n = f.name.rsplit("_", 1)
            key = "grade" if part == "bid_grade" else "max_price"
            bids.setdefault(int(n), {})[key] = _value(f, raw)
            continue
        body[f.name] = _value(f, raw)
    if kind == "purchase_order":
        body["bids"] = [bids[n] for n in sorted(bids)]
    return body, errors


def _form_field(kind: str, loc: tuple[Any, ...], message: str) -> str:
    """The form field an error belongs to (``""`` for the form as a whole)."""
    path = [str(p) for p in loc[1:]]  # loc[0] is the kind (the union's tag)
    if not path:  # a check across fields names its first field in its message
        names = [f.name for f in FIELDS[kind]] + list(RATE_FIELD.values())
        first = message.split(" ", 1)[0]
        path = [first] if first in names else []
    if not path:
        return ""
    if path[0] in RATE_FIELD.values():
        return "rate"
    if path[0] == "bids":
        if len(path) >= 3:
            part = "bid_grade" if path[2] == "grade" else "bid_price"
            return f"{part}_{int(path[1]) + 1}"
        return "bid_grade_1"
    return path[0]


def check(kind: str, form: dict[str, str], lang: str) -> tuple[Any, dict[str, str]]:
    """The validated body (one of :data:`OrderCreate`), or the errors by form field; a
    required field left empty is named as missing."""
    body, errors = to_body(kind, form, lang)
    try:
        parsed = _ADAPTER.validate_python(body)
    except ValidationError as exc:
        for e in exc.errors():
            loc = tuple(e.get("loc", ()))
            name = _form_field(kind, loc, error_text(dict(e), False))
            errors.setdefault(name, error_text(dict(e), lang == "th"))
        return None, errors
    if errors:
        return None, errors
    return parsed, {}


def error_lines(errors: dict[str, str], lang: str) -> list[str]:
    """The errors as lines that name each field by its label."""
    return [f"{label(name, lang)}: {msg}" if name else msg for name, msg in errors.items()]


def terms_text(order: Any, lang: str, products: dict[str, tuple[str, str]]) -> str:
    """An order's terms in a line (an :class:`~api.http.schemas.OrderPublic`)."""
    terms = order.terms or {}
    year, days = i18n.text("a_year", lang), i18n.text("days_unit", lang)
    if order.kind == "liquidity_offer":
        return f"≥ {i18n.percent(terms['min_rate_bps'])} {year} · ≤ {terms['max_term_days']} {days}"
    if order.kind == "liquidity_need":
        return f"≤ {i18n.percent(terms['max_rate_bps'])} {year} · {terms['term_days']} {days}"
    name = products.get(str(terms.get("product")), (str(terms.get("product")),) * 2)[lang != "th"]
    per = f"{i18n.text('baht', lang)}/{i18n.unit_name(order.unit, lang)}"
    if order.kind == "stock_lot":
        return f"{name} {terms['grade']} ≥ {i18n.baht_text(terms['reserve_price'])} {per}"
    if order.kind == "purchase_order":
        bids = ", ".join(f"{b['grade']} ≤ {i18n.baht_text(b['max_price'])}" for b in terms["bids"])
        return f"{name} {bids} {per}"
    if order.kind == "obligation":
        due = i18n.long_date(date.fromisoformat(terms["due_date"]), lang)
        return f"{i18n.text('creditor', lang)} {terms['creditor_coop_id']} · {due}"
    return ""
