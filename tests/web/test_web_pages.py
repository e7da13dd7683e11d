"""The coordinator's web pages through FastAPI's TestClient: login, Thai by default and the
English switch, tenant isolation, CSRF rejection, idempotent double posts, explanations of
a validated solve, and the Excel / CSV downloads read back."""

from __future__ import annotations

import io
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from http_fixtures import FAST_HASHER
from openpyxl import load_workbook
from sqlalchemy import func, select
from webfixtures import LOEI_NAMES, Web, token_of

from api.db import repo
from api.db.ids import MAX_ROW_ID
from api.db.tables import CoopRow, ProposalLoanRow, ProposalRow, ProposalSaleRow, RoundRow
from api.db.tx import in_write_transaction, read_session
from api.http.app import create_app
from api.http.keys import issue_key, revoke_key
from api.services.loans import with_quoted_interest
from api.services.round.service import RoundParams, load_snapshot, run_round
from api.services.sheets import STATUS_TEXT
from api.settings import Settings
from api.web import round_pages
from api.web.i18n import long_date
from matcher.money import format_baht
from matcher.round.combined import solve_round
from matcher.round.validator import validate_round

DAY = date(2026, 11, 21)
PAGES = ("/web/today", "/web/round", "/web/follow", "/web/scenarios")


def lamphun_names(web: Web, ids: tuple[str, ...]) -> list[str]:
    with read_session(web.engine) as s:
        return [s.get(CoopRow, i).name_th for i in ids]  # type: ignore[union-attr]


def post_round(web: Web, action: str, token: str, **extra: str) -> Any:
    data = {"form_token": token, "network": "LPN", "business_date": DAY.isoformat(), **extra}
    return web.client.post(f"/web/round/{action}", data=data)


def round_count(web: Web) -> int:
    with read_session(web.engine) as s:
        return int(s.execute(select(func.count()).select_from(RoundRow)).scalar_one())


def test_pages_need_a_login(web: Web) -> None:
    for path in PAGES:
        r = web.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/web/login"
    r = web.client.post("/web/round/run", headers={"HX-Request": "true"})
    assert r.status_code == 401 and r.headers["HX-Redirect"] == "/web/login"


def test_login_sets_a_strict_httponly_session_and_refuses_bad_keys(web: Web) -> None:
    page = web.client.get("/web/login")
    assert page.status_code == 200 and "เข้าสู่ระบบ" in page.text
    token = token_of(page.text)
    bad = web.client.post("/web/login", data={"api_key": "cm_x_y", "form_token": token})
    assert bad.status_code == 401 and "คีย์ไม่ถูกต้อง" in bad.text
    admin = issue_key(web.engine, role="admin", principal="root", hasher=FAST_HASHER).token
    refused = web.client.post("/web/login", data={"api_key": admin, "form_token": token})
    assert refused.status_code == 401 and "cm_session" not in refused.headers.get("set-cookie", "")
    no_csrf = web.client.post("/web/login", data={"api_key": web.tokens["loei-office"]})
    assert no_csrf.status_code == 403
    ok = web.client.post(
        "/web/login",
        data={"api_key": web.tokens["lamphun-office"], "form_token": token},
        follow_redirects=False,
    )
    cookie = ok.headers["set-cookie"].lower()
    assert ok.status_code == 303 and "httponly" in cookie and "samesite=strict" in cookie
    assert web.client.get("/web/today").status_code == 200


def test_a_key_with_a_nul_is_refused_like_any_bad_key(web: Web) -> None:
    token = token_of(web.client.get("/web/login").text)
    for key in ("cm_a\x00b_secret", "cm_ab_sec\x00ret", "cm_a\nb_secret"):
        bad = web.client.post("/web/login", data={"api_key": key, "form_token": token})
        assert bad.status_code == 401 and "คีย์ไม่ถูกต้อง" in bad.text


def test_revoking_the_key_ends_the_browser_session(web: Web) -> None:
    web.login("lamphun-office")
    assert web.client.get("/web/today").status_code == 200
    key_id = web.tokens["lamphun-office"].split("_")[1]
    revoke_key(web.engine, key_id)
    assert web.client.get("/web/today", follow_redirects=False).status_code == 303


