"""A mistyped ``/web`` address gets the web's own 404 page, in Thai or English, with a way
back; the API's addresses keep their problem+json 404."""

from __future__ import annotations

from webfixtures import Web


def test_a_mistyped_web_address_is_a_thai_page(web: Web) -> None:
    r = web.client.get("/web/todya")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "ไม่พบหน้านี้" in r.text and 'href="/web/"' in r.text
    en = web.client.get("/web/round/42/nothing?lang=en")
    assert en.status_code == 404 and "Page not found" in en.text
    web.login("lamphun-office")
    assert web.client.get("/web/today").status_code == 200  # real pages still answer
    api = web.client.get("/v1/nothing")
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
