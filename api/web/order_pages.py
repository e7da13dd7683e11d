"""The member's orders on the web: the list, a new order of any kind, an amendment and a
cancellation behind a confirmation.

A new order goes through the ``/v1`` rules and service (:mod:`api.web.order_form`,
:func:`api.services.member_orders.post_member_order`, on the coop's audit chain); a
cancellation through :func:`api.services.order_lifecycle.cancel_order`; an amendment through
:func:`api.services.order_amend.amend_terms`, the rule ``/v1`` amends by. Every post carries
the page's form token (CSRF token and idempotency key: a double click posts one order). A
refused form comes back with what the person typed and each error beside its field. Another coop's
order is the uniform 404 page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from api.db.audit import coop_chain, lock_chain
from api.db.tx import in_write_transaction
from api.http import reads
from api.http.order_schemas import Date, OrderAmount, Price, Units
from api.http.order_schemas import order_spec as spec_of
from api.http.validation_text import error_text
from api.schemas.common import RateBps, parse_money
from api.services.errors import ServiceError
from api.services.member_orders import post_member_order
from api.services.order_amend import amend_terms
from api.services.order_ids import new_order_id
from api.services.order_lifecycle import cancel_order
from api.services.purchase_orders import post_purchase_orders
from api.services.round.calendar import bangkok_date
from api.web import core, i18n, order_form, purchase_form
from api.web.member_pages import service_message
from api.web.queries import partner_coops, products_of
from matcher.money import satang_to_decimal_string
from matcher.purchase.model import PurchaseNeed, SupplierOffer

AMENDABLE = ("liquidity_offer", "liquidity_need", "stock_lot", "purchase_order")
"""The kinds a member amends on the web (a debt is cancelled and posted again)."""


@dataclass(frozen=True)
class Amendment:
    """New terms from the amend form; None keeps the old one. ``amount`` is satang for a
    money order and base units for a produce order; ``rate_bps`` an offer's lowest or a
    need's highest rate; ``reserve_satang`` a stock lot's lowest price per unit."""

    amount: int | None = None
    rate_bps: int | None = None
    reserve_satang: int | None = None
    valid_until: date | None = None

    def terms(self, kind: str) -> dict[str, Any]:
        """The order and detail columns these terms change, for an order of ``kind``."""
        out: dict[str, Any] = {}
        if self.amount is not None:
            out["amount"] = self.amount
        if self.valid_until is not None and kind in ("liquidity_offer", "liquidity_need"):
            out["valid_until"] = self.valid_until
        if self.rate_bps is not None and kind == "liquidity_offer":
            out["min_rate_bps"] = self.rate_bps
        if self.rate_bps is not None and kind == "liquidity_need":
            out["max_rate_bps"] = self.rate_bps
        if self.reserve_satang is not None and kind == "stock_lot":
            out["reserve_satang_per_unit"] = self.reserve_satang
        return out


KINDS = order_form.KINDS + purchase_form.KINDS
"""Every kind a member posts on the web (a joint-purchase need or offer too)."""
router = APIRouter(prefix="/web/member/orders", include_in_schema=False)
OPEN = ("open", "reserved")


def _my_orders(request: Request, who: core.Who) -> list[Any]:
    """The coop's orders, newest first."""
    rows = reads.orders(core.ctx_of(request).engine, str(who.coop_id), None, 1000, None)
    return sorted(rows, key=lambda o: (o.created_at, o.id), reverse=True)


def _my_order(request: Request, who: core.Who, order_id: str) -> Any | None:
    """One of the coop's orders; None for a missing or another coop's order."""
    if len(order_id) > 64:
        return None
    return next((o for o in _my_orders(request, who) if o.id == order_id), None)


def _described(request: Request, orders: list[Any]) -> dict[str, str]:
    """Order id → its terms in a line, in the page's language."""
    engine, lang = core.ctx_of(request).engine, core.lang_of(request)
    products = products_of(engine)
    joint = purchase_form.terms(engine, orders, lang, products)
    return {o.id: joint.get(o.id) or order_form.terms_text(o, lang, products) for o in orders}


def list_values(request: Request, who: core.Who, notice: str | None = None) -> dict[str, Any]:
    orders = _my_orders(request, who)
    return {"orders": orders, "described": _described(request, orders), "notice": notice,
            "kinds": KINDS, "open_states": OPEN, "amendable": AMENDABLE,
            "network": None, "networks": []}  # fmt: skip


