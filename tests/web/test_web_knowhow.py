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