def test_today_is_thai_by_default_with_an_english_switch(web: Web) -> None:
    web.login("lamphun-office")
    r = web.client.get("/web/today")
    assert r.status_code == 200 and '<html lang="th">' in r.text
    assert long_date(DAY, "th") in r.text and "2569" in r.text
    assert format_baht(1_000_000_00) in r.text  # the seeded offer O1, formatted
    assert all(name in r.text for name in lamphun_names(web, ("C1", "C2", "C3", "C4")))
    assert "ระดับพื้นที่" in r.text and "ระดับจังหวัด" in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    en = web.client.get("/web/today?lang=en")
    assert '<html lang="en">' in en.text and long_date(DAY, "en") in en.text
    assert "Totals per tier" in en.text
    assert '<html lang="en">' in web.client.get("/web/follow").text  # the cookie keeps it
    assert '<html lang="th">' in web.client.get("/web/follow?lang=th").text


def test_another_network_never_appears(web: Web) -> None:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    bodies = [web.client.get(p).text for p in PAGES]
    bodies.append(post_round(web, "run", token).text)
    for fmt in ("csv", "xlsx"):
        for path in ("/web/today", "/web/follow"):
            bodies.append(web.client.get(f"{path}/export.{fmt}").content.decode("latin-1"))
    joined = "\n".join(bodies)
    assert not any(name in joined for name in LOEI_NAMES)
    for path in ("/web/today", "/web/follow", "/web/round"):
        other = web.client.get(f"{path}?network=LOEI")
        assert other.status_code == 404 and not any(n in other.text for n in LOEI_NAMES)
    loei_round = post_round(web, "preview", token_of(bodies[1]), network="LOEI")
    assert loei_round.status_code == 404


def test_an_area_coordinator_sees_only_its_area(web: Web) -> None:
    web.login("lamphun-office")
    run = post_round(web, "run", token_of(web.client.get("/web/round").text))
    round_id = run.text.split("/web/round/")[1].split("/")[0]
    web.logout()
    web.login("area1-office")
    page = web.client.get("/web/today").text
    inside, outside = lamphun_names(web, ("C1", "C2")), lamphun_names(web, ("C3", "C4"))
    assert all(n in page for n in inside) and not any(n in page for n in outside)
    assert web.client.get("/web/today?network=LPN").status_code == 404
    assert web.client.get(f"/web/round/{round_id}/export.xlsx").status_code == 404


def test_posts_without_a_valid_token_are_refused(web: Web) -> None:
    web.login("lamphun-office")
    mine = token_of(web.client.get("/web/round").text)
    web.logout()
    web.login("loei-office")
    other = token_of(web.client.get("/web/round").text)
    web.logout()
    web.login("lamphun-office")
    for token in ("", "abc.def", other, mine[:-2] + "xx"):
        r = post_round(web, "run", token)
        assert r.status_code == 403
    assert web.client.post("/web/scenarios/run", data={"scenario": "loei.yaml"}).status_code == 403
    assert web.client.post("/web/logout").status_code == 403
    assert round_count(web) == 0


def test_a_bad_business_date_is_named_and_changes_nothing(web: Web) -> None:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    r = post_round(web, "run", token, business_date="2026-13-40")
    assert r.status_code == 422 and "business_date" in r.text and "ข้อมูลไม่ถูกต้อง" in r.text
    assert round_count(web) == 0


