"""Printable letters on the web: a coordinator downloads every letter of a round as one ZIP
file; a member coop downloads the letter of one of its own proposals (the commitment once
both sides accepted). Anything else is the uniform 404. The packaged Thai font is served
here too, for the pages and their print-outs.
"""

from __future__ import annotations

import io
import zipfile

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.db.tables import ProposalRow, RoundRow
from api.db.tx import read_session
from api.papers.letters import (
    commitment_letter,
    loan_proposal_letter,
    round_letters,
    sale_confirmation,
)
from api.papers.sources import RoundPapers, load_round_papers
from api.web import core, queries
from scenarios import fonts

router = APIRouter(prefix="/web", include_in_schema=False)


@router.get("/fonts/{name}")
def font(name: str) -> Response:
    """The packaged Thai font for the pages' ``@font-face`` (the pages read Thai on a device
    without Thai fonts); only the two font files are served."""
    path = {"Sarabun-Regular.ttf": fonts.REGULAR, "Sarabun-Bold.ttf": fonts.BOLD}.get(name)
    if path is None:
        return Response(status_code=404)
    headers = {"Cache-Control": "public, max-age=86400"}
    return Response(path.read_bytes(), media_type="font/ttf", headers=headers)


@router.get("/round/{round_id}/letters.zip")
def round_letters_zip(request: Request, round_id: core.PageRowId) -> Response:
    """Every letter of a saved round, for the coordinator of its network."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    engine = core.ctx_of(request).engine
    with read_session(engine) as s:
        rnd = s.get(RoundRow, round_id)
    if rnd is None or not queries.may_see(engine, who.principal, rnd.network_id):
        return core.not_found_page(request, who)
    papers = load_round_papers(engine, round_id)
    return core.download(_zip(papers), f"letters-round-{round_id}.zip")


@router.get("/member/letters/{proposal_id}.pdf")
def member_letter(request: Request, proposal_id: core.PageRowId) -> Response:
    """The letter of one of the member coop's own proposals."""
    who = core.signed_in(request, "member")
    if isinstance(who, Response):
        return who
    engine = core.ctx_of(request).engine
    with read_session(engine) as s:
        proposal = s.get(ProposalRow, proposal_id)
    if proposal is None or who.coop_id not in (proposal.supply_coop_id, proposal.demand_coop_id):
        return core.not_found_page(request, who)
    papers = load_round_papers(engine, proposal.round_id)
    data = _letter(papers, proposal_id)
    if data is None:
        return core.not_found_page(request, who)
    return core.download(data, f"letter-{proposal_id}.pdf")


def _letter(papers: RoundPapers, proposal_id: int) -> bytes | None:
    for loan in papers.loans:
        if loan.proposal_id == proposal_id:
            if loan.commitment_id is not None:
                return commitment_letter(papers, loan)
            return loan_proposal_letter(papers, loan)
    for sale in papers.sales:
        if sale.proposal_id == proposal_id:
            return sale_confirmation(papers, sale)
    return None


def _zip(papers: RoundPapers) -> bytes:
    """The letters in one ZIP, dated the round's business date (same bytes every time)."""
    day = papers.business_date
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(round_letters(papers).items()):
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buf.getvalue()
