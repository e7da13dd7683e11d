"""The coordinator's policy form: shows the stored policy, saves a new audited version (per-
product transport, processors), refuses bad fields naming them in Thai and English without
storing anything, checks the CSRF token, stores one version for a double click, and never
shows or edits another network's policy."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from webfixtures import Web, token_of

from api.db.tables import AuditEventRow
from api.db.tx import read_session
from api.services.round.policy import show_policy


def _form(web: Web, network: str = "LPN", lang: str = "th") -> tuple[str, dict[str, str]]:
    """The page and its form's fields as a browser would post them back."""
    html = web.client.get(f"/web/policy?network={network}&lang={lang}").text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html):
        chosen = re.search(r'<option value="([^"]+)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    fields["form_token"] = token_of(html)
    return html, fields


def _post(web: Web, data: dict[str, Any]) -> Any:
    return web.client.post("/web/policy", data=data)


def test_the_form_saves_a_new_version_with_products_and_processors(web: Web) -> None:
    web.login("lamphun-office")
    html, data = _form(web)
    assert "นโยบายเครือข่าย" in html and "ยังไม่มีนโยบาย" in html
    data |= {
        "rate_rule": "posted",
        "posted_rate_bps": "500",
        "pt-0-product": "longan",
        "pt-0-satang_per_unit_km": "2",
        "pt-0-reach_km": "120",
        "pt-0-truck_capacity_units": "1000",
        "pt-0-truck_cost": "1,500.00",
        "pr-0-id": "grade-b",
        "pr-0-coop_id": "C3",
        "pr-0-in_product": "longan",
        "pr-0-in_grade": "B",
        "pr-0-out_product": "longan",
        "pr-0-out_grade": "A",
        "pr-0-capacity_units": "500",
        "pr-0-cost": "1.50",
        "pr-0-yield_bps": "9300",
    }
    r = _post(web, data)
    assert r.status_code == 200 and "บันทึกนโยบายฉบับใหม่แล้ว" in r.text, r.text
    spec = show_policy(web.engine, "LPN").spec
    assert spec.posted_rate_bps == 500
    (pt,) = spec.product_transport
    assert (pt.reach_km, pt.truck_cost_satang, pt.truck_capacity_units) == (120, 150_000, 1000)
    (proc,) = spec.processors
    assert (proc.coop_id, proc.cost_satang_per_unit, proc.capacity_units) == ("C3", 150, 500)
    assert proc.yield_bps == 9_300  # 93 units of A from 100 of B
    with read_session(web.engine) as s:
        events = s.execute(select(AuditEventRow).where(AuditEventRow.action == "policy.set"))
        payloads = [json.loads(e.payload) for e in events.scalars()]
    assert [p["version"] for p in payloads] == [1]
    assert payloads[0]["policy"]["processors"][0]["id"] == "grade-b"
    # the page shows what was stored, with one empty row to add another product
    html, again = _form(web, lang="en")
    assert "Network policy" in html and again["pt-0-product"] == "longan"
    assert again["pr-0-yield_bps"] == "9300"  # a save from the page keeps the yield
    assert again["pt-1-product"] == "" and again["fund-account_id"] == ""


def test_bad_fields_are_named_and_nothing_is_stored(web: Web) -> None:
    web.login("lamphun-office")
    for change, field in [
        ({"rate_rule": "posted", "posted_rate_bps": ""}, "posted_rate_bps"),
        ({"transport.reach_km": "abc"}, "transport.reach_km"),
        ({"pt-0-product": "durian", "pt-0-satang_per_unit_km": "1"}, "product_transport[0]"),
        (
            {
                "pr-0-id": "g",
                "pr-0-coop_id": "L1",
                "pr-0-in_product": "longan",
                "pr-0-in_grade": "B",
                "pr-0-out_product": "longan",
                "pr-0-out_grade": "A",
                "pr-0-capacity_units": "5",
            },
            "processors[0].coop_id",
        ),
        (
            {"fund-account_id": "LPN-FUND", "fund-balance": "1000.00", "fund-rate_bps": "500"},
            "joint_fund",
        ),
        ({"overdue_cap": "1.234"}, "overdue_cap_satang"),
        (
            {
                "pr-0-id": "g",
                "pr-0-coop_id": "C3",
                "pr-0-in_product": "longan",
                "pr-0-in_grade": "B",
                "pr-0-out_product": "longan",
                "pr-0-out_grade": "A",
                "pr-0-capacity_units": "5",
                "pr-0-yield_bps": "0",
            },
            "processors[0].yield_bps",
        ),
    ]:
        _, data = _form(web)
        r = _post(web, data | change)
        assert r.status_code == 422 and field in r.text, (field, r.text)
        assert "ยังไม่ได้บันทึก" in r.text
    assert show_policy(web.engine, "LPN").version == 0
    _, data = _form(web, lang="en")
    r = web.client.post("/web/policy?lang=en", data=data | {"transport.reach_km": "0"})
    assert r.status_code == 422 and "nothing was saved" in r.text and "reach_km" in r.text


def test_csrf_double_click_and_other_networks(web: Web) -> None:
    web.login("lamphun-office")
    _, data = _form(web)
    for token in ("", "abc.def", data["form_token"][:-2] + "xx"):
        assert _post(web, data | {"form_token": token}).status_code == 403
    first = _post(web, data | {"fairness": "coverage"})
    second = _post(web, data | {"fairness": "coverage"})
    assert first.status_code == second.status_code == 200
    assert show_policy(web.engine, "LPN").version == 1  # one version for a double click
    # Loei's coordinator neither sees nor sets Lamphun's policy
    web.logout()
    web.login("loei-office")
    assert web.client.get("/web/policy?network=LPN").status_code == 404
    _, loei = _form(web, "LOEI")
    assert _post(web, loei | {"network": "LPN", "fairness": "proportional"}).status_code == 404
    assert show_policy(web.engine, "LPN").spec.fairness.value == "coverage"
    # a member coop has no policy page
    web.logout()
    web.login("C1")
    assert web.client.get("/web/policy", follow_redirects=False).status_code in (303, 403, 404)
