"""The member's joint-purchase order forms: a buyer's input need and a supplier's offer with
its price schedule by total volume.

One set of rules: a form becomes the body of ``POST /v1/purchase/needs`` or ``/offers``, is
checked by those schemas (:class:`api.http.purchase_schemas.InputNeedCreate`,
:class:`~api.http.purchase_schemas.SupplierOfferCreate`), mapped by the same functions and
posted through the same service (:func:`api.services.purchase_orders.post_purchase_orders`,
which applies the matcher's input rules). Every error, the schema's or the matcher's, is
put beside the form field it names. Money is typed in baht (up to 2 places), volumes as
whole numbers; the schedule is a small table of tiers (from, up to, price) of which blank
rows are skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, select
from sqlmodel import col

from api.db.tables import CoopRow
from api.db.tables_purchase import InputNeedRow, SupplierOfferRow
from api.db.tx import read_session
from api.http.purchase_schemas import InputNeedCreate, SupplierOfferCreate, need_of, offer_of
from api.http.validation_text import error_text
from api.services.knowhow import home_point
from api.web import i18n
from api.web.order_form import FormField
from matcher.money import satang_to_decimal_string
from matcher.purchase.model import PurchaseNeed, SupplierOffer

KINDS = ("input_need", "supplier_offer")
TIERS = 5
"""Rows of the price-schedule table (blank rows are skipped)."""
TIER_PARTS = ("min_units", "max_units", "price")
UNITS = ("litre", "kg", "egg")
INPUTS = ("diesel", "layer_feed")
"""Inputs the form suggests (any identifier may be typed)."""
_PLACE = (FormField("latitude", "text"), FormField("longitude", "text"))
FIELDS: dict[str, tuple[FormField, ...]] = {
    "input_need": (
        FormField("product", "input"), FormField("unit", "unit", True, UNITS),
        FormField("quantity", "whole"), FormField("deliver_by", "date"),
        FormField("max_price", "money"), *_PLACE,
    ),
    "supplier_offer": (
        FormField("product", "input"), FormField("unit", "unit", True, UNITS),
        FormField("schedule_kind", "choice", True, ("all_units", "incremental")),
        FormField("capacity_units", "whole"), FormField("min_order_units", "whole", False),
        FormField("truck_capacity_units", "whole"), FormField("truck_cost", "money", False),
        FormField("truck_cost_per_km", "money", False), FormField("lead_days", "whole", False),
        *_PLACE,
    ),
}  # fmt: skip
_BODY_NAME = {"schedule_kind": "kind"}
_SCHEMAS: dict[str, TypeAdapter[Any]] = {
    "input_need": TypeAdapter(InputNeedCreate),
    "supplier_offer": TypeAdapter(SupplierOfferCreate),
}
_MATCHER_NAME = {
    "max_price_satang_per_unit": "max_price",
    "truck_satang": "truck_cost",
    "truck_satang_per_km": "truck_cost_per_km",
    "lat_e5": "latitude",
    "lon_e5": "longitude",
    "kind": "schedule_kind",
    "price_satang_per_unit": "price",
}
_LINE = re.compile(r"^(?:needs|offers)\[\d+\]\.([a-z_]+)(?:\[(\d+)\](?:\.([a-z_]+))?)?: (.*)$")


def tier_name(row: int, part: str) -> str:
    """The input of a schedule row's part (rows from 1): ``tier-2-price``."""
    return f"tier-{row}-{part}"


def label(name: str, lang: str) -> str:
    """A field's label; a tier row's is its column's label and the row's number."""
    if name.startswith("tier-"):
        _t, row, part = name.split("-", 2)
        return f"{i18n.text('field_tier_' + part, lang)} {row}"
    return i18n.text(f"field_{name}", lang)


@dataclass(frozen=True)
class Checked:
    """A form that passed the schema: the matcher's order and the product's unit."""

    item: PurchaseNeed | SupplierOffer
    unit: str


def _value(f: FormField, raw: str) -> object:
    if f.kind == "whole":
        digits = raw.replace(",", "")
        return int(digits) if digits.isdigit() and len(digits) <= 18 else raw
    if f.kind == "money":
        return raw.replace(",", "").replace(" ", "")
    return raw


def _tiers(form: dict[str, str]) -> tuple[list[dict[str, object]], list[int]]:
    """The filled schedule rows as the body's tiers, and the row number of each."""
    tiers: list[dict[str, object]] = []
    rows: list[int] = []
    for row in range(1, TIERS + 1):
        raw = {p: form.get(tier_name(row, p), "").strip() for p in TIER_PARTS}
        if not any(raw.values()):
            continue
        tier: dict[str, object] = {}
        for part, typed in raw.items():
            if typed:
                kind = "money" if part == "price" else "whole"
                tier[part] = _value(FormField(part, kind), typed)
        tiers.append(tier)
        rows.append(row)
    return tiers, rows


def _field(kind: str, path: list[str], rows: list[int]) -> str:
    """The form field of an error at ``path`` in the body (``""``: the form as a whole)."""
    if not path:
        return ""
    if path[0] == "tiers":
        row = rows[int(path[1])] if len(path) > 1 and int(path[1]) < len(rows) else 1
        part = path[2] if len(path) > 2 and path[2] in TIER_PARTS else "min_units"
        return tier_name(row, part)
    name = _MATCHER_NAME.get(path[0], path[0])
    names = {f.name for f in FIELDS[kind]}
    return name if name in names else ""


