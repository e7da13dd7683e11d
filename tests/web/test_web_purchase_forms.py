"""A member posts a joint-purchase need or a supplier's offer on the web: through the
``/v1`` schemas and service, each bad-input rule of the matcher beside its field with
nothing written, cancel behind a confirmation, another coop's order a 404, one order per
double click, and a purchase round run afterwards groups the web-posted orders.

Oracles outside the production path: the stored rows (satang, whole units, the tiers'
JSON) against values written here by hand; refused forms leave the order count unchanged.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from dbfixtures import FakeClock
from sqlalchemy import func, select
from webfixtures import Web, token_of

from api.db.tables import OrderRow
from api.db.tables_purchase import InputNeedRow, SupplierOfferRow
from api.db.tx import read_session
from api.services.purchase_round import run_purchase_round

DAY = date(2026, 11, 21)
NEED = {"product": "diesel", "unit": "litre", "quantity": "1,200", "deliver_by": "2026-11-30",
        "max_price": "30.00", "latitude": "18.58000", "longitude": "99.02000"}  # fmt: skip
OFFER = {"product": "diesel", "unit": "litre", "schedule_kind": "all_units",
         "tier-1-min_units": "0", "tier-1-max_units": "1,999", "tier-1-price": "30.00",
         "tier-2-min_units": "2,000", "tier-2-price": "29.00", "capacity_units": "50,000",
         "min_order_units": "500", "truck_capacity_units": "10,000", "truck_cost": "500.00",
         "latitude": "18.58000", "longitude": "99.02000"}  # fmt: skip


def count(web: Web) -> int:
    with read_session(web.engine) as s:
        return int(s.execute(select(func.count()).select_from(OrderRow)).scalar_one())


def mine(web: Web, coop: str, kind: str) -> list[OrderRow]:
    with read_session(web.engine) as s:
        stmt = select(OrderRow).where(OrderRow.coop_id == coop, OrderRow.kind == kind)
        return list(s.execute(stmt).scalars())


def post(web: Web, kind: str, fields: dict[str, str], lang: str = "th") -> object:
    page = web.client.get(f"/web/member/orders/new?kind={kind}&lang={lang}")
    assert page.status_code == 200, page.text
    return web.client.post(
        f"/web/member/orders/new?lang={lang}",
        data={"form_token": token_of(page.text), "kind": kind, **fields},
    )


def test_a_need_and_an_offer_are_posted_stored_and_listed(web: Web) -> None:
    web.login("C1")
    form = web.client.get("/web/member/orders/new?kind=input_need").text
    assert 'name="max_price"' in form
    assert re.search(r'name="latitude" value="1[0-9]\.[0-9]{5}"', form)  # the coop's district
    r = post(web, "input_need", NEED)
    assert r.status_code == 200 and "บันทึกคำสั่งแล้ว" in r.text  # type: ignore[attr-defined]
    (need,) = mine(web, "C1", "input_need")
    with read_session(web.engine) as s:
        detail = s.get(InputNeedRow, need.id)
        assert detail is not None
        assert (need.amount, need.unit, detail.max_price_satang_per_unit) == (1200, "litre", 3000)
        assert (detail.deliver_by, detail.lat_e5, detail.lon_e5) == (
            date(2026, 11, 30), 1_858_000, 9_902_000)  # fmt: skip
    page = web.client.get("/web/member/orders").text
    assert f'id="order-{need.id}"' in page and "น้ำมันดีเซล ≤ 30.00 บาท/ลิตร" in page
    assert "1,200 ลิตร" in page
    web.logout()

    web.login("C3")
    form = web.client.get("/web/member/orders/new?kind=supplier_offer").text
    assert 'name="tier-5-price"' in form and 'id="tiers"' in form
    r = post(web, "supplier_offer", OFFER)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    (offer,) = mine(web, "C3", "supplier_offer")
    with read_session(web.engine) as s:
        row = s.get(SupplierOfferRow, offer.id)
        assert row is not None and offer.amount == 50_000
        assert json.loads(row.tiers_json) == [[0, 1999, 3000], [2000, None, 2900]]
        assert (row.schedule_kind, row.min_order_units, row.truck_satang) == (
            "all_units", 500, 50_000)  # fmt: skip
    english = web.client.get("/web/member/orders?lang=en").text
    assert "Diesel (All units at the tier&#39;s price) 0–1,999: 30.00; ≥ 2,000: 29.00" in english


RULES = [
    # (kind, changed fields, the field's label in the page, a piece of its message)
    ("input_need", {"max_price": ""}, "max_price", "ราคาสูงสุดต่อหน่วย รวมค่าส่ง (บาท): ",
     "ต้องระบุ"),
    ("supplier_offer", {"tier-2-price": "31.00"}, "tier-2-price", "ราคาต่อหน่วย (บาท) 2: ",
     "ราคาต้องไม่สูงขึ้นเมื่อปริมาณมากขึ้น"),
    ("supplier_offer", {"tier-2-min_units": "1,500"}, "tier-2-min_units", "ตั้งแต่ปริมาณ 2: ",
     "ขั้นราคาซ้อนทับกับขั้นก่อนหน้า"),
    ("supplier_offer", {"min_order_units": "60,000"}, "min_order_units",
     "ยอดสั่งซื้อขั้นต่ำ (หน่วย): ", "ยอดสั่งซื้อขั้นต่ำ 60,000 เกินกำลังขาย 50,000"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "change", "field", "label", "message"), RULES)
def test_each_bad_input_rule_names_its_field_and_writes_nothing(
    web: Web, kind: str, change: dict[str, str], field: str, label: str, message: str
) -> None:
    web.login("C3")
    before = count(web)
    fields = {**(NEED if kind == "input_need" else OFFER), **change}
    r = post(web, kind, fields)
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert label + message in r.text  # type: ignore[attr-defined]
    beside = re.search(f'<span class="field-error" id="e-{field}">([^<]*)</span>', r.text)  # type: ignore[attr-defined]
    assert beside is not None and message in beside.group(1)
    assert r.text.count('class="field-error"') == 1  # type: ignore[attr-defined]
    for value in change.values():
        if value:
            assert f'value="{value}"' in r.text  # type: ignore[attr-defined]
    assert count(web) == before


def test_a_rule_reads_in_english_too(web: Web) -> None:
    web.login("C3")
    r = post(web, "supplier_offer", {**OFFER, "tier-2-price": "31.00"}, lang="en")
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "Unit price (baht) 2: price must not rise with volume" in r.text  # type: ignore[attr-defined]


def test_cancel_another_coop_and_a_double_click(web: Web) -> None:
    web.login("C1")
    page = web.client.get("/web/member/orders/new?kind=input_need")
    data = {"form_token": token_of(page.text), "kind": "input_need", **NEED}
    before = count(web)
    first = web.client.post("/web/member/orders/new", data=data)
    second = web.client.post("/web/member/orders/new", data=data)
    assert first.status_code == second.status_code == 200 and first.text == second.text
    assert count(web) == before + 1
    (need,) = mine(web, "C1", "input_need")
    assert f"/web/member/orders/{need.id}/amend" not in first.text  # /v1 has no amendment
    web.logout()

    web.login("C2")
    token = token_of(web.client.get("/web/member/orders").text)
    for path in (f"/web/member/orders/{need.id}/cancel", f"/web/member/orders/{need.id}/amend"):
        assert web.client.get(path).status_code == 404
        assert web.client.post(path, data={"form_token": token}).status_code == 404
    web.logout()

    web.login("C1")
    confirm = web.client.get(f"/web/member/orders/{need.id}/cancel")
    assert confirm.status_code == 200 and "น้ำมันดีเซล" in confirm.text
    done = web.client.post(
        f"/web/member/orders/{need.id}/cancel", data={"form_token": token_of(confirm.text)}
    )
    assert done.status_code == 200 and "ยกเลิกคำสั่งแล้ว" in done.text
    assert mine(web, "C1", "input_need")[0].status == "cancelled"


def test_a_purchase_round_picks_up_web_posted_orders(web: Web, clock: FakeClock) -> None:
    for coop in ("C1", "C2"):
        web.login(coop)
        assert post(web, "input_need", NEED).status_code == 200  # type: ignore[attr-defined]
        web.logout()
    web.login("C3")
    assert post(web, "supplier_offer", OFFER).status_code == 200  # type: ignore[attr-defined]
    out = run_purchase_round(
        web.engine, network_id="LPN", business_date=DAY, actor="lamphun-office", clock=clock
    )
    assert len(out.joint_order_ids) == 1  # 2 × 1,200 litres reach the 2,000-litre tier together
    web.logout()
    web.login("C1")
    assert 'id="group-order-' in web.client.get("/web/member/purchases").text