@router.get("")
def orders_page(request: Request) -> Response:
    """The coop's orders with their state, and the ways to post, amend or cancel."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    return core.render(request, "member_orders.html", list_values(request, who), who=who)


def _form_values(
    request: Request, who: core.Who, kind: str, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    engine = core.ctx_of(request).engine
    lang = core.lang_of(request)
    joint = kind in purchase_form.KINDS
    forms = purchase_form if joint else order_form
    label = purchase_form.label if joint else order_form.label
    lines = [f"{label(n, lang)}: {m}" if n else m for n, m in errors.items()]
    return {
        "kind": kind, "fields": forms.FIELDS[kind], "form": form, "errors": errors,
        "error_lines": lines, "label": lambda name: label(name, lang),
        "tiers": purchase_form.TIERS if kind == "supplier_offer" else 0,
        "tier_parts": purchase_form.TIER_PARTS, "tier_name": purchase_form.tier_name,
        "inputs": purchase_form.INPUTS,
        "products": products_of(engine), "partners": partner_coops(engine, str(who.coop_id), lang),
        "network": None, "networks": [],
    }  # fmt: skip


@router.get("/new")
def new_order(request: Request) -> Response:
    """The form of a new order of ``?kind=`` (a need by default)."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    kind = request.query_params.get("kind", "liquidity_need")
    if kind not in KINDS:
        return core.not_found_page(request, who)
    start = {}
    if kind in purchase_form.KINDS:
        start = purchase_form.initial(core.ctx_of(request).engine, str(who.coop_id))
    values = _form_values(request, who, kind, start, {})
    return core.render(request, "member_order_form.html", values, who=who)


def _post(request: Request, who: core.Who, form: dict[str, str]) -> tuple[str, int]:
    lang, kind = core.lang_of(request), form.get("kind", "")
    if kind in purchase_form.KINDS:
        return _post_joint(request, who, kind, form)
    if kind not in order_form.KINDS:
        kind, errors = "liquidity_need", {"kind": i18n.text("bad_kind", lang)}
        values = _form_values(request, who, kind, form, errors)
        return core.fragment(request, "member_order_form.html", values, 422, who)
    body, errors = order_form.check(kind, form, lang)
    if body is not None:
        ctx, coop = core.ctx_of(request), str(who.coop_id)
        spec, chain = spec_of(body, new_order_id(), coop), coop_chain(coop)

        def work(session: Session) -> None:
            lock_chain(session, chain)
            post_member_order(session, spec, ctx.clock(), who.principal, chain)

        try:
            in_write_transaction(ctx.engine, work)
        except ServiceError as exc:
            errors = {_named(exc.message_en): _message(exc, lang)}
        else:
            values = list_values(request, who, "order_posted")
            return core.fragment(request, "member_orders.html", values, 200, who)
    values = _form_values(request, who, kind, form, errors)
    return core.fragment(request, "member_order_form.html", values, 422, who)


def _post_joint(
    request: Request, who: core.Who, kind: str, form: dict[str, str]
) -> tuple[str, int]:
    """A joint-purchase need or offer through the ``/v1`` schema and service."""
    ctx, lang, coop = core.ctx_of(request), core.lang_of(request), str(who.coop_id)
    prefix = "inp" if kind == "input_need" else "sup"
    checked, errors = purchase_form.check(kind, form, lang, new_order_id(prefix), coop)
    if checked is not None:
        item = checked.item
        try:
            post_purchase_orders(
                ctx.engine,
                [item] if isinstance(item, PurchaseNeed) else [],
                [item] if isinstance(item, SupplierOffer) else [],
                units={item.product: checked.unit},
                business_date=bangkok_date(ctx.clock()),
                actor=who.principal,
                clock=ctx.clock,
            )
        except ServiceError as exc:
            errors = purchase_form.rule_errors(kind, exc.lines, form, lang)
            errors = errors or {"": service_message(exc, lang)}
        else:
            values = list_values(request, who, "order_posted")
            return core.fragment(request, "member_orders.html", values, 200, who)
    values = _form_values(request, who, kind, form, errors)
    return core.fragment(request, "member_order_form.html", values, 422, who)


def _named(message: str) -> str:
    """The field a service's message names first (``field: ...``), else none."""
    head, sep, _rest = message.partition(":")
    return head if sep and head.isidentifier() else ""


def _message(exc: ServiceError, lang: str) -> str:
    """A service's refusal without the field name its message starts with."""
    text = service_message(exc, lang)
    head, sep, rest = text.partition(":")
    return rest.strip() if sep and head.isidentifier() else text


@router.post("/new")
async def post_order(request: Request) -> Response:
    """Post the order (a double click posts it once)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(request, who, "order", token, lambda: _post(request, who, form))


def _amend_values(
    request: Request, who: core.Who, order: Any, form: dict[str, str], errors: dict[str, str]
) -> dict[str, Any]:
    lang = core.lang_of(request)
    return {
        "o": order, "form": form, "errors": errors,
        "error_lines": order_form.error_lines(errors, lang),
        "label": lambda name: order_form.label(name, lang),
        "money": order.kind in ("liquidity_offer", "liquidity_need"),
        "network": None, "networks": [],
    }  # fmt: skip


@router.get("/{order_id}/amend")
def amend_form(request: Request, order_id: str) -> Response:
    """The amendment form, filled with the order's terms."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    order = _my_order(request, who, order_id)
    if order is None or order.kind not in AMENDABLE or order.status not in OPEN:
        return core.not_found_page(request, who)
    values = _amend_values(request, who, order, _current(order), {})
    return core.render(request, "member_order_amend.html", values, who=who)


