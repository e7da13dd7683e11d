"""A member's work on the web: post an order of every kind, amend and cancel it, see a
proposal's full terms (a loan's schedule, a sale's delivery and payment) before accepting,
and decline behind a confirmation with a reason.

Oracles outside the production path: the schedule on the page is checked against a
schedule recomputed here from the proposal's rows (simple interest Actual/365, half-even,
per instalment), the orders and proposals against the database rows; every refused form
must leave the database exactly as it was.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import func, select
from test_web_phone import saved_round
from webfixtures import Web, token_of, without_tokens

from api.db.tables import (
    AuditEventRow,
    LiquidityNeedRow,
    LiquidityOfferRow,
    OrderRow,
    ProposalLoanRow,
    ProposalRow,
    RoundRow,
)
from api.db.tables_round import DeclinedPairRow
from api.db.tx import read_session
from api.web.i18n import long_date
from matcher.money import format_baht


def order_count(web: Web) -> int:
    with read_session(web.engine) as s:
        return int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())


def orders_of(web: Web, coop: str) -> list[OrderRow]:
    with read_session(web.engine) as s:
        return list(s.execute(select(OrderRow).where(OrderRow.coop_id == coop)).scalars())


def post_new(web: Web, kind: str, **fields: str) -> object:
    page = web.client.get(f"/web/member/orders/new?kind={kind}")
    assert page.status_code == 200, page.text
    return web.client.post(
        "/web/member/orders/new", data={"form_token": token_of(page.text), "kind": kind, **fields}
    )


EVERY_KIND = {
    "liquidity_offer": {"amount": "250,000.00", "rate": "3.25", "max_term_days": "180"},
    "liquidity_need": {"amount": "120000", "rate": "6.5", "term_days": "90", "urgency": "4",
                       "repayment": "equal", "instalments": "3", "valid_until": "2026-12-31"},
    "stock_lot": {"product": "longan", "grade": "AA", "quantity": "1,500",
                  "reserve_price": "18.50", "ready_date": "2026-11-21",
                  "expiry_date": "2026-11-25"},
    "purchase_order": {"product": "longan", "quantity": "400", "bid_grade_1": "AA",
                       "bid_price_1": "31.00", "bid_grade_2": "A", "bid_price_2": "24.00",
                       "deliver_by": "2026-11-28"},
    "obligation": {"creditor_coop_id": "C1", "amount": "75000", "due_date": "2026-12-15"},
}  # fmt: skip


def test_a_member_posts_an_order_of_every_kind(web: Web) -> None:
    web.login("C2")
    before = {o.id for o in orders_of(web, "C2")}
    for kind, fields in EVERY_KIND.items():
        r = post_new(web, kind, **fields)
        assert r.status_code == 200, r.text  # type: ignore[attr-defined]
        assert "บันทึกคำสั่งแล้ว" in r.text  # type: ignore[attr-defined]
    new = [o for o in orders_of(web, "C2") if o.id not in before]
    assert sorted(o.kind for o in new) == sorted(EVERY_KIND)
    with read_session(web.engine) as s:
        need = next(o for o in new if o.kind == "liquidity_need")
        detail = s.get(LiquidityNeedRow, need.id)
        assert need.amount == 120_000_00 and detail is not None
        assert (detail.max_rate_bps, detail.term_days, detail.instalments) == (650, 90, 3)
        offer = next(o for o in new if o.kind == "liquidity_offer")
        assert offer.amount == 250_000_00
        assert s.get(LiquidityOfferRow, offer.id).min_rate_bps == 325  # type: ignore[union-attr]
    page = web.client.get("/web/member/orders").text
    assert all(f'id="order-{o.id}"' in page for o in new)
    assert "ลำไย AA ≥ 18.50 บาท/กก." in page


def test_a_bad_form_names_the_field_keeps_the_input_and_writes_nothing(web: Web) -> None:
    web.login("C2")
    before = order_count(web)
    r = post_new(web, "liquidity_need", amount="12x", rate="seven", term_days="90")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "จำนวนเงิน (บาท): จำนวนเงินไม่ถูกต้อง" in r.text  # type: ignore[attr-defined]
    assert "อัตราดอกเบี้ย (% ต่อปี): ต้องเป็นร้อยละต่อปี" in r.text  # type: ignore[attr-defined]
    assert 'value="12x"' in r.text and 'value="seven"' in r.text  # type: ignore[attr-defined]
    assert 'id="f-amount" name="amount"' in r.text  # type: ignore[attr-defined]
    english = web.client.post(
        "/web/member/orders/new?lang=en",
        data={"form_token": token_of(r.text), "kind": "purchase_order",  # type: ignore[attr-defined]
              "product": "longan", "quantity": "0", "deliver_by": "2569-11-28"},
    )  # fmt: skip
    assert english.status_code == 422
    assert "Quantity: Input should be greater than or equal to 1" in english.text
    assert "Grade wanted 1:" in english.text
    assert "Deliver by: &#39;2569-11-28&#39; has a Buddhist-Era year" in english.text
    missing = post_new(web, "obligation", amount="10")
    assert "เจ้าหนี้: ต้องระบุ" in missing.text  # type: ignore[attr-defined]
    stranger = post_new(web, "obligation", creditor_coop_id="L1", amount="10",
                        due_date="2026-12-01")  # fmt: skip
    assert stranger.status_code == 422  # type: ignore[attr-defined]
    assert "เจ้าหนี้: L1 ไม่ใช่สหกรณ์อื่น" in stranger.text  # type: ignore[attr-defined]
    assert order_count(web) == before


def test_a_double_click_posts_one_order(web: Web) -> None:
    web.login("C2")
    page = web.client.get("/web/member/orders/new?kind=liquidity_offer")
    data = {"form_token": token_of(page.text), "kind": "liquidity_offer",
            **EVERY_KIND["liquidity_offer"]}  # fmt: skip
    before = order_count(web)
    first = web.client.post("/web/member/orders/new", data=data)
    second = web.client.post("/web/member/orders/new", data=data)
    assert first.status_code == second.status_code == 200 and first.text == second.text
    assert order_count(web) == before + 1


def test_amend_voids_waiting_proposals_and_cancel_asks_first(web: Web) -> None:
    saved_round(web)
    with read_session(web.engine) as s:
        waiting = s.execute(
            select(ProposalRow).where(ProposalRow.demand_order_id == "N2")
        ).scalars().all()  # fmt: skip
    assert waiting and all(p.status == "pending" for p in waiting)
    web.login("C2")
    form = web.client.get("/web/member/orders/N2/amend")
    assert (
        form.status_code == 200 and 'value="600000.00"' in form.text and 'value="7.00"' in form.text
    )
    bad = web.client.post(
        "/web/member/orders/N2/amend",
        data={"form_token": token_of(form.text), "amount": "-5", "rate": "7"},
    )
    assert bad.status_code == 422 and "จำนวนเงิน (บาท):" in bad.text
    with read_session(web.engine) as s:
        n2 = s.get(OrderRow, "N2")
        assert n2 is not None
        committed = n2.committed
    ok = web.client.post(
        "/web/member/orders/N2/amend",
        data={"form_token": token_of(bad.text), "amount": "650,000", "rate": "7.25"},
    )
    if committed:
        # the rule /v1 amends by: a partly committed order is cancelled and the rest posted
        assert ok.status_code == 422 and "มีส่วนที่ยืนยันแล้ว" in ok.text
        return
    assert ok.status_code == 200 and "แก้ไขคำสั่งแล้ว" in ok.text
    with read_session(web.engine) as s:
        n2 = s.get(OrderRow, "N2")
        assert n2 is not None and n2.amount == 650_000_00 and n2.status == "open"
        assert s.get(LiquidityNeedRow, "N2").max_rate_bps == 725  # type: ignore[union-attr]
        assert all(s.get(ProposalRow, p.id).status == "voided" for p in waiting)  # type: ignore[union-attr]
    confirm = web.client.get("/web/member/orders/N2b/cancel")
    assert confirm.status_code == 200 and "ยืนยันการยกเลิก" in confirm.text
    assert (
        orders_of(web, "C2")
        and next(o for o in orders_of(web, "C2") if o.id == "N2b").status != "cancelled"
    )
    done = web.client.post(
        "/web/member/orders/N2b/cancel", data={"form_token": token_of(confirm.text)}
    )
    assert done.status_code == 200 and "ยกเลิกคำสั่งแล้ว" in done.text
    assert next(o for o in orders_of(web, "C2") if o.id == "N2b").status == "cancelled"


def test_another_coops_order_or_proposal_is_a_404(web: Web) -> None:
    saved_round(web)
    web.login("C2")
    token = token_of(web.client.get("/web/member/orders").text)
    for path in ("/web/member/orders/O1/amend", "/web/member/orders/O1/cancel",
                 "/web/member/orders/LO1/amend", "/web/member/orders/nope/cancel"):  # fmt: skip
        assert web.client.get(path).status_code == 404, path
        assert web.client.post(path, data={"form_token": token, "amount": "1"}).status_code == 404
    with read_session(web.engine) as s:
        assert s.get(OrderRow, "O1").status in ("open", "reserved")  # type: ignore[union-attr]
        assert s.get(OrderRow, "O1").amount == 1_000_000_00  # type: ignore[union-attr]
        others = [p.id for p in s.execute(select(ProposalRow)).scalars()
                  if "C2" not in (p.supply_coop_id, p.demand_coop_id)]  # fmt: skip
    assert others
    assert web.client.get(f"/web/member/proposals/{others[0]}").status_code == 404
    assert web.client.get(f"/web/member/proposals/{others[0]}/decline").status_code == 404
    page = web.client.get("/web/member/orders/new?kind=obligation").text
    assert not re.search(r"\bL1\b", without_tokens(page))


def schedule_oracle(amount: int, rate_bps: int, term: int, n: int) -> list[tuple[int, int, int]]:
    """(day offset, principal, interest) per instalment, recomputed with Decimal."""
    out, outstanding, prev = [], amount, 0
    for k in range(1, n + 1):
        day = term * k // n
        part = amount // n + (1 if k <= amount % n else 0)
        exact = Decimal(outstanding) * rate_bps * (day - prev) / (Decimal(10_000) * 365)
        out.append((day, part, int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))))
        outstanding, prev = outstanding - part, day
    return out


def test_the_schedule_is_shown_before_accepting(web: Web) -> None:
    saved_round(web)
    with read_session(web.engine) as s:
        p, loan = s.execute(
            select(ProposalRow, ProposalLoanRow)
            .join(ProposalLoanRow, ProposalLoanRow.proposal_id == ProposalRow.id)
            .where(ProposalRow.demand_order_id == "N4")
        ).first()  # type: ignore[misc]
    web.login("C4")
    listing = web.client.get("/web/member").text
    assert (
        f'href="/web/member/proposals/{p.id}"' in listing
        and 'class="primary accept"' not in listing
    )
    page = web.client.get(f"/web/member/proposals/{p.id}").text
    rows = re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td><td class=\"num\">([^<]+)</td>"
                      r"<td class=\"num\">([^<]+)</td>", page)  # fmt: skip
    with read_session(web.engine) as s:
        start = s.get(RoundRow, p.round_id).business_date  # type: ignore[union-attr]  # its business date
    oracle = schedule_oracle(p.amount, loan.rate_bps, loan.term_days, 4)
    assert len(rows) == 4
    for (seq, due, principal, interest), (day, part, owed) in zip(rows, oracle, strict=True):
        assert due == long_date(start + timedelta(days=day), "th")
        assert (principal, interest) == (format_baht(part), format_baht(owed)), seq
    total_interest = sum(i for _, _, i in oracle)
    assert f"{format_baht(total_interest)}" in page.split('id="schedule"')[1]
    assert format_baht(p.amount + total_interest) in page
    assert "ตอบภายใน" in page and " น.</dd>" in page  # the expiry time, Bangkok
    assert page.index('id="schedule"') < page.index('class="primary accept"')
    accepted = web.client.post(f"/web/member/proposals/{p.id}/accept",
                               data={"form_token": token_of(page), "page": "1"})  # fmt: skip
    assert accepted.status_code == 200 and "ตอบรับแล้ว รออีกฝ่าย" in accepted.text
    english = web.client.get(f"/web/member/proposals/{p.id}?lang=en").text
    assert "Repayment schedule" in english and 'class="primary accept"' not in english


def test_a_sale_shows_delivery_and_payment_and_decline_asks_for_a_reason(web: Web) -> None:
    saved_round(web)
    with read_session(web.engine) as s:
        sale = next(p for p in s.execute(select(ProposalRow)).scalars() if p.unit != "satang")
    buyer = sale.demand_coop_id
    web.login(buyer)
    page = web.client.get(f"/web/member/proposals/{sale.id}").text
    assert 'id="payment-terms"' in page and "วันส่งมอบ" in page and "ลำไย" in page
    confirm = web.client.get(f"/web/member/proposals/{sale.id}/decline")
    assert confirm.status_code == 200 and 'name="reason"' in confirm.text
    with read_session(web.engine) as s:
        assert s.get(ProposalRow, sale.id).status == "pending"  # type: ignore[union-attr]
    too_long = web.client.post(
        f"/web/member/proposals/{sale.id}/decline",
        data={"form_token": token_of(confirm.text), "page": "1", "reason": "x" * 301},
    )
    assert too_long.status_code == 422 and "เหตุผล: ยาวได้ไม่เกิน 300 ตัวอักษร" in too_long.text
    with read_session(web.engine) as s:
        assert s.get(ProposalRow, sale.id).status == "pending"  # type: ignore[union-attr]
    done = web.client.post(
        f"/web/member/proposals/{sale.id}/decline",
        data={"form_token": token_of(too_long.text), "page": "1", "reason": "ราคาสูงไป"},
    )
    assert done.status_code == 200 and "ปฏิเสธ" in done.text
    with read_session(web.engine) as s:
        assert s.get(ProposalRow, sale.id).status == "declined"  # type: ignore[union-attr]
        pair = s.execute(select(DeclinedPairRow).where(DeclinedPairRow.proposal_id == sale.id))
        assert pair.scalar_one().reason == "ราคาสูงไป"


def test_an_open_order_is_amended_by_the_rule_v1_amends_by(web: Web) -> None:
    web.login("C2")
    page = web.client.get("/web/member/orders/new?kind=liquidity_offer")
    data = {"form_token": token_of(page.text), "kind": "liquidity_offer",
            **EVERY_KIND["liquidity_offer"]}  # fmt: skip
    assert web.client.post("/web/member/orders/new", data=data).status_code == 200
    with read_session(web.engine) as s:
        mine = s.execute(
            select(OrderRow).where(OrderRow.coop_id == "C2", OrderRow.kind == "liquidity_offer")
            .order_by(OrderRow.created_at.desc())  # type: ignore[attr-defined]
        ).scalars().first()  # fmt: skip
        assert mine is not None
        oid, version = mine.id, mine.version
    form = web.client.get(f"/web/member/orders/{oid}/amend")
    ok = web.client.post(
        f"/web/member/orders/{oid}/amend",
        data={"form_token": token_of(form.text), "amount": "200,000", "rate": "3.50"},
    )
    assert ok.status_code == 200 and "แก้ไขคำสั่งแล้ว" in ok.text
    with read_session(web.engine) as s:
        row = s.get(OrderRow, oid)
        assert row is not None and row.amount == 200_000_00 and row.version == version + 1
        assert s.get(LiquidityOfferRow, oid).min_rate_bps == 350  # type: ignore[union-attr]
        events = s.execute(
            select(AuditEventRow).where(AuditEventRow.entity_id == oid)
        ).scalars().all()  # fmt: skip
        assert [e.action for e in events][-1] == "order.amended"
        assert events[-1].chain == "coop:C2"  # the coop's own chain, as /v1 writes it
