"""The member's know-how page: its own placements only, Thai first and English, Accept and
Decline once per click, another coop's placement a 404."""

from __future__ import annotations

from datetime import date

from dbfixtures import FakeClock
from webfixtures import Web, token_of

from api.services.knowhow import post_learn, post_teach
from api.services.knowhow_round import run_knowhow_round

DAY = date(2026, 11, 21)
WHERE = {"lat_e5": 1_858_000, "lon_e5": 9_902_000}


def test_learner_and_mentor_accept_once(web: Web, clock: FakeClock) -> None:
    post_teach(web.engine, "C3", "accounting", 1, **WHERE, actor="C3", clock=clock)
    post_learn(web.engine, "C1", "accounting", **WHERE, actor="C1", clock=clock)
    out = run_knowhow_round(
        web.engine, network_id="LPN", business_date=DAY, actor="lamphun-office", clock=clock
    )
    (pid,) = out.proposal_ids

    web.login("C4")
    assert f'id="knowhow-{pid}"' not in web.client.get("/web/member/knowhow").text
    token = token_of(web.client.get("/web/member").text)
    refused = web.client.post(f"/web/member/knowhow/{pid}/accept", data={"form_token": token})
    assert refused.status_code == 404
    web.logout()

    web.login("C1")
    page = web.client.get("/web/member/knowhow").text
    assert f'id="knowhow-{pid}"' in page and "การจับคู่ความรู้ของฉัน" in page
    assert "การบัญชีสหกรณ์" in page  # the topic's Thai name
    en = web.client.get("/web/member/knowhow?lang=en").text
    assert "My know-how placements" in en and "cooperative accounting" in en
    page = web.client.get("/web/member/knowhow?lang=th").text
    url, token = f"/web/member/knowhow/{pid}/accept", token_of(page)
    first = web.client.post(url, data={"form_token": token})
    second = web.client.post(url, data={"form_token": token})
    assert first.status_code == 200 and first.text == second.text  # replayed, not re-run
    assert "คุณตอบรับแล้ว รออีกฝ่าย" in first.text
    web.logout()

    web.login("C3")
    token = token_of(web.client.get("/web/member/knowhow").text)
    answer = web.client.post(url, data={"form_token": token})
    assert answer.status_code == 200 and "ตกลงแล้ว" in answer.text, answer.text


def test_coordinator_runs_the_knowhow_round_from_the_page(web: Web, clock: FakeClock) -> None:
    post_teach(web.engine, "C3", "accounting", 1, **WHERE, actor="C3", clock=clock)
    post_learn(web.engine, "C1", "accounting", **WHERE, actor="C1", clock=clock)
    form = {"network": "LPN", "business_date": "2026-11-21"}

    # A member reaches neither the page nor the form.
    web.login("C1")
    assert web.client.get("/web/knowhow?network=LPN", follow_redirects=False).status_code == 303
    token = token_of(web.client.get("/web/member/knowhow").text)
    refused = web.client.post("/web/knowhow/run", data={**form, "form_token": token},
                              follow_redirects=False)  # fmt: skip
    assert refused.status_code == 303  # to the sign-in page: no round is run
    web.logout()
    # Another province's coordinator gets the 404 page, for the page and for the form.
    web.login("loei-office")
    assert web.client.get("/web/knowhow?network=LPN").status_code == 404
    token = token_of(web.client.get("/web/knowhow").text)
    assert (
        web.client.post("/web/knowhow/run", data={**form, "form_token": token}).status_code == 404
    )
    web.logout()

    web.login("lamphun-office")
    page = web.client.get("/web/knowhow?network=LPN")
    assert page.status_code == 200 and "รันรอบจับคู่ความรู้" in page.text
    assert 'id="network-knowhow"' in page.text and _proposal_ids(page.text) == []
    assert "Run the know-how round" in web.client.get("/web/knowhow?network=LPN&lang=en").text
    form["form_token"] = token_of(page.text)
    first = web.client.post("/web/knowhow/run?lang=th", data=form)
    again = web.client.post("/web/knowhow/run?lang=th", data=form)
    assert first.status_code == 200 and first.text == again.text  # one run per click
    assert 'id="knowhow-outcome"' in first.text and "1 / 1" in first.text
    assert "การบัญชีสหกรณ์" in first.text and "รอตอบรับ" in first.text, first.text
    (pid,) = _proposal_ids(first.text)
    # The page lists the proposal: learner, mentor, topic, distance, answer-by, status.
    page = web.client.get("/web/knowhow?network=LPN&lang=en")
    row = page.text.split(f'id="knowhow-{pid}"')[1].split("</tr>")[0]
    assert "C1" in row and "C3" in row and "cooperative accounting" in row and "0.0" in row

    # Shown again on a fresh token: the stored round, not a new one.
    form["form_token"] = token_of(page.text)
    shown = web.client.post("/web/knowhow/run?lang=en", data=form)
    assert shown.status_code == 200 and "shown again" in shown.text
    assert _proposal_ids(shown.text) == [pid]
    # Run again (new version): the pending proposal is voided and a new one made.
    form["form_token"] = token_of(web.client.get("/web/knowhow?network=LPN").text)
    fresh = web.client.post("/web/knowhow/run?lang=en", data={**form, "new_version": "1"})
    assert fresh.status_code == 200 and "version 2" in fresh.text, fresh.text
    ids = _proposal_ids(fresh.text)
    assert len(ids) == 2 and pid in ids
    assert "Voided" in fresh.text.split(f'id="knowhow-{pid}"')[1].split("</tr>")[0]

    # A bad date names the field, in the page's language; a date out of the window too.
    form["form_token"] = token_of(web.client.get("/web/knowhow?network=LPN").text)
    bad = web.client.post("/web/knowhow/run", data={**form, "business_date": "21/13/2026"})
    assert bad.status_code == 422 and "business_date" in bad.text
    form["form_token"] = token_of(web.client.get("/web/knowhow?network=LPN").text)
    far = web.client.post("/web/knowhow/run?lang=th", data={**form, "business_date": "1990-01-01"})
    assert far.status_code == 422 and "วันทำการ" in far.text, far.text


