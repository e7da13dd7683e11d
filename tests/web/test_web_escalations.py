"""The Today page lists what the rounds of the networks below left open (escalated), in Thai
and English, only to coordinators above them, and the list empties once served."""

from __future__ import annotations

from datetime import date

from dbseed import COORDINATOR
from webfixtures import Web

from api.services.order_lifecycle import cancel_order
from api.services.round.service import run_round

DAY = date(2026, 11, 23)


def _escalated(html: str) -> str:
    return html.split('id="escalations"')[1].split("</table>")[0]


def test_today_lists_what_the_area_left_open(web: Web, clock) -> None:  # type: ignore[no-untyped-def]
    run_round(web.engine, network_id="LPN-A2", business_date=DAY, actor=COORDINATOR, clock=clock)
    web.login("lamphun-office")
    page = web.client.get("/web/today").text
    assert "งานที่ส่งต่อขึ้นมาจากเครือข่ายระดับล่าง" in page
    table = _escalated(page)
    assert "N4" in table and "LPN-A2" in table and "300,000.00" in table
    en = web.client.get("/web/today?lang=en").text
    assert "Escalated from the networks below" in en and "N4" in _escalated(en)
    web.logout()
    web.login("area1-office")  # Mueang's coordinator: Pa Sang is not below it
    assert "N4" not in _escalated(web.client.get("/web/today").text)
    cancel_order(web.engine, "N4", "C4", clock=clock)
    web.logout()
    web.login("lamphun-office")
    assert "N4" not in _escalated(web.client.get("/web/today").text)


def test_a_saved_round_shows_every_order_explained(web: Web) -> None:
    from test_web_pages import post_round
    from webfixtures import token_of

    web.login("lamphun-office")
    first = post_round(web, "run", token_of(web.client.get("/web/round").text))
    assert first.status_code == 200, first.text
    again = post_round(web, "run", token_of(web.client.get("/web/round").text))
    assert again.status_code == 200, again.text
    assert "ผลและเหตุผลของทุกคำสั่ง" in again.text  # the saved round's explanations table
    assert "D23" in again.text and "L1" in again.text and "N4" in again.text
    assert "หักกลบ" in again.text  # a debt's reason, in Thai
