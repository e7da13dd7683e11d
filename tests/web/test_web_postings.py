"""The member's know-how postings and start-up capital need on the web: the forms render in
Thai and English, a good post is stored once per click for the member's own coop, bad input
comes back naming the field with what was typed, the network policy's refusals sit beside
their field, another coop or another network's coordinator sees nothing, and the start-up
proposal the fund's round makes is answered on the member's proposal page by the coop and by
the fund's account (two-phase, as every loan)."""

from __future__ import annotations

from datetime import date

from dbfixtures import FakeClock
from http_fixtures import FAST_HASHER
from sqlalchemy import func, select
from sqlmodel import Session, col
from webfixtures import Web, token_of, without_tokens

from api.db.tables import OrderRow, ProposalRow
from api.db.tables_knowhow import KnowhowPostingRow
from api.db.tables_startup import StartupNeedRow
from api.db.tx import in_write_transaction
from api.http.keys import issue_key
from api.services.members import CoopSpec, NetworkSpec, upsert_members
from api.services.round.kinds import STARTUP, run_round_of_kind
from api.services.round.policy import set_policy
from matcher.domain import NetworkLevel

DAY = date(2026, 11, 21)
FUND = {"account_id": "THAI-FUND", "balance_satang": 3_000_000_00, "rate_bps": 300,
        "max_term_days": 3650}  # fmt: skip
TERMS = {"businesses": ["fuel_station", "kite_factory"], "coop_kinds": ["agricultural"],
         "max_per_coop_satang": 2_000_000_00, "max_term_days": 1826, "rate_bps": 200}  # fmt: skip


def _postings(web: Web, coop: str) -> list[KnowhowPostingRow]:
    with Session(web.engine) as s:
        rows = s.execute(
            select(KnowhowPostingRow).where(col(KnowhowPostingRow.coop_id) == coop)
        ).scalars()
        return list(rows)


def _startup_count(web: Web) -> int:
    with Session(web.engine) as s:
        return int(s.execute(select(func.count()).select_from(StartupNeedRow)).scalar_one())


