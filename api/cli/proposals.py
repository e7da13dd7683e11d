"""``coopmatch proposal decline ID --side supply|demand``: a coordinator records a member's
decline (given by phone or letter) with its reason; the pair is not proposed again while
neither order changed. Members decline over ``/v1`` themselves.
``coopmatch proposal propose-again ID --network N``: the coordinator asks for the pair
declined in proposal ID to be proposed again by the network's next rounds (audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import console, fail
from api.cli.db import actor_or_fail, open_engine, service_errors


def proposal_decline(
    proposal_id: Annotated[int, typer.Argument(help="proposal id (เลขข้อเสนอ)", min=1)],
    side: Annotated[str, typer.Option("--side", help="supply or demand: whose decline")],
    reason: Annotated[str | None, typer.Option("--reason", help="why (เหตุผล)")] = None,
    actor: Annotated[
        str | None, typer.Option("--as", help="coordinator principal (COOPMATCH_ACTOR)")
    ] = None,
) -> None:
    """Record a decline on behalf of one side of a proposal (บันทึกการปฏิเสธข้อเสนอ)."""
    from api.db.tables import ProposalRow, RoundRow
    from api.db.tx import read_session
    from api.services.errors import NotFoundError
    from api.services.proposals import decline_proposal
    from api.services.round.service import authorize

    if side not in ("supply", "demand"):
        fail("--side", [f"{side!r} must be supply or demand (ต้องเป็น supply หรือ demand)"])
    if reason is not None and len(reason) > 500:
        fail("--reason", ["at most 500 characters (ไม่เกิน 500 ตัวอักษร)"])
    who = actor_or_fail(actor)
    engine = open_engine()
    with service_errors(f"proposal {proposal_id}"):
        with read_session(engine) as s:
            p = s.get(ProposalRow, proposal_id)
            rnd = s.get(RoundRow, p.round_id) if p is not None else None
        if p is None or rnd is None:
            raise NotFoundError(
                f"proposal {proposal_id} does not exist", f"ไม่พบข้อเสนอ {proposal_id}"
            )
        authorize(engine, who, rnd.network_id)
        coop = p.supply_coop_id if side == "supply" else p.demand_coop_id
        out = decline_proposal(engine, proposal_id, coop, actor=who, reason=reason)
    console.print(f"ข้อเสนอ / proposal {out.id}: {out.status} ({coop})")


def proposal_propose_again(
    proposal_id: Annotated[int, typer.Argument(help="declined proposal id (เลขข้อเสนอ)", min=1)],
    network: Annotated[str, typer.Option("--network", help="the coordinator's network")],
    actor: Annotated[
        str | None, typer.Option("--as", help="coordinator principal (COOPMATCH_ACTOR)")
    ] = None,
) -> None:
    """Forget a decline: the next round may propose the pair again (ขอให้เสนอคู่นี้ใหม่)."""
    from api.services.round.declines import forget_declined
    from api.services.round.service import authorize

    who = actor_or_fail(actor)
    engine = open_engine()
    with service_errors(f"proposal {proposal_id}"):
        authorize(engine, who, network)
        out = forget_declined(engine, network, proposal_id, actor=who)
    console.print(
        f"เสนอคู่นี้ใหม่ได้ / may be proposed again: {out.supply_order_id} → "
        f"{out.demand_order_id} (proposal {out.proposal_id})",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ``proposal`` group to ``app``."""
    group = typer.Typer(help="Proposals / ข้อเสนอ", no_args_is_help=True)
    group.command("decline")(proposal_decline)
    group.command("propose-again")(proposal_propose_again)
    app.add_typer(group, name="proposal")
