"""A member's proposal in full before it answers: a loan's repayment schedule (dates,
principal, interest per instalment, totals) or a sale's delivery and payment terms, the
expiry time in Bangkok, then Accept, and Decline behind a confirmation with an optional
reason.

The terms are the ones the letters print (:func:`api.papers.sources.load_round_papers`:
the committed schedule once both sides accepted, else the one the proposal quotes), so the
page, the letter and the ledger agree. Another coop's proposal is the uniform 404 page.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db.tables import NetworkRow, ProposalRow
from api.db.tx import read_session
from api.papers.sources import LoanPaper, SalePaper, load_round_papers
from api.web import core, queries

router = APIRouter(prefix="/web/member/proposals", include_in_schema=False)
REASON_MAX = 300
"""The longest decline reason kept (characters)."""


def terms(engine: Any, coop_id: str, proposal_id: int, lang: str) -> dict[str, Any] | None:
    """What the proposal page shows; None when the proposal is not ``coop_id``'s."""
    seen = queries.coop_proposal(engine, coop_id, proposal_id, lang)
    if seen is None:
        return None
    with read_session(engine) as s:
        row = s.get(ProposalRow, proposal_id)
        round_id = row.round_id if row is not None else 0
    papers = load_round_papers(engine, round_id)
    loan: LoanPaper | None = next((x for x in papers.loans if x.proposal_id == proposal_id), None)
    sale: SalePaper | None = next((x for x in papers.sales if x.proposal_id == proposal_id), None)
    with read_session(engine) as s:
        network = s.get(NetworkRow, papers.network_id)
    names = (network.name_th, network.name_en or network.name_th) if network else ("", "")
    return {"p": seen, "loan": loan, "sale": sale, "network_names": names}


def proposal_page(
    request: Request,
    who: core.Who,
    proposal_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The page of one proposal (404 page when it is not the coop's), as HTML."""
    values = terms(core.ctx_of(request).engine, str(who.coop_id), proposal_id,
                   core.lang_of(request))  # fmt: skip
    if values is None:
        return core.fragment(request, "not_found.html", {"network": None}, 404, who)
    values.update(error=error, network=None, networks=[])
    return core.fragment(request, "member_proposal.html", values, status, who)


@router.get("/{proposal_id}")
def show(request: Request, proposal_id: core.PageRowId) -> Response:
    """The proposal's terms, schedule and answers."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    values = terms(core.ctx_of(request).engine, str(who.coop_id), proposal_id,
                   core.lang_of(request))  # fmt: skip
    if values is None:
        return core.not_found_page(request, who)
    values.update(error=None, network=None, networks=[])
    return core.render(request, "member_proposal.html", values, who=who)


@router.get("/{proposal_id}/decline")
def confirm_decline(request: Request, proposal_id: core.PageRowId) -> Response:
    """Are you sure? The decline form with an optional reason."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    engine, lang = core.ctx_of(request).engine, core.lang_of(request)
    seen = queries.coop_proposal(engine, str(who.coop_id), proposal_id, lang)
    if seen is None:
        return core.not_found_page(request, who)
    values = {"p": seen, "reason_max": REASON_MAX, "network": None, "networks": []}
    return core.render(request, "member_decline.html", values, who=who)