def check(
    kind: str, form: dict[str, str], lang: str, order_id: str, coop_id: str
) -> tuple[Checked | None, dict[str, str]]:
    """The form as the matcher's order (checked by the ``/v1`` schema), or the errors by
    form field; a required field left empty is named as missing."""
    body: dict[str, Any] = {}
    for f in FIELDS[kind]:
        raw = form.get(f.name, "").strip()
        if raw:
            body[_BODY_NAME.get(f.name, f.name)] = _value(f, raw)
    rows: list[int] = []
    if kind == "supplier_offer":
        body["tiers"], rows = _tiers(form)
    try:
        parsed = _SCHEMAS[kind].validate_python(body)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for e in exc.errors():
            path = [str(p) for p in e.get("loc", ())]
            path[:1] = [{"kind": "schedule_kind"}.get(path[0], path[0])] if path else []
            errors.setdefault(_field(kind, path, rows), error_text(dict(e), lang == "th"))
        return None, errors
    if isinstance(parsed, InputNeedCreate):
        return Checked(need_of(parsed, order_id, coop_id), parsed.unit), {}
    return Checked(offer_of(parsed, order_id, coop_id), parsed.unit), {}


def rule_errors(kind: str, lines: list[str], form: dict[str, str], lang: str) -> dict[str, str]:
    """The service's rule lines (``offers[0].tiers[1].min_units: th / en``) by form field,
    each in the page's language."""
    rows = _tiers(form)[1]
    errors: dict[str, str] = {}
    for line in lines:
        m = _LINE.match(line)
        if m is None:
            errors.setdefault("", _half(line.split(": ", 1)[-1], lang))
            continue
        head, index, part, message = m.groups()
        path = [head] + ([index] if index is not None else []) + ([part] if part else [])
        if head == "tiers" and part:
            path[2] = _MATCHER_NAME.get(part, part)
        errors.setdefault(_field(kind, path, rows), _half(message, lang))
    return errors


def _half(message: str, lang: str) -> str:
    """The Thai or the English half of a ``th / en`` message."""
    th, sep, en = message.partition(" / ")
    return (th if lang == "th" else en) if sep else message


def initial(engine: Engine, coop_id: str) -> dict[str, str]:
    """A new form's values: the coop's own location, else its district's point, as the
    rounds place it (a depot or a farm elsewhere is typed over it)."""
    with read_session(engine) as s:
        coop = s.get(CoopRow, coop_id)
    lat, lon = home_point(coop) if coop is not None else (None, None)
    if lat is None or lon is None:
        return {}
    return {"latitude": _degrees(lat), "longitude": _degrees(lon)}


def _degrees(e5: int) -> str:
    sign = "-" if e5 < 0 else ""
    return f"{sign}{abs(e5) // 100_000}.{abs(e5) % 100_000:05d}"


def product_name(product: str, lang: str, products: dict[str, tuple[str, str]]) -> str:
    """An input's name: the catalogue's product, a known input, else its id."""
    if product in products:
        return products[product][lang != "th"]
    shown = i18n.text(f"input_{product}", lang)
    return product.replace("_", " ") if shown == f"input_{product}" else shown


def terms(engine: Engine, orders: list[Any], lang: str, products: dict[str, Any]) -> dict[str, str]:
    """Order id → the terms of each joint-purchase order in a line (price limit or schedule)."""
    ids = [o.id for o in orders if o.kind in KINDS]
    if not ids:
        return {}
    unit = {o.id: o.unit for o in orders}
    out: dict[str, str] = {}
    with read_session(engine) as s:
        needs = s.execute(select(InputNeedRow).where(col(InputNeedRow.order_id).in_(ids)))
        offers = s.execute(select(SupplierOfferRow).where(col(SupplierOfferRow.order_id).in_(ids)))
        need_rows, offer_rows = list(needs.scalars()), list(offers.scalars())
    for n in need_rows:
        per = f"{i18n.text('baht', lang)}/{i18n.unit_name(unit[n.order_id], lang)}"
        price = satang_to_decimal_string(n.max_price_satang_per_unit)
        by = i18n.long_date(n.deliver_by, lang)
        out[n.order_id] = (
            f"{product_name(n.product, lang, products)} ≤ {price} {per} · "
            f"{i18n.text('field_deliver_by', lang)} {by}"
        )
    for o in offer_rows:
        per = f"{i18n.text('baht', lang)}/{i18n.unit_name(unit[o.order_id], lang)}"
        steps = []
        for low, high, price in json.loads(o.tiers_json):
            span = f"{low:,}–{high:,}" if high is not None else f"≥ {low:,}"
            steps.append(f"{span}: {satang_to_decimal_string(price)}")
        least = f"{i18n.text('field_min_order_units', lang)} {o.min_order_units:,}"
        out[o.order_id] = (
            f"{product_name(o.product, lang, products)} "
            f"({i18n.text('choice_schedule_kind_' + o.schedule_kind, lang)}) "
            f"{'; '.join(steps)} {per} · {least}"
        )
    return out
