"""Joint-purchase web pages: the member coop's group orders (Commit / Decline), and the
coordinator's page that runs the network's purchase round and lists its group orders.

A member sees only the group orders its coop is in (as a buyer: its own lines; as the
supplier: every line); any other id is a 404 like one that does not exist. The buttons post
through HTMX with the per-render form token and call the same services as ``/v1``
(:mod:`api.services.purchase_round`); a double click records one decision.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.services.group_orders import accept_joint_order, decline_joint_order
from api.services.purchase_reads import (
    group_order_of_coop,
    group_orders_of_coop,
    group_orders_of_network,
)
from api.services.purchase_round import run_purchase_round
from api.web import answers, core, round_form

router = APIRouter(prefix="/web/member/purchases", include_in_schema=False)
network_router = APIRouter(prefix="/web/purchases", include_in_schema=False)
ACTIONS = {"accept": accept_joint_order, "decline": decline_joint_order}


def _values(rows: list[Any]) -> dict[str, Any]:
    return {"rows": rows, "network": None, "networks": []}


def _mine(view: Any, coop: str) -> dict[str, Any]:
    """A group order with the caller's own figures summed for the row."""
    lines = [x for x in view.lines if x.coop_id == coop]
    return {
        "g": view,
        "pays": sum(x.pays_satang for x in lines),
        "saving": sum(x.saving_satang for x in lines),
        "alone": sum(x.alone_saving_satang for x in lines),
        "accepted_by_me": (
            view.supplier_accepted if view.role == "supplier" else all(x.accepted for x in lines)
        ),
    }


@router.get("")
def purchases_page(request: Request) -> Response:
    """The coop's group orders, by id."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    coop = str(who.coop_id)
    rows = [_mine(v, coop) for v in group_orders_of_coop(core.ctx_of(request).engine, coop)]
    return core.render(request, "purchases.html", _values(rows), who=who)


@router.post("/{joint_order_id}/{action}")
async def decide(request: Request, joint_order_id: core.PageRowId, action: str) -> Response:
    """Commit to or decline one of the coop's group orders (HTMX row swap)."""
    return await answers.post_answer(
        request, joint_order_id, action, ACTIONS, "purchase",
        lambda who, act: answers.answer_row(
            request, who, joint_order_id, act, load=group_order_of_coop, row=_mine,
            template="purchase_row.html", values=_values([]),
        ),
    )  # fmt: skip


@network_router.get("")
def network_page(request: Request) -> Response:
    """The network's group orders and the form that runs its purchase round."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    values = {**_network_values(request, network), **core.page_values(request, who, network)}
    values["day"] = core.ctx_of(request).clock().date()
    return core.render(request, "purchases_network.html", values, who=who)


def _network_values(request: Request, network: str) -> dict[str, Any]:
    engine = core.ctx_of(request).engine
    rows = [{"g": v, "accepted_by_me": True} for v in group_orders_of_network(engine, network)]
    return _values(rows)


@network_router.post("/run")
async def run(request: Request) -> Response:
    """Run (or show) the network's purchase round for the date (HTMX fragment)."""
    return await round_form.run_round_form(
        request,
        "purchase-run",
        run_purchase_round,
        "purchases_result.html",
        lambda network: _network_values(request, network),
    )
