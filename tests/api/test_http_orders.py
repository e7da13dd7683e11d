"""Every order kind over HTTP: stock lots, purchase orders and obligations beside the
liquidity offers and needs; stored exactly as the order-file import stores them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from dbseed import COORDINATOR, LONGAN
from http_fixtures import BUY, DEBT, LOT, api  # noqa: F401
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session

from api.db import repo
from api.db.tables import (
    AuditEventRow,
    ObligationRow,
    OrderRow,
    ProposalRow,
    ProposalSaleRow,
    StockLotRow,
)
from api.db.tx import in_write_transaction, read_session
from api.services.produce_orders import upsert_products
from matcher.produce.model import GradeBid, Product, PurchaseOrder, StockLot

EGG = Product("egg", "ไข่ไก่", "hen egg", "egg", 21, ("0", "1", "2"))


@pytest.fixture
def shop(api: Any) -> Any:  # noqa: F811
    in_write_transaction(api.engine, lambda s: upsert_products(s, [LONGAN, EGG]))
    return api


def _count(engine: Any, model: Any) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(model)).scalar_one())


def test_products_are_listed_for_any_key(shop: Any) -> None:
    for who in ("C1", "lamphun-office", "admin"):
        r = shop.get(who, "/v1/products", params={"limit": 1})
        assert r.status_code == 200, r.text
        first = r.json()
        assert [p["id"] for p in first["items"]] == ["egg"]
        nxt = shop.get(who, "/v1/products", params={"cursor": first["next_cursor"]}).json()
        assert nxt["items"][0] == {
            "id": "longan",
            "name_th": "ลำไย",
            "name_en": "longan",
            "base_unit": "kg",
            "shelf_life_days": 5,
            "grades": ["AA", "A", "B"],
        }
        assert nxt["next_cursor"] is None


def test_stock_lot_and_purchase_order_enter_the_round_snapshot(shop: Any) -> None:
    lot = shop.post("C2", "/v1/orders", LOT)
    buy = shop.post("C4", "/v1/orders", BUY)
    assert lot.status_code == 201 and buy.status_code == 201, (lot.text, buy.text)
    lot_id, buy_id = lot.json()["id"], buy.json()["id"]
    assert lot.json()["unit"] == "kg" and lot.json()["quantity"] == 1200
    assert lot.json()["available_quantity"] == 1200 and lot.json()["amount"] is None
    assert lot.json()["valid_until"] == "2026-11-25"
    assert lot.json()["terms"]["reserve_price"] == "18.50"
    assert buy.json()["terms"]["bids"] == BUY["bids"]
    with read_session(shop.engine) as s:
        lots, orders = repo.open_produce_orders(s, ["LPN", "LPN-A1", "LPN-A2"], date(2026, 11, 21))
        stored = s.get(StockLotRow, lot_id)
    assert lots == [
        StockLot(
            lot_id, "C2", "longan", "AA", 1200, 1850, date(2026, 11, 20), date(2026, 11, 25), 25
        )
    ]
    bids = (GradeBid("AA", 3200), GradeBid("A", 2550))
    assert orders == [PurchaseOrder(buy_id, "C4", "longan", bids, 800, date(2026, 11, 28), 200)]
    assert stored is not None and (stored.lat_e5, stored.lon_e5) == (1857400, 9900200)
    for oid, who in ((lot_id, "C2"), (buy_id, "C4")):
        listed = {o["id"]: o for o in shop.get(who, "/v1/orders").json()["items"]}
        assert listed[oid] == shop.get(who, f"/v1/orders/{oid}").json()


def test_obligation_is_the_callers_debt(shop: Any) -> None:
    r = shop.post("C1", "/v1/orders", DEBT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "obligation" and body["amount"] == "2500.75"
    assert body["terms"] == {"creditor_coop_id": "C3", "due_date": "2026-12-31"}
    with Session(shop.engine) as s:
        row = s.get(OrderRow, body["id"])
        detail = s.get(ObligationRow, body["id"])
    assert row is not None and row.coop_id == "C1" and row.amount == 250075
    assert detail is not None and detail.creditor_coop_id == "C3"
    assert shop.get("C3", f"/v1/orders/{body['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LOT, "product": "durian"}, "product"),
        ({**LOT, "grade": "C"}, "grade"),
        (
            {
                **BUY,
                "bids": [{"grade": "A", "max_price": "1.00"}, {"grade": "X", "max_price": "1"}],
            },
            "bids[1].grade",
        ),
        ({**DEBT, "creditor_coop_id": "C1"}, "creditor_coop_id"),
        ({**DEBT, "creditor_coop_id": "C99"}, "creditor_coop_id"),
    ],
)
def test_unknown_references_are_refused(shop: Any, body: dict[str, Any], field: str) -> None:
    before, events = _count(shop.engine, OrderRow), _count(shop.engine, AuditEventRow)
    r = shop.post("C1", "/v1/orders", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"].startswith(f"{field}:")
    assert _count(shop.engine, OrderRow) == before
    assert _count(shop.engine, AuditEventRow) == events
    # the refusal is not stored under the key: the corrected request may reuse it
    fixed = {**body, "creditor_coop_id": "C3"} if body["kind"] == "obligation" else LOT
    key = f"retry-{field}"
    assert shop.post("C1", "/v1/orders", body, idem=key).status_code == 422
    assert shop.post("C1", "/v1/orders", fixed, idem=key).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**LOT, "lon_e5": None}, "body.stock_lot"),
        ({**LOT, "expiry_date": "2026-11-19"}, "body.stock_lot"),
        ({**LOT, "quantity": 0}, "body.stock_lot.quantity"),
        ({**LOT, "quantity": 12.5}, "body.stock_lot.quantity"),
        ({**LOT, "reserve_price": 18.5}, "body.stock_lot.reserve_price"),
        ({**LOT, "reserve_price": "1.8e1"}, "body.stock_lot.reserve_price"),
        ({**BUY, "min_lot": 801}, "body.purchase_order"),
        ({**BUY, "bids": []}, "body.purchase_order.bids"),
        ({**BUY, "bids": [{"grade": "A", "max_price": "0.00"}]}, "body.purchase_order.bids.0"),
        ({**BUY, "bids": BUY["bids"] + BUY["bids"][:1]}, "body.purchase_order"),
        ({**BUY, "district_code": "51x"}, "body.purchase_order.district_code"),
        ({**DEBT, "amount": "-1.00"}, "body.obligation.amount"),
        ({**DEBT, "seller": "C2"}, "body.obligation.seller"),
        ({**LOT, "kind": "bond"}, "body"),
    ],
)
def test_bad_bodies_name_the_field(shop: Any, body: dict[str, Any], field: str) -> None:
    before = _count(shop.engine, OrderRow)
    r = shop.post("C2", "/v1/orders", body)
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert any(f.startswith(field) for f in fields), fields
    assert _count(shop.engine, OrderRow) == before


def test_cancel_a_stock_lot_and_tenants_stay_apart(shop: Any) -> None:
    lot = shop.post("C2", "/v1/orders", LOT).json()
    for other in ("C1", "C3", "C4"):
        assert shop.get(other, f"/v1/orders/{lot['id']}").status_code == 404
        assert shop.post(other, f"/v1/orders/{lot['id']}/cancel").status_code == 404
        assert lot["id"] not in {o["id"] for o in shop.get(other, "/v1/orders").json()["items"]}
    r = shop.post("C2", f"/v1/orders/{lot['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    with read_session(shop.engine) as s:
        lots, _ = repo.open_produce_orders(s, ["LPN-A1"], date(2026, 11, 21))
    assert lot["id"] not in {x.id for x in lots}


def test_replay_returns_the_same_order(shop: Any) -> None:
    first = shop.post("C4", "/v1/orders", BUY, idem="buy-1")
    again = shop.post("C4", "/v1/orders", BUY, idem="buy-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true" and again.json() == first.json()
    assert shop.post("C4", "/v1/orders", {**BUY, "quantity": 9}, idem="buy-1").status_code == 422


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    quantity=st.integers(1, 10**9),
    price=st.integers(0, 10**8),
    spoil=st.integers(0, 10**4),
    grade=st.sampled_from(LONGAN.grades),
)
def test_stock_lots_round_trip_exactly(
    shop: Any, quantity: int, price: int, spoil: int, grade: str
) -> None:
    body = {
        **LOT,
        "grade": grade,
        "quantity": quantity,
        "reserve_price": f"{price // 100}.{price % 100:02d}",
        "spoilage_per_day": f"{spoil // 100}.{spoil % 100:02d}",
    }
    r = shop.post("C2", "/v1/orders", body)
    assert r.status_code == 201, r.text
    with Session(shop.engine) as s:
        row = s.get(StockLotRow, r.json()["id"])
        head = s.get(OrderRow, r.json()["id"])
    assert row is not None and head is not None
    assert (head.amount, head.unit, row.grade) == (quantity, "kg", grade)
    assert (row.reserve_satang_per_unit, row.spoilage_satang_per_unit_day) == (price, spoil)
    assert r.json()["terms"]["reserve_price"] == body["reserve_price"]


def test_only_the_creditor_may_cancel_a_hand_posted_debt(shop: Any) -> None:
    debt = shop.post("C1", "/v1/orders", DEBT).json()
    before, events = _count(shop.engine, OrderRow), _count(shop.engine, AuditEventRow)
    r = shop.post("C1", f"/v1/orders/{debt['id']}/cancel")
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "debtor may not cancel" in r.json()["detail"]
    assert shop.get("C1", f"/v1/orders/{debt['id']}").json()["status"] == "open"
    assert (_count(shop.engine, OrderRow), _count(shop.engine, AuditEventRow)) == (before, events)
    for stranger in ("C2", "C4"):
        assert shop.post(stranger, f"/v1/orders/{debt['id']}/cancel").status_code == 404
    r = shop.post("C3", f"/v1/orders/{debt['id']}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled" and r.json()["id"] == debt["id"]
    assert _count(shop.engine, AuditEventRow) == events + 1


def test_round_shows_sales_with_their_terms_and_setoff_rows(shop: Any) -> None:
    lot = shop.post("C2", "/v1/orders", LOT).json()
    shop.post("C4", "/v1/orders", BUY)
    for debtor, creditor in (("C1", "C3"), ("C3", "C1")):
        debt = {**DEBT, "creditor_coop_id": creditor}
        assert shop.post(debtor, "/v1/orders", debt).status_code == 201
    r = shop.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    assert r.status_code == 201, r.text
    sales = [p for p in shop.get("C2", "/v1/proposals").json()["items"] if p["kind"] == "sale"]
    assert sales and all(p["order_id"] == lot["id"] for p in sales)
    with Session(shop.engine) as s:
        for p in sales:
            row = s.get(ProposalSaleRow, p["id"])
            assert row is not None
            terms = p["sale"]
            assert terms["unit"] == "kg" and terms["product_id"] == "longan"
            assert terms["quantity"] == s.get(ProposalRow, p["id"]).amount  # type: ignore[union-attr]
            assert Decimal(terms["unit_price"]) * 100 == row.price_satang_per_unit
            assert Decimal(terms["value"]) * 100 == row.value_satang
            assert terms["delivery_date"] == row.delivery_date.isoformat()
    # the buyer reads the same terms (on PostgreSQL through row-level security)
    bought = [p for p in shop.get("C4", "/v1/proposals").json()["items"] if p["kind"] == "sale"]
    assert [p["sale"] for p in bought] == [p["sale"] for p in sales]
    loans = [p for p in shop.get("C1", "/v1/proposals").json()["items"] if p["kind"] != "sale"]
    assert all(p["sale"] is None for p in loans)
    rep = shop.get(COORDINATOR, f"/v1/networks/LPN/rounds/{r.json()['round_id']}").json()
    assert len(rep["sales"]) == len(sales)
    assert all(len(row) == len(rep["sale_header"]) for row in rep["sales"])
    assert rep["setoffs"] and all(len(row) == len(rep["setoff_header"]) for row in rep["setoffs"])