def test_preview_explains_a_validated_combined_round_and_saves_nothing(web: Web) -> None:
    with read_session(web.engine) as s:
        snap = load_snapshot(s, "LPN", DAY, RoundParams(), True)
    assert snap.round_problem is not None
    expected = solve_round(snap.round_problem, None)
    assert validate_round(snap.round_problem, expected) == []
    web.login("lamphun-office")
    r = post_round(web, "preview", token_of(web.client.get("/web/round").text))
    html = r.text
    assert r.status_code == 200 and round_count(web) == 0
    loans, sales = html.split('id="proposals"')[1], html.split('id="sales"')[1]
    # interest as the saved round will quote it: its repayment schedule's (N4: 4 instalments)
    quoted = with_quoted_interest(expected.liquidity, DAY, snap.repayments)
    assert quoted.proposals != expected.liquidity.proposals
    for p in quoted.proposals:
        assert format_baht(p.amount_satang) in loans and format_baht(p.interest_satang) in loans
    assert expected.produce is not None and expected.produce.matches
    for m in expected.produce.matches:
        paid = m.price_satang_per_unit * m.quantity
        assert format_baht(paid) in sales and f"{m.quantity:,}" in sales
    cleared = [n for n in expected.setoff.notices if n.set_off_satang > 0]
    assert cleared and all(format_baht(n.set_off_satang) in html for n in cleared)
    figures = html.split('id="figures"')[1]
    assert format_baht(expected.summary.debt_cleared_satang) in figures
    assert format_baht(expected.summary.sales_satang) in figures
    short = [e for e in expected.liquidity.explanations if e.state.value != "filled"]
    assert expected.produce is not None
    short += [e for e in expected.produce.explanations if e.state.value != "filled"]
    assert short, "the seed leaves an order short"
    unmatched = html.split('id="unmatched"')[1]
    assert all(e.order_id in unmatched for e in short)
    assert html.count('<line class="loan"') == len(expected.liquidity.proposals)
    assert html.count('<line class="sale"') == len(expected.produce.matches)


def test_a_double_click_runs_the_round_once(web: Web) -> None:
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    answers: list[str] = []

    def click() -> None:
        answers.append(post_round(web, "run", token).text)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    third = post_round(web, "run", token).text
    # each render carries a fresh token, so equal answers prove the action ran once
    assert answers[0] == answers[1] == third and "บันทึกรอบแล้ว" in third
    assert 'id="figures"' in third  # the saved round's input hash matched the solved one
    assert round_count(web) == 1
    fresh = token_of(third)
    assert fresh != token
    again = post_round(web, "run", fresh).text
    assert "รันไปแล้ว" in again and round_count(web) == 1
    assert 'id="figures"' not in again and 'id="proposals"' in again  # the saved tables
    rerun = post_round(web, "run", token_of(again), new_version="1").text
    assert "บันทึกรอบแล้ว" in rerun and 'id="figures"' in rerun and round_count(web) == 2
    with read_session(web.engine) as s:
        first_round = min(s.execute(select(RoundRow.id)).scalars())
        voided = s.execute(select(ProposalRow).where(ProposalRow.round_id == first_round))
        assert {p.status for p in voided.scalars()} == {"voided"}


