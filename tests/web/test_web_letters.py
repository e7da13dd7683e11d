"""Letters on the web: the coordinator's ZIP of a round's letters, a member's letter of its
own proposal; another network's round and another coop's proposal are the uniform 404."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import select
from webfixtures import Web, token_of

from api.db.tables import ProposalRow
from api.db.tx import read_session


def run_round(web: Web) -> int:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    data = {"form_token": token, "network": "LPN", "business_date": "2026-11-21"}
    r = web.client.post("/web/round/run", data=data)
    assert "/letters.zip" in r.text  # the page links the letters
    return int(r.text.split("/web/round/")[1].split("/")[0])


def test_coordinator_gets_every_letter_of_the_round(web: Web) -> None:
    round_id = run_round(web)
    r = web.client.get(f"/web/round/{round_id}/letters.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    names = archive.namelist()
    assert "round-summary.pdf" in names and any(n.startswith("loan-proposal-") for n in names)
    assert all(archive.read(n).startswith(b"%PDF") for n in names)
    assert web.client.get(f"/web/round/{round_id}/letters.zip").content == r.content
    web.logout()
    web.login("loei-office")
    assert web.client.get(f"/web/round/{round_id}/letters.zip").status_code == 404
    assert web.client.get("/web/round/999/letters.zip").status_code == 404


def test_member_gets_the_letter_of_its_own_proposal_only(web: Web) -> None:
    run_round(web)
    web.logout()
    with read_session(web.engine) as s:
        proposals = list(s.execute(select(ProposalRow)).scalars())
    mine = next(p for p in proposals if "C1" in (p.supply_coop_id, p.demand_coop_id))
    other = next(p for p in proposals if "C1" not in (p.supply_coop_id, p.demand_coop_id))
    web.login("C1")
    page = web.client.get("/web/member").text
    assert f"/web/member/letters/{mine.id}.pdf" in page
    r = web.client.get(f"/web/member/letters/{mine.id}.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert r.headers["content-type"] == "application/pdf"
    assert web.client.get(f"/web/member/letters/{other.id}.pdf").status_code == 404
    assert web.client.get("/web/member/letters/999999.pdf").status_code == 404
