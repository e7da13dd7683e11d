"""Payments and overdue debts (ชำระหนี้และหนี้ค้างชำระ): the coordinator's page for its network
and the member coop's page for its own debts.

Both list the open debts (loan instalments that fell due, sales bought on credit, posted
debts) with their due dates; a debt past due on the page's date is highlighted with its days
past due (:func:`api.services.payments.open_debts`, the rule ``/v1`` uses). The form records
a cash payment, full (amount left empty) or partial, through
:func:`~api.services.payments.record_payment` — the service behind
``POST /v1/debts/{id}/payments`` — so the ledger and the audit trail change exactly as over
``/v1``. A coordinator pays only debts owed by a coop of its network's subtree; a member only
debts it owes or is owed (the service's own check); any other debt is "not found". A post
checks the session, the CSRF token and the origin; a double click records one payment (the
form token is the key); a bad field names itself and changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.schemas.common import parse_money
from api.schemas.dates import DateTextError, parse_date_text
from api.services.errors import ServiceError
from api.services.payments import OverdueDebt, open_debts, record_payment
from api.services.round.calendar import bangkok_date
from api.web import core, i18n, queries

router = APIRouter(prefix="/web", include_in_schema=False)


def _as_of(request: Request) -> date:
    """The page's date: ``?as_of=`` when it is a date, else today in Bangkok."""
    asked = request.query_params.get("as_of", "")
    try:
        return parse_date_text(asked) if asked else bangkok_date(core.ctx_of(request).clock())
    except DateTextError:
        return bangkok_date(core.ctx_of(request).clock())


def _debts(request: Request, network: str | None, coop: str | None, day: date) -> list[Any]:
    return open_debts(core.ctx_of(request).engine, day, network_id=network, coop_id=coop)


def _values(
    request: Request,
    who: core.Who,
    network: str | None,
    day: date,
    form: dict[str, str],
    **extra: Any,
) -> dict[str, Any]:
    debts = _debts(request, network, None if network else str(who.coop_id), day)
    base = core.page_values(request, who, network) if network else {"network": None, "networks": []}
    coops = sorted({c for d in debts for c in (d.debtor, d.creditor)})
    places = queries.coop_places(core.ctx_of(request).engine, coops, core.lang_of(request))
    return {
        **base,
        "debts": debts,
        "names": {c: place[0] for c, place in places.items()},
        "late": [d for d in debts if d.days_past_due > 0],
        "day": day,
        "f": form,
        "action": "/web/debts" if network else "/web/member/debts",
        "paid": None,
        "lines": [],
        **extra,
    }


def _read(form: dict[str, str], debts: list[OverdueDebt], lang: str) -> tuple[Any, list[str]]:
    """(debt, amount satang, paid on) from the form, or the lines of the bad fields."""
    lines: list[str] = []
    debt = next((d for d in debts if d.obligation_id == form.get("obligation_id", "")), None)
    if debt is None:
        choose = i18n.text("debts_choose_open", lang)
        lines.append(f"obligation_id: {choose}")
    amount = 0
    text = form.get("amount", "").strip().replace(",", "")
    if text:
        try:
            amount = parse_money(text)
        except ValueError as exc:
            lines.append(f"amount: {exc}")
    elif debt is not None:
        amount = debt.open_satang
    try:
        paid_on = parse_date_text(form.get("paid_on", ""))
    except DateTextError as exc:
        lines.append(f"paid_on: {exc}")
        paid_on = None
    return (debt, amount, paid_on), lines


async def _pay(
    request: Request, who: core.Who, network: str | None, form: dict[str, str], token: str
) -> Response:
    """Shared by both pages' posts: the payment once per form token."""
    day = _as_of(request)
    coop = None if network else str(who.coop_id)

    def answer() -> tuple[str, int]:
        (debt, amount, paid_on), lines = _read(
            form, _debts(request, network, coop, day), core.lang_of(request)
        )
        if not lines:
            ctx = core.ctx_of(request)
            try:
                out = record_payment(
                    ctx.engine, debt.obligation_id, amount, paid_on,
                    actor=who.principal, coop_id=coop, clock=ctx.clock,
                )  # fmt: skip
            except ServiceError as exc:
                lang = core.lang_of(request)
                lines = [exc.message_th if lang == "th" and exc.message_th else exc.message_en]
            else:
                values = _values(request, who, network, day, {"paid_on": form["paid_on"]},
                                 paid=out)  # fmt: skip
                return core.fragment(request, "debts.html", values, 200, who)
        values = _values(request, who, network, day, form, lines=lines)
        return core.fragment(request, "debts.html", values, 422, who)

    return await core.once(request, who, f"pay:{network or coop}", token, answer)


@router.get("/debts")
def network_debts(request: Request) -> Response:
    """The open and overdue debts of the coordinator's network, with the payment form."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    day = _as_of(request)
    form = {"obligation_id": request.query_params.get("debt", ""), "paid_on": day.isoformat()}
    return core.render(request, "debts.html", _values(request, who, network, day, form), who=who)


@router.post("/debts")
async def network_pay(request: Request) -> Response:
    """Record a cash payment of a debt owed by a coop of the network (audited ``debt.paid``)."""
    posted = await core.network_form(request)
    if isinstance(posted, Response):
        return posted
    who, network, form, token = posted
    return await _pay(request, who, network, form, token)


@router.get("/member/debts")
def member_debts(request: Request) -> Response:
    """The debts the member coop owes or is owed, with the payment form."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    day = _as_of(request)
    form = {"obligation_id": request.query_params.get("debt", ""), "paid_on": day.isoformat()}
    return core.render(request, "debts.html", _values(request, who, None, day, form), who=who)


@router.post("/member/debts")
async def member_pay(request: Request) -> Response:
    """Record a cash payment of one of the coop's own debts (audited ``debt.paid``)."""
    posted = await core.posted_form(request, "member")
    if isinstance(posted, Response):
        return posted
    who, form, token = posted
    return await _pay(request, who, None, form, token)