def test_round_downloads_read_back(web: Web) -> None:
    web.login("lamphun-office")
    run = post_round(web, "run", token_of(web.client.get("/web/round").text))
    round_id = run.text.split("/web/round/")[1].split("/")[0]
    xlsx = web.client.get(f"/web/round/{round_id}/export.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    rows = list(book["proposals"].iter_rows(values_only=True))
    sales = list(book["sales"].iter_rows(values_only=True))
    with read_session(web.engine) as s:
        count = s.get(RoundRow, int(round_id)).proposal_count  # type: ignore[union-attr]
    assert len(rows) - 1 > 0 and len(sales) - 1 > 0 and len(rows) + len(sales) - 2 == count
    names = {r[5] for r in rows[1:]} | {r[8] for r in rows[1:]}
    assert names <= set(lamphun_names(web, ("C1", "C2", "C3", "C4")))
    csv = web.client.get(f"/web/round/{round_id}/export.csv")
    assert csv.content.startswith(b"\xef\xbb\xbf") and csv.content.count(b"\r\n") == len(rows)
    for part, sheet_name in (("sales", "sales"), ("setoffs", "setoffs")):
        part_csv = web.client.get(f"/web/round/{round_id}/export.csv?part={part}").content
        assert part_csv.count(b"\r\n") == book[sheet_name].max_row >= 2
    today = load_workbook(io.BytesIO(web.client.get("/web/today/export.xlsx").content))
    sheet = today.active
    assert sheet is not None
    cells = list(sheet.iter_rows(min_row=2, values_only=True))
    kind = {th: code for code, (th, _en) in STATUS_TEXT.items()}  # kinds are shown in Thai
    money = [c for c in cells if kind[c[4]] in ("liquidity_offer", "liquidity_need", "obligation")]
    goods = [c for c in cells if kind[c[4]] in ("stock_lot", "purchase_order")]
    assert money and all(isinstance(c[5], int | float) for c in money)  # numbers, not text
    assert goods and all(isinstance(c[6], int) and c[5] is None for c in goods)
    nets = ["LPN", "LPN-A1", "LPN-A2"]
    with read_session(web.engine) as s:
        still_open = repo.open_liquidity_orders(s, nets, DAY)
        owed = repo.open_obligation_orders(s, nets)
        lots, wanted = repo.open_produce_orders(s, nets, DAY)
    expected = {o.id for o in still_open if o.available > 0} | {o.id for o in owed}
    expected |= {x.id for x in lots} | {x.id for x in wanted}
    assert {c[3] for c in cells} == expected
    assert web.client.get("/web/round/999/export.xlsx").status_code == 404


def test_an_id_no_row_can_have_answers_like_a_missing_one(web: Web) -> None:
    web.login("lamphun-office")
    missing = web.client.get("/web/round/999/export.csv")
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    for round_id in (MAX_ROW_ID + 1, 2**63, 10**23):
        for fmt in ("csv", "xlsx"):
            r = web.client.get(f"/web/round/{round_id}/export.{fmt}")
            assert r.status_code == 404, r.text
            assert r.headers["content-type"] == missing.headers["content-type"]
    web.logout()
    web.login("C2")
    token = token_of(member_rows(web))
    for proposal_id in (MAX_ROW_ID + 1, 10**23):
        url = f"/web/member/proposals/{proposal_id}/accept"
        r = web.client.post(url, data={"form_token": token})
        assert r.status_code == 404 and "ไม่พบข้อมูล" in r.text, r.text


def _accept_over_api(web: Web, proposal: ProposalRow) -> None:
    for who in (proposal.demand_coop_id, proposal.supply_coop_id):
        r = web.client.post(
            f"/v1/proposals/{proposal.id}/accept",
            headers={
                "Authorization": f"Bearer {web.tokens[who]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        assert r.status_code == 200, r.text


def test_follow_up_after_members_accept(web: Web) -> None:
    web.login("lamphun-office")
    post_round(web, "run", token_of(web.client.get("/web/round").text))
    with read_session(web.engine) as s:
        rows = s.execute(
            select(ProposalRow, ProposalLoanRow, ProposalSaleRow)
            .outerjoin(ProposalLoanRow, ProposalLoanRow.proposal_id == ProposalRow.id)
            .outerjoin(ProposalSaleRow, ProposalSaleRow.proposal_id == ProposalRow.id)
            .order_by(ProposalRow.id)
        ).all()
    loan = next(r for r in rows if r[1] is not None)
    sale = next(r for r in rows if r[2] is not None)
    _accept_over_api(web, loan[0])
    _accept_over_api(web, sale[0])
    page = web.client.get("/web/follow").text
    ledger = page.split('id="ledger"')[1].split("</table>")[0]
    assert ledger.count('<tr class="loan">') == 1 and ledger.count('<tr class="sale">') == 1
    assert format_baht(loan[0].amount) in ledger
    assert format_baht(sale[2].price_satang_per_unit * sale[0].amount) in ledger
    due = loan[0].created_at.date() + timedelta(days=loan[1].term_days)
    assert long_date(due, "th") in ledger or loan[0].demand_order_id == "N4"  # N4: instalments
    committed = page.split('class="status-committed"')[1].split("</section>")[0]
    assert committed.count("<tr class=") == 2 and "(2)" in committed


def test_scenario_form_names_the_bad_field_and_runs_a_small_monte_carlo(web: Web) -> None:
    web.login("lamphun-office")
    page = web.client.get("/web/scenarios").text
    bad = web.client.post(
        "/web/scenarios/run",
        data={"form_token": token_of(page), "scenario": "loei.yaml", "runs": "99"},
    )
    assert bad.status_code == 422 and "runs: &#39;99&#39; is not" in bad.text
    ok = web.client.post(
        "/web/scenarios/run",
        data={"form_token": token_of(bad.text), "scenario": "lamphun-2555.yaml", "runs": "1",
              "days": "3", "seed": "1", "idle_pct": "70"},
    )  # fmt: skip
    assert ok.status_code == 200, ok.text
    assert 'id="policies"' in ok.text and "data:image/png;base64," in ok.text
    csv = web.client.get(
        "/web/scenarios/export.csv?scenario=lamphun-2555.yaml&runs=1&days=3&seed=1&idle_pct=70"
    )
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert csv.status_code == 200 and len(lines) == ok.text.count("<tr>")


@pytest.mark.parametrize("path", ["/web/static/htmx.min.js", "/web/static/style.css"])
def test_static_files_are_served_from_the_package(web: Web, path: str) -> None:
    r = web.client.get(path)
    assert r.status_code == 200 and len(r.content) > 1000


def _setoff(web: Web, round_id: int, debtor: str, creditor: str, amount: int) -> None:
    """A set-off notice as a round writes it (the order is the cleared obligation)."""
    from api.db.tables import CommitmentSetoffRow, OrderRow

    now = datetime(2026, 11, 21, 1, tzinfo=UTC)

    def work(s: Any) -> None:
        oid = f"OB-{debtor}-{round_id}"
        s.add(OrderRow(id=oid, kind="obligation", coop_id=debtor, unit="satang", amount=amount,
                       status="open", created_at=now, updated_at=now))  # fmt: skip
        s.flush()
        s.add(CommitmentSetoffRow(round_id=round_id, obligation_order_id=oid,
                                  debtor_coop_id=debtor, creditor_coop_id=creditor,
                                  amount_satang=amount // 2, remaining_satang=amount - amount // 2,
                                  business_date=DAY, committed_at=now))  # fmt: skip

    in_write_transaction(web.engine, work)


def test_setoff_notices_of_the_network_only(web: Web) -> None:
    web.login("lamphun-office")
    post_round(web, "run", token_of(web.client.get("/web/round").text))
    loei = run_round(web.engine, network_id="LOEI", business_date=DAY, actor="loei-office")
    with read_session(web.engine) as s:
        mine = s.execute(select(RoundRow.id).where(RoundRow.network_id == "LPN")).scalar_one()
    _setoff(web, int(mine), "C2", "C3", 123_456_78)
    _setoff(web, loei.round_id, "L1", "L2", 98_765_43)
    page = web.client.get("/web/follow").text
    section = page.split('id="setoffs"')[1]
    assert format_baht(61_728_39) in section and format_baht(123_456_78 - 61_728_39) in section
    assert all(n in section for n in lamphun_names(web, ("C2", "C3")))
    assert format_baht(98_765_43 // 2) not in page and not any(n in page for n in LOEI_NAMES)


def member_rows(web: Web) -> str:
    page = web.client.get("/web/member")
    assert page.status_code == 200
    return page.text


def test_a_double_click_across_two_workers_runs_the_action_once(
    web: Web, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server processes (two apps: their own in-process replay, one database, one web
    secret) get the two posts of one "run a new version" form: the version is made once,
    whether the second post comes while the first is running or after it."""
    settings = Settings(database_url="sqlite://", web_secret="shared-by-both-workers-" + "s" * 16)
    apps = [create_app(settings, engine=web.engine, clock=clock) for _ in range(2)]
    first, second = (TestClient(a, raise_server_exceptions=False) for a in apps)
    running, real_run = threading.Event(), round_pages.run_round

    def slow_run(*args: Any, **kwargs: Any) -> Any:
        running.set()
        time.sleep(0.3)  # long enough for the other worker's post to find the key in flight
        return real_run(*args, **kwargs)

    with first, second:
        Web(apps[0], first, web.engine, web.tokens).login("lamphun-office")
        second.cookies = first.cookies  # the same browser session, signed by the same secret
        saved = post_round(
            Web(apps[0], first, web.engine), "run", token_of(first.get("/web/round").text)
        )
        assert "บันทึกรอบแล้ว" in saved.text and round_count(web) == 1
        monkeypatch.setattr(round_pages, "run_round", slow_run)
        token, answers = token_of(saved.text), {}

        def click(name: str, client: TestClient) -> None:
            answers[name] = post_round(
                Web(apps[0], client, web.engine), "run", token, new_version="1"
            )

        clicks = [threading.Thread(target=click, args=("first", first))]
        clicks[0].start()
        assert running.wait(10)
        clicks.append(threading.Thread(target=click, args=("second", second)))
        clicks[1].start()
        for th in clicks:
            th.join()
        late = post_round(Web(apps[1], second, web.engine), "run", token, new_version="1")
    assert answers["first"].status_code == answers["second"].status_code == late.status_code == 200
    assert answers["first"].text == answers["second"].text == late.text
    assert "บันทึกรอบแล้ว" in late.text and round_count(web) == 2


def test_members_accept_in_their_own_page_once(web: Web) -> None:
    web.login("lamphun-office")
    post_round(web, "run", token_of(web.client.get("/web/round").text))
    web.logout()
    web.login("C2")
    page = member_rows(web)
    assert web.client.get("/web/today", follow_redirects=False).status_code == 303  # not C2's
    with read_session(web.engine) as s:
        mine = [p for p in s.execute(select(ProposalRow)).scalars() if "C2" in
                (p.supply_coop_id, p.demand_coop_id)]  # fmt: skip
        others = [p for p in s.execute(select(ProposalRow)).scalars() if p not in mine]
    assert mine and others
    assert all(f'id="proposal-{p.id}"' in page for p in mine)
    assert not any(f'id="proposal-{p.id}"' in page for p in others)
    target, token = mine[0], token_of(page)
    url = f"/web/member/proposals/{target.id}/accept"
    first = web.client.post(url, data={"form_token": token})
    second = web.client.post(url, data={"form_token": token})
    assert first.status_code == 200 and first.text == second.text  # replayed, not re-run
    assert "ตอบรับแล้ว รออีกฝ่าย" in first.text
    other = others[0]
    refused = web.client.post(
        f"/web/member/proposals/{other.id}/accept", data={"form_token": token}
    )
    assert refused.status_code == 404
    with read_session(web.engine) as s:
        assert s.get(ProposalRow, other.id).demand_accepted_at is None  # type: ignore[union-attr]
        assert s.get(ProposalRow, other.id).supply_accepted_at is None  # type: ignore[union-attr]
    web.logout()
    lender = target.supply_coop_id
    web.login(lender)
    r = web.client.post(
        f"/web/member/proposals/{target.id}/accept", data={"form_token": token_of(member_rows(web))}
    )
    assert r.status_code == 200 and "ตอบรับแล้ว" in r.text and 'class="primary accept"' not in r.text
    with read_session(web.engine) as s:
        assert s.get(ProposalRow, target.id).status == "committed"  # type: ignore[union-attr]


def test_member_posts_need_the_token_and_a_member_session(web: Web) -> None:
    web.login("lamphun-office")
    post_round(web, "run", token_of(web.client.get("/web/round").text))
    coordinator_token = token_of(web.client.get("/web/round").text)
    assert web.client.post(
        "/web/member/proposals/1/accept", data={"form_token": coordinator_token},
        follow_redirects=False,
    ).status_code == 303  # fmt: skip
    web.logout()
    web.login("C2")
    assert web.client.post("/web/member/proposals/1/accept", data={}).status_code == 403
    with read_session(web.engine) as s:
        accepted = [p for p in s.execute(select(ProposalRow)).scalars()
                    if p.supply_accepted_at or p.demand_accepted_at]  # fmt: skip
    assert accepted == []


def test_a_coordinator_of_two_networks_switches_between_them(web: Web) -> None:
    from api.db.tables import CoordinatorRow

    in_write_transaction(
        web.engine, lambda s: s.add(CoordinatorRow(network_id="LOEI", principal="lamphun-office"))
    )
    web.login("lamphun-office")
    lamphun = web.client.get("/web/today?network=LPN").text
    assert '<option value="LOEI"' in lamphun and '<option value="LPN" selected' in lamphun
    assert not any(n in lamphun for n in LOEI_NAMES)
    loei = web.client.get("/web/today?network=LOEI")
    assert loei.status_code == 200 and all(n in loei.text for n in LOEI_NAMES)
    assert not any(n in loei.text for n in lamphun_names(web, ("C1", "C2", "C3", "C4")))