def _current(order: Any) -> dict[str, str]:
    """The order's terms as the amendment form shows them."""
    terms = order.terms or {}
    form = {
        "amount": str(order.quantity)
        if order.amount is None
        else satang_to_decimal_string(order.amount),
        "valid_until": order.valid_until.isoformat() if order.valid_until else "",
    }
    rate = terms.get("min_rate_bps", terms.get("max_rate_bps"))
    if rate is not None:
        form["rate"] = satang_to_decimal_string(int(rate))  # basis points: hundredths of %
    if terms.get("reserve_price") is not None:
        form["reserve_price"] = str(terms["reserve_price"])
    return form


def amendment(order: Any, form: dict[str, str], lang: str) -> tuple[Amendment, dict[str, str]]:
    """The checked amendment, or the errors by field (the posting rules of each term)."""
    money = order.kind in ("liquidity_offer", "liquidity_need")
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    checks: list[tuple[str, str, Any, Any]] = [
        ("amount", "amount", OrderAmount if money else Units, None),
        ("rate", "rate_bps", RateBps, parse_money) if money else ("", "", None, None),
        ("valid_until", "valid_until", Date, None) if money else ("", "", None, None),
        ("reserve_price", "reserve_satang", Price, None)
        if order.kind == "stock_lot"
        else ("", "", None, None),
    ]
    for field, attr, schema, pre in checks:
        raw = form.get(field, "").strip().replace(",", "") if field else ""
        if not raw:
            continue
        try:
            value: Any = raw if schema is not Units else int(raw) if raw.isdigit() else raw
            if pre is not None:
                value = pre(raw.removesuffix("%").strip())
            values[attr] = TypeAdapter(schema).validate_python(value)
        except ValidationError as exc:
            errors[field] = error_text(dict(exc.errors()[0]), lang == "th")
        except ValueError:
            errors[field] = i18n.text("bad_rate", lang)
    return Amendment(**values), errors


def _amend(request: Request, who: core.Who, order_id: str, form: dict[str, str]) -> tuple[str, int]:
    lang = core.lang_of(request)
    order = _my_order(request, who, order_id)
    if order is None:
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    change, errors = amendment(order, form, lang)
    if not errors:
        ctx = core.ctx_of(request)
        try:
            amend_terms(ctx.engine, order_id, str(who.coop_id), change.terms(order.kind),
                        actor=who.principal, clock=ctx.clock)  # fmt: skip
        except ServiceError as exc:
            errors = {_named(exc.message_en): _message(exc, lang)}
        else:
            values = list_values(request, who, "order_amended")
            return core.fragment(request, "member_orders.html", values, 200, who)
    values = _amend_values(request, who, order, form, errors)
    return core.fragment(request, "member_order_amend.html", values, 422, who)


@router.post("/{order_id}/amend")
async def post_amend(request: Request, order_id: str) -> Response:
    """Amend the order (its pending proposals are voided)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await core.once(
        request, who, f"amend:{order_id[:64]}", token,
        lambda: _amend(request, who, order_id, form),
    )  # fmt: skip


@router.get("/{order_id}/cancel")
def confirm_cancel(request: Request, order_id: str) -> Response:
    """Are you sure? The cancellation form."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    order = _my_order(request, who, order_id)
    if order is None or order.status not in OPEN:
        return core.not_found_page(request, who)
    values = {"o": order, "described": _described(request, [order]), "network": None,
              "networks": []}  # fmt: skip
    return core.render(request, "member_order_cancel.html", values, who=who)


def _cancel(request: Request, who: core.Who, order_id: str) -> tuple[str, int]:
    ctx, lang = core.ctx_of(request), core.lang_of(request)
    if _my_order(request, who, order_id) is None:
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    try:
        cancel_order(ctx.engine, order_id, str(who.coop_id), actor=who.principal, clock=ctx.clock)
    except ServiceError as exc:
        values = {**list_values(request, who), "error": service_message(exc, lang)}
        return core.fragment(request, "member_orders.html", values, 409, who)
    values = list_values(request, who, "order_cancelled_now")
    return core.fragment(request, "member_orders.html", values, 200, who)


@router.post("/{order_id}/cancel")
async def post_cancel(request: Request, order_id: str) -> Response:
    """Cancel the rest of the order (its pending proposals are voided)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, _form, token = posted
    return await core.once(
        request, who, f"cancel:{order_id[:64]}", token, lambda: _cancel(request, who, order_id)
    )
