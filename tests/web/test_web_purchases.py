"""The member's joint-purchase page: its own group orders only, Thai first and English,
Commit and Decline once per click, another coop's group order a 404."""

from __future__ import annotations

from datetime import date, timedelta

from dbfixtures import FakeClock
from webfixtures import Web, token_of

from api.services.purchase_orders import post_purchase_orders
from api.services.purchase_round import run_purchase_round
from matcher.purchase.model import (
    PriceTier,
    PurchaseNeed,
    ScheduleKind,
    SupplierOffer,
)

DAY = date(2026, 11, 21)
WHERE = (1_858_000, 9_902_000)


def _group(web: Web, clock: FakeClock) -> int:
    tiers = (PriceTier(0, 1999, 3000), PriceTier(2000, None, 2900))
    offer = SupplierOffer(
        "OF-D", "C3", "diesel", ScheduleKind.ALL_UNITS, tiers, 0, 50_000, *WHERE, 10_000, 50_000
    )
    needs = [
        PurchaseNeed(f"N-{c}", c, "diesel", 1_200, DAY + timedelta(days=9), 3_000, *WHERE)
        for c in ("C1", "C2")
    ]
    post_purchase_orders(
        web.engine, needs, [offer], units={"diesel": "litre"}, business_date=DAY,
        actor="seed", clock=clock,
    )  # fmt: skip
    out = run_purchase_round(
        web.engine, network_id="LPN", business_date=DAY, actor="lamphun-office", clock=clock
    )
    (jid,) = out.joint_order_ids
    return jid


def test_members_commit_to_their_group_order_once(web: Web, clock: FakeClock) -> None:
    jid = _group(web, clock)
    web.login("C4")
    assert f'id="group-order-{jid}"' not in web.client.get("/web/member/purchases").text
    token = token_of(web.client.get("/web/member").text)
    refused = web.client.post(f"/web/member/purchases/{jid}/accept", data={"form_token": token})
    assert refused.status_code == 404
    web.logout()

    web.login("C1")
    page = web.client.get("/web/member/purchases").text
    assert f'id="group-order-{jid}"' in page and "คำสั่งซื้อร่วมของฉัน" in page
    assert "My joint purchases" in web.client.get("/web/member/purchases?lang=en").text
    page = web.client.get("/web/member/purchases?lang=th").text
    url, token = f"/web/member/purchases/{jid}/accept", token_of(page)
    first = web.client.post(url, data={"form_token": token})
    second = web.client.post(url, data={"form_token": token})
    assert first.status_code == 200 and first.text == second.text  # replayed, not re-run
    assert "คุณยืนยันแล้ว รอสมาชิกอื่น" in first.text and "1 / 2" in first.text
    web.logout()
    for coop in ("C2", "C3"):
        web.login(coop)
        token = token_of(web.client.get("/web/member/purchases").text)
        answer = web.client.post(url, data={"form_token": token})
        assert answer.status_code == 200, answer.text
        web.logout()
    assert "สั่งซื้อแล้ว" in answer.text


def test_coordinator_runs_the_purchase_round_from_the_page(web: Web, clock: FakeClock) -> None:
    tiers = (PriceTier(0, 1999, 3000), PriceTier(2000, None, 2900))
    offer = SupplierOffer(
        "OF-D", "C3", "diesel", ScheduleKind.ALL_UNITS, tiers, 0, 50_000, *WHERE, 10_000, 50_000
    )
    needs = [
        PurchaseNeed(f"N-{c}", c, "diesel", 1_200, DAY + timedelta(days=9), 3_000, *WHERE)
        for c in ("C1", "C2")
    ]
    post_purchase_orders(
        web.engine, needs, [offer], units={"diesel": "litre"}, business_date=DAY,
        actor="seed", clock=clock,
    )  # fmt: skip
    web.login("loei-office")
    assert web.client.get("/web/purchases?network=LPN").status_code == 404
    web.logout()
    web.login("lamphun-office")
    page = web.client.get("/web/purchases?network=LPN")
    assert page.status_code == 200 and "การจัดซื้อร่วมของเครือข่าย" in page.text
    form = {"form_token": token_of(page.text), "network": "LPN", "business_date": "2026-11-21"}
    first = web.client.post("/web/purchases/run", data=form)
    again = web.client.post("/web/purchases/run", data=form)
    assert first.status_code == 200 and first.text == again.text  # one run per click
    assert 'id="purchase-outcome"' in first.text and 'id="group-order-' in first.text
    fresh = token_of(web.client.get("/web/purchases?network=LPN").text)
    assert 'id="group-order-' in web.client.get("/web/purchases?network=LPN").text
    bad = {**form, "form_token": fresh, "business_date": "21/11"}
    assert web.client.post("/web/purchases/run", data=bad).status_code == 422
