"""The payments page (coordinator and member) and the declined pairs page: open debts with due
dates, overdue ones highlighted with days past due, a cash payment recorded through the same
service as /v1 (ledger and audit), one payment for a double click, bad fields named with
nothing recorded, and nobody sees or pays another network's or another coop's debt; the
coordinator sees its network's declines and asks for a pair to be proposed again."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from webfixtures import Web, token_of, without_tokens

from api.db.tables import AuditEventRow, OrderRow
from api.db.tables_round import CashPaymentRow, DeclinedPairRow
from api.db.tx import read_session
from api.services.proposals import decline_proposal
from api.services.round.service import run_round

LATER = "2026-11-28"  # the seed's debts fell due on 2026-11-21: 7 days past due


def _payments() -> Any:
    return select(func.count()).select_from(CashPaymentRow)


def _count(web: Web, stmt: Any) -> int:
    with read_session(web.engine) as s:
        return int(s.execute(stmt).scalar_one())


def _row(html: str, debt: str) -> str:
    return html.split(f'id="debt-{debt}"')[1].split("</tr>")[0]


def _pay(web: Web, url: str, page: str, **fields: str) -> Any:
    """Post the payment form of ``page`` (its token: one post per page, as a browser)."""
    data = {"form_token": token_of(page), "paid_on": "2026-11-28", "amount": ""} | fields
    return web.client.post(url, data=data)


def test_coordinator_sees_overdue_and_records_payments(web: Web) -> None:
    web.login("lamphun-office")
    page = web.client.get(f"/web/debts?network=LPN&as_of={LATER}").text
    assert "ชำระหนี้และหนี้ค้างชำระ" in page and "28 พฤศจิกายน 2569" in page
    assert 'id="debt-D23" class="overdue"' in page
    assert "เกินกำหนด 7" in _row(page, "D23") and "200,000.00" in _row(page, "D23")
    assert "ยังไม่ถึงกำหนด" in _row(page, "D21")  # due 40 days later
    en = web.client.get(f"/web/debts?network=LPN&as_of={LATER}&lang=en").text
    assert "Payments and overdue debts" in en and "Overdue 7" in _row(en, "D23")
    # bad fields: named, nothing recorded
    for fields, name in [
        ({"obligation_id": "D23", "amount": "abc"}, "amount"),
        ({"obligation_id": "D23", "amount": "1.234"}, "amount"),
        ({"obligation_id": "D23", "amount": "999999999.00"}, "amount"),
        ({"obligation_id": "D23", "amount": "0"}, "amount"),
        ({"obligation_id": "D23", "paid_on": "2569-11-28"}, "paid_on"),
        ({"obligation_id": "D23", "paid_on": "tomorrow"}, "paid_on"),
        ({"obligation_id": "LN1"}, "obligation_id"),  # Loei's order: not a debt here
        ({"obligation_id": "nope"}, "obligation_id"),
    ]:
        page = web.client.get(f"/web/debts?network=LPN&as_of={LATER}&lang=th").text
        r = _pay(web, "/web/debts?lang=th", page, network="LPN", **fields)
        assert r.status_code == 422 and name in r.text and "ยังไม่ได้บันทึก" in r.text, (fields, r.text)
    assert _count(web, _payments()) == 0
    page = web.client.get(f"/web/debts?network=LPN&as_of={LATER}").text
    # a partial payment, posted twice with the same form (a double click): one payment
    first = _pay(
        web, "/web/debts?lang=th", page, network="LPN", obligation_id="D23", amount="50,000.00"
    )
    again = _pay(
        web, "/web/debts?lang=th", page, network="LPN", obligation_id="D23", amount="50,000.00"
    )
    assert first.status_code == again.status_code == 200 and first.text == again.text
    assert "บันทึกการชำระแล้ว" in first.text and "150,000.00" in first.text
    assert _count(web, _payments()) == 1
    # the rest, amount left empty: paid in full, no longer listed
    page = web.client.get("/web/debts?network=LPN&lang=en").text
    r = _pay(web, "/web/debts?lang=en", page, network="LPN", obligation_id="D23")
    assert r.status_code == 200 and "settled in full" in r.text and 'id="debt-D23"' not in r.text
    with read_session(web.engine) as s:
        assert s.get(OrderRow, "D23").status == "filled"  # type: ignore[union-attr]
        paid = s.execute(select(AuditEventRow).where(AuditEventRow.action == "debt.paid")).all()
    assert len(paid) == 2


def test_member_pays_only_its_own_debts(web: Web) -> None:
    web.login("C1")
    page = web.client.get(f"/web/member/debts?as_of={LATER}").text
    assert "หนี้ของสหกรณ์" in page
    assert re.findall(r'id="debt-([^"]+)"', page) == ["D21"]  # owed to C1 by C2
    r = _pay(web, "/web/member/debts", page, obligation_id="D23", amount="1.00")
    assert r.status_code == 422 and "obligation_id" in r.text
    assert _count(web, _payments()) == 0
    assert web.client.get("/web/declines", follow_redirects=False).status_code == 303
    web.logout()
    web.login("C2")
    page = web.client.get(f"/web/member/debts?as_of={LATER}&lang=en").text
    assert set(re.findall(r'id="debt-([^"]+)"', page)) == {"D23", "D42", "D21"}
    assert "Overdue 7" in _row(page, "D42") and "Not yet due" in _row(page, "D21")
    r = _pay(web, "/web/member/debts?lang=en", page, obligation_id="D23", amount="10.00")
    assert r.status_code == 200 and "Payment recorded" in r.text, r.text
    assert _count(web, _payments()) == 1
    # a member has no coordinator's page
    assert web.client.get("/web/debts", follow_redirects=False).status_code == 303


def test_other_networks_see_and_pay_nothing(web: Web) -> None:
    web.login("loei-office")
    assert web.client.get("/web/debts?network=LPN").status_code == 404
    page = web.client.get(f"/web/debts?network=LOEI&as_of={LATER}").text
    assert "D23" not in without_tokens(page) and "200,000.00" not in page
    r = _pay(web, "/web/debts", page, network="LPN", obligation_id="D23", amount="1.00")
    assert r.status_code == 404
    page = web.client.get("/web/debts?network=LOEI").text
    r = _pay(web, "/web/debts", page, network="LOEI", obligation_id="D23", amount="1.00")
    assert r.status_code == 422 and "obligation_id" in r.text
    assert _count(web, _payments()) == 0
    bad = {"form_token": "x.y", "network": "LOEI", "obligation_id": "D23", "paid_on": LATER}
    assert web.client.post("/web/debts", data=bad).status_code == 403


def test_coordinator_sees_declines_and_asks_for_a_pair_again(web: Web, clock) -> None:  # type: ignore[no-untyped-def]
    run_round(web.engine, network_id="LPN", business_date=date(2026, 11, 21),
              actor="lamphun-office", clock=clock)  # fmt: skip
    with read_session(web.engine) as s:
        p = s.execute(
            select(OrderRow.id).where(OrderRow.kind == "liquidity_need").order_by(OrderRow.id)
        ).first()
        from api.db.tables import ProposalRow

        proposal = (
            s.execute(select(ProposalRow).where(ProposalRow.kind == "loan")).scalars().first()
        )
    assert p is not None and proposal is not None
    decline_proposal(web.engine, int(proposal.id or 0), proposal.demand_coop_id,
                     clock=clock, reason="rate too high")  # fmt: skip
    web.login("lamphun-office")
    page = web.client.get("/web/declines?network=LPN").text
    row = page.split(f'id="decline-{proposal.id}"')[1].split("</tr>")[0]
    assert proposal.supply_order_id in row and proposal.demand_order_id in row
    assert "rate too high" in row and "ไม่เสนอซ้ำ" in row and proposal.demand_coop_id in row
    en = web.client.get("/web/declines?network=LPN&lang=en").text
    assert "Declined pairs" in en and "Not proposed again" in en
    url = f"/web/declines/{proposal.id}/again"
    # Loei's coordinator neither sees nor forgets Lamphun's declines
    web.logout()
    web.login("loei-office")
    assert web.client.get("/web/declines?network=LPN").status_code == 404
    loei = web.client.get("/web/declines?network=LOEI").text
    assert proposal.demand_order_id not in loei
    data = {"form_token": token_of(loei), "network": "LOEI"}
    assert web.client.post(url, data=data).status_code == 404
    assert web.client.post("/web/declines/abc/again", data=data).status_code == 404
    web.logout()
    web.login("lamphun-office")
    page = web.client.get("/web/declines?network=LPN").text
    data = {"form_token": token_of(page), "network": "LPN"}
    first, second = web.client.post(url, data=data), web.client.post(url, data=data)
    assert first.status_code == second.status_code == 200 and first.text == second.text
    assert "รอบถัดไปเสนอคู่นี้ได้อีก" in first.text and "เสนอใหม่ได้ตั้งแต่" in first.text
    with read_session(web.engine) as s:
        pair = s.execute(select(DeclinedPairRow)).scalars().one()
        events = s.execute(
            select(AuditEventRow).where(AuditEventRow.action == "decline.forgotten")
        ).all()
    assert pair.cleared_at is not None and len(events) == 1
    fresh = web.client.get("/web/declines?network=LPN").text
    r = web.client.post(url, data={"form_token": token_of(fresh), "network": "LPN"})
    assert r.status_code == 409 and "เสนอใหม่ได้อยู่แล้ว" in r.text