def _post(web: Web, url: str, page: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    form = {"form_token": token_of(web.client.get(page).text), **data}
    return web.client.post(url, data=form), form


def test_a_member_posts_what_it_teaches_and_wants_to_learn(web: Web) -> None:
    for page in ("/web/member/knowhow/new", "/web/member/startup/new", "/web/knowhow"):
        assert web.client.get(page, follow_redirects=False).status_code == 303  # log in first
    web.login("C1")
    assert web.client.get("/web/knowhow", follow_redirects=False).status_code == 303  # no member
    page = web.client.get("/web/member/knowhow/new?side=teach")
    assert page.status_code == 200 and "ลงสิ่งที่สอนได้" in page.text
    assert "การบัญชีสหกรณ์" in page.text and "รับผู้เรียนได้" in page.text
    en = web.client.get("/web/member/knowhow/new?side=learn&lang=en").text
    assert "Post what we want to learn" in en and "Farthest to travel (km)" in en
    assert web.client.get("/web/member/knowhow/new?side=gossip").status_code == 404

    # Bad input: each error names its field (Thai, then English) and keeps what was typed.
    url = "/web/member/knowhow/new?lang=th"
    bad, _ = _post(web, url, "/web/member/knowhow/new?side=teach",
                   {"side": "teach", "topic": "accounting", "capacity": "0"})  # fmt: skip
    assert bad.status_code == 422
    assert "รับผู้เรียนได้ (ราย ต่อฤดูกาล): ต้องไม่น้อยกว่า 1" in bad.text
    assert 'value="0"' in bad.text and 'value="accounting" selected' in bad.text
    en_url, learn_page = "/web/member/knowhow/new?lang=en", "/web/member/knowhow/new?side=learn"
    far = {"side": "learn", "topic": "egg_grading", "max_distance_km": "99999"}
    bad, _ = _post(web, en_url, learn_page, far)
    assert bad.status_code == 422 and "Farthest to travel (km): at most 5000" in bad.text
    assert 'value="99999"' in bad.text
    # A topic outside the maintained list (not offered by the form, but posted): the
    # service's refusal sits beside the topic.
    bad, _ = _post(web, en_url, learn_page,
                   {"side": "learn", "topic": "astrology", "max_distance_km": "80"})  # fmt: skip
    assert bad.status_code == 422 and "Topic: " in bad.text, bad.text
    assert _postings(web, "C1") == []

    # A good post is stored once however often the same form is sent; a coop_id field is
    # never read: the coop is the session's.
    ok, form = _post(web, url, "/web/member/knowhow/new?side=teach",
                     {"side": "teach", "topic": "accounting", "capacity": "3",
                      "coop_id": "C3"})  # fmt: skip
    again = web.client.post(url, data=form)
    assert ok.status_code == 200 and again.text == ok.text
    assert "บันทึกแล้ว" in ok.text and 'id="member-postings"' in ok.text
    learn, _ = _post(web, url, learn_page, {**far, "max_distance_km": "80"})
    assert learn.status_code == 200
    rows = sorted(_postings(web, "C1"), key=lambda p: p.side)
    assert [(p.side, p.topic, p.capacity, p.max_distance_m) for p in rows] == [
        ("learn", "egg_grading", 1, 80_000), ("teach", "accounting", 3, 100_000)
    ]  # fmt: skip
    assert rows[0].lat_e5 > 0  # the coop's district point (the coop has no coordinates)
    assert _postings(web, "C3") == []
    mine = web.client.get("/web/member/knowhow?lang=th").text
    assert "สอนได้" in mine and "ต้องการเรียนรู้" in mine
    web.logout()

    # Another coop neither sees C1's postings nor posts with C1's form token.
    web.login("C4")
    theirs = without_tokens(web.client.get("/web/member/knowhow").text)
    assert all(f"posting-{p.id}" not in theirs for p in rows)
    stolen = web.client.post(url, data=form)
    assert stolen.status_code == 403
    web.logout()

    # Coordinators see the postings of their network; another province's does not.
    web.login("lamphun-office")
    net = web.client.get("/web/knowhow?network=LPN")
    assert net.status_code == 200 and all(f"posting-{p.id}" in net.text for p in rows)
    web.logout()
    web.login("loei-office")
    assert web.client.get("/web/knowhow?network=LPN").status_code == 404
    assert all(f"posting-{p.id}" not in web.client.get("/web/knowhow").text for p in rows)


def _fund_network(web: Web, clock: FakeClock) -> None:
    """A national network THAI whose joint fund lends start-up capital to its coop T1."""
    nets = [NetworkSpec("THAI", "เครือข่ายระดับชาติ", NetworkLevel.NATIONAL,
                        coordinator="thai-office")]  # fmt: skip
    coops = [CoopSpec("T1", "สหกรณ์การเกษตรทดลองปั๊ม", "THAI", district_code="5104")]
    in_write_transaction(web.engine, lambda s: upsert_members(s, nets, coops, clock(), "seed"))
    set_policy(web.engine, "THAI", {"joint_fund": FUND, "startup_capital": TERMS},
               actor="thai-office", clock=clock)  # fmt: skip
    web.tokens["T1"] = issue_key(web.engine, role="member", coop_id="T1",
                                 hasher=FAST_HASHER).token  # fmt: skip
    web.tokens["thai-office"] = issue_key(web.engine, role="coordinator", principal="thai-office",
                                          hasher=FAST_HASHER).token  # fmt: skip


def test_a_member_asks_its_fund_for_start_up_capital(web: Web, clock: FakeClock) -> None:
    _fund_network(web, clock)
    new, url = "/web/member/startup/new", "/web/member/startup/new?lang=th"
    good = {"business": "fuel_station", "amount": "1,500,000", "rate": "2.50",
            "term_days": "1826", "repayment": "equal", "instalments": "60"}  # fmt: skip

    web.login("C1")  # Lamphun has no joint fund above it: refused for the form as a whole
    page = web.client.get(new).text
    assert "ขอทุนเริ่มต้นธุรกิจ" in page and "ยังไม่ได้กำหนดธุรกิจ" in page
    refused, _ = _post(web, url, new, good)
    assert refused.status_code == 422 and "ไม่มีกองทุนร่วมเหนือสหกรณ์นี้" in refused.text
    web.logout()

    web.login("T1")
    page = web.client.get(f"{new}?lang=th").text
    # A business of the list by its Thai or English name; one it does not know by its code.
    assert '<option value="fuel_station">สถานีบริการน้ำมัน</option>' in page
    assert '<option value="kite_factory">kite_factory</option>' in page
    en = web.client.get(f"{new}?lang=en").text
    assert "Ask for start-up capital" in en and "Business to start" in en
    assert '<option value="fuel_station">Fuel station</option>' in en
    # The schema: a bad amount is named and kept.
    bad, _ = _post(web, url, new, {**good, "amount": "lots"})
    assert bad.status_code == 422 and "จำนวนเงิน (บาท): " in bad.text and 'value="lots"' in bad.text
    # The policy: a rate below the fund's, a term beyond it, each beside its field.
    bad, _ = _post(web, "/web/member/startup/new?lang=en", new,
                   {**good, "rate": "1.00", "term_days": "4000", "instalments": "60"})  # fmt: skip
    assert bad.status_code == 422
    assert "Interest rate (% a year): below the fund&#39;s start-up rate" in bad.text, bad.text
    assert "Term (days): longer than the policy" in bad.text and 'value="4000"' in bad.text
    assert _startup_count(web) == 0

    ok, form = _post(web, url, new, good)
    again = web.client.post(url, data=form)
    assert ok.status_code == 200 and ok.text == again.text and "ส่งคำขอทุนเริ่มต้นธุรกิจแล้ว" in ok.text
    assert _startup_count(web) == 1
    with Session(web.engine) as s:
        (need,) = s.execute(
            select(OrderRow).join(StartupNeedRow, col(StartupNeedRow.order_id) == col(OrderRow.id))
        ).scalars()
        assert need.coop_id == "T1" and need.amount == 1_500_000_00
    web.logout()

    # The coordinator of THAI sees it; Lamphun's does not.
    web.login("thai-office")
    listed = web.client.get("/web/knowhow?network=THAI&lang=th").text
    assert f'id="startup-{need.id}"' in listed
    row = listed.split(f'id="startup-{need.id}"')[1].split("</tr>")[0]
    assert "สถานีบริการน้ำมัน" in row and "fuel_station" not in row
    listed = web.client.get("/web/knowhow?network=THAI&lang=en").text
    assert "Fuel station" in listed.split(f'id="startup-{need.id}"')[1].split("</tr>")[0]
    web.logout()
    web.login("lamphun-office")
    assert web.client.get("/web/knowhow?network=THAI").status_code == 404
    web.logout()

    # The fund's start-up round proposes a loan; T1 answers it on its proposal page.
    ran = run_round_of_kind(web.engine, STARTUP, network_id="THAI", business_date=DAY,
                            actor="thai-office", clock=clock)  # fmt: skip
    (pid,) = ran.startup.proposal_ids  # type: ignore[union-attr]
    web.login("T1")
    page = web.client.get("/web/member").text
    assert f'id="proposal-{pid}"' in page
    answer = web.client.post(f"/web/member/proposals/{pid}/accept",
                             data={"form_token": token_of(page)})  # fmt: skip
    assert answer.status_code == 200, answer.text
    web.logout()
    # The fund's account answers for the fund on the same page: the loan is committed.
    web.tokens["THAI-FUND"] = issue_key(web.engine, role="member", coop_id="THAI-FUND",
                                        hasher=FAST_HASHER).token  # fmt: skip
    web.login("THAI-FUND")
    page = web.client.get("/web/member").text
    answer = web.client.post(f"/web/member/proposals/{pid}/accept",
                             data={"form_token": token_of(page)})  # fmt: skip
    assert answer.status_code == 200, answer.text
    with Session(web.engine) as s:
        assert s.get(ProposalRow, pid).status == "committed"  # type: ignore[union-attr]
    web.logout()
    web.login("C1")
    assert f'id="proposal-{pid}"' not in without_tokens(web.client.get("/web/member").text)