def _proposal_ids(html: str) -> list[int]:
    import re

    return sorted({int(m) for m in re.findall(r'id="knowhow-(\d+)"', html)})


def test_a_member_withdraws_its_own_posting(web: Web, clock: FakeClock) -> None:
    from sqlmodel import Session, col, select

    from api.db.tables import AuditEventRow
    from api.db.tables_knowhow import KnowhowPostingRow, KnowhowProposalRow

    post_teach(web.engine, "C3", "accounting", 1, **WHERE, actor="C3", clock=clock)
    learn = post_learn(web.engine, "C1", "accounting", **WHERE, actor="C1", clock=clock)
    out = run_knowhow_round(
        web.engine, network_id="LPN", business_date=DAY, actor="lamphun-office", clock=clock
    )
    (pid,) = out.proposal_ids
    url = f"/web/member/knowhow/postings/{learn}/withdraw"

    # Another coop: the confirmation and the post are the 404 page; nothing changes.
    web.login("C4")
    assert web.client.get(url).status_code == 404
    token = token_of(web.client.get("/web/member/knowhow").text)
    assert web.client.post(url, data={"form_token": token}).status_code == 404
    web.logout()

    web.login("C1")
    page = web.client.get("/web/member/knowhow?lang=th").text
    assert f'href="{url}?lang=th"' in page and "ถอนประกาศ" in page
    confirm = web.client.get(f"{url}?lang=en")
    assert confirm.status_code == 200 and "Withdraw this posting?" in confirm.text
    assert web.client.post(url, data={}).status_code == 403  # no form token
    form = {"form_token": token_of(confirm.text)}
    first = web.client.post(f"{url}?lang=th", data=form)
    again = web.client.post(f"{url}?lang=th", data=form)
    assert first.status_code == 200 and first.text == again.text  # once per token
    assert "ถอนประกาศแล้ว" in first.text and "ถอนแล้ว" in first.text
    assert 'class="button withdraw"' not in first.text  # no button on a withdrawn posting
    assert web.client.get(url).status_code == 404  # nothing left to confirm
    with Session(web.engine) as s:
        assert s.get(KnowhowPostingRow, learn).status == "withdrawn"  # type: ignore[union-attr]
        assert s.get(KnowhowProposalRow, pid).status == "voided"  # type: ignore[union-attr]
        events = s.exec(
            select(AuditEventRow).where(col(AuditEventRow.action) == "knowhow_posting.withdrawn")
        ).all()
        assert [(e.entity_id, e.actor) for e in events] == [(learn, "C1")]
    # A later round does not match the withdrawn request.
    again_round = run_knowhow_round(
        web.engine, network_id="LPN", business_date=DAY, actor="lamphun-office",
        new_version=True, clock=clock,
    )  # fmt: skip
    assert again_round.proposal_ids == () and again_round.requests == 0
