"""A member's sale reads as a sale: its amount is baht (the value), its quantity is in the
product's unit, and the parties are seller and buyer (not lender and borrower)."""

from __future__ import annotations

from decimal import Decimal

from dbseed import COMBINED_DAY, COORDINATOR, seed_combined
from http_fixtures import api  # noqa: F401


def test_sale_proposal_and_commitment_figures(api) -> None:  # noqa: F811
    seed_combined(api.engine)
    day = COMBINED_DAY.isoformat()
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": day})
    assert r.status_code == 201, r.text
    sales = [p for p in api.get("C3", "/v1/proposals").json()["items"] if p["kind"] == "sale"]
    assert sales, "the longan lot of C3 is sold"
    p = next(x for x in sales if x["sale"]["quantity"] >= 100)
    terms = p["sale"]
    assert p["quantity"] == terms["quantity"] and p["unit"] == "kg"
    assert p["amount"] == terms["value"]  # baht, not the quantity read as satang
    assert Decimal(p["amount"]) == Decimal(terms["unit_price"]) * terms["quantity"]
    buyer = p["counterparty_coop_id"]
    assert api.post("C3", f"/v1/proposals/{p['id']}/accept").status_code == 200
    done = api.post(buyer, f"/v1/proposals/{p['id']}/accept").json()
    assert done["status"] == "committed"
    cid = done["commitment_id"]
    seller_view = api.get("C3", f"/v1/commitments/{cid}").json()
    buyer_view = api.get(buyer, f"/v1/commitments/{cid}").json()
    assert seller_view["role"] == "seller" and buyer_view["role"] == "buyer"
    for view in (seller_view, buyer_view):
        assert view["amount"] == terms["value"] and view["quantity"] == terms["quantity"]
        assert view["unit"] == "kg" and view["product_id"] == "longan"
        assert view["unit_price"] == terms["unit_price"] and view["schedule"] == []
