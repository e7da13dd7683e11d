"""End to end in headless Chromium (Debian's ``chromium`` driven by Playwright): log in as a
coordinator, preview and run the round, accept a proposal as both members (over the API),
follow up, download the Excel file and read it back, run a scenario; another network's
names never appear; Thai glyphs render; a screenshot of each page is kept as an artifact
(``$COOPMATCH_ARTIFACTS`` or ``test-artifacts/web``)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from openpyxl import load_workbook
from webfixtures import LOEI_NAMES, Web

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("COOPMATCH_ARTIFACTS", "test-artifacts")) / "web"
THAI = "สหกรณ์การเกษตร"

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} missing: apt-get install -y chromium"
)


@pytest.fixture
def server(web: Web, backend: str) -> Iterator[str]:
    """The app served by uvicorn on a free local port (SQLite only: one browser run)."""
    if backend != "sqlite":
        pytest.skip("the browser run uses the SQLite backend only")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(web.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(
            base_url=server, viewport={"width": 1100, "height": 800}, accept_downloads=True
        )
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        yield tab
        context.close()
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_no_other_network(page: Any) -> None:
    body = page.content()
    assert not any(name in body for name in LOEI_NAMES)


THAI_FAMILIES = (
    "Sarabun",
    "Loma",
    "Garuda",
    "Kinnari",
    "Norasi",
    "Purisa",
    "Sawasdee",
    "Umpush",
    "Waree",
)


def assert_thai_renders(page: Any, selector: str = "h1") -> None:
    """The Thai text of ``selector`` is drawn with a Thai font, not boxes: Chromium's
    DevTools protocol reports which platform fonts rendered the node's glyphs."""
    text = page.text_content(selector) or ""
    thai = sum(1 for ch in text if "\u0e00" <= ch <= "\u0e7f")
    assert thai > 0, f"no Thai text in {selector}: {text!r}"
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    drawn = sum(
        f["glyphCount"]
        for f in fonts
        if f["familyName"].startswith(THAI_FAMILIES) or f["familyName"].startswith("Tlwg")
    )
    assert drawn >= thai // 2, f"Thai text {text!r} drawn with {fonts} (fonts-thai-tlwg?)"
    cdp.detach()


def accept_as_members(page: Any, web: Web, server: str) -> int:
    """C2 accepts its first proposal on its member page (its own browser session); the
    lender accepts over the /v1 API. Returns the proposal id."""
    member = page.context.browser.new_context(base_url=server)
    tab = member.new_page()
    tab.goto("/web/login")
    tab.click("details.key-login summary")
    tab.fill("#api_key", web.tokens["C2"])
    tab.click("button[type=submit]")
    tab.wait_for_url("**/web/member")
    row = tab.locator("#member-proposals tbody tr").first
    proposal_id = int(row.locator("td").first.inner_text())
    row.locator("a.see-terms").click()  # the terms before the answer
    tab.wait_for_selector("#proposal-terms")
    tab.click("button.accept")
    tab.wait_for_selector("#proposal-terms >> text=ตอบรับแล้ว รออีกฝ่าย")
    assert_no_other_network(tab)
    shot(tab, "05-member")
    member.close()
    first = page.request.get(
        f"/v1/proposals/{proposal_id}", headers={"Authorization": f"Bearer {web.tokens['C2']}"}
    ).json()
    r = page.request.post(
        f"/v1/proposals/{proposal_id}/accept",
        headers={
            "Authorization": f"Bearer {web.tokens[first['counterparty_coop_id']]}",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert r.ok, r.text()
    return proposal_id


def test_coordinator_session_in_chromium(page: Any, web: Web, server: str) -> None:
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/web/login")
    assert page.locator("html").get_attribute("lang") == "th"
    shot(page, "01-login")
    page.click("details.key-login summary")
    page.fill("#api_key", web.tokens["lamphun-office"])
    page.click("button[type=submit]")
    page.wait_for_url("**/web/today")
    assert page.get_by_text("ยอดรวมตามระดับเครือข่าย").is_visible()
    assert_thai_renders(page)
    assert_no_other_network(page)
    shot(page, "02-today")

    page.goto("/web/round")
    page.click("#preview-btn")
    page.wait_for_selector("#proposals tbody tr")
    assert "ผลล่วงหน้ายังไม่ถูกบันทึก" in page.inner_text("#result")
    shot(page, "03-round-preview")
    page.click("#run-btn")
    page.wait_for_selector("#round-xlsx")
    rows = page.locator("#proposals tbody tr").count()
    assert rows > 0 and page.locator("#result svg line.loan").count() == rows
    assert page.locator("#sales tbody tr").count() == page.locator("#result svg line.sale").count()
    assert_no_other_network(page)
    assert_thai_renders(page, "#proposals tbody td")
    # the map: a province outline, a line per loan and sale, a dot per coop (Leaflet, offline)
    page.wait_for_selector("#round-map path.leaflet-interactive")
    lines = page.locator("#round-map path.leaflet-interactive[stroke='#2f6f4f']").count()
    sales = page.locator("#round-map path.leaflet-interactive[stroke='#c0621b']").count()
    assert (lines, sales) == (rows, page.locator("#sales tbody tr").count())
    assert page.locator("#round-map path.leaflet-interactive[fill='#dfe8e3']").count() >= 1
    page.locator("#round-map path.leaflet-interactive[fill='#fff']").first.hover()
    page.wait_for_selector(".leaflet-tooltip")  # names show on hover, never overlapping
    assert_thai_renders(page, ".leaflet-tooltip")
    page.click("details.picture-box summary")  # the diagram is still there, folded
    assert_thai_renders(page, "#result svg text")
    shot(page, "04-round-run")
    with page.expect_download() as download:
        page.click("#round-xlsx")
    path = ARTIFACTS / "round.xlsx"
    download.value.save_as(str(path))
    book = load_workbook(io.BytesIO(path.read_bytes()))
    sheet_rows = list(book["proposals"].iter_rows(values_only=True))
    assert len(sheet_rows) - 1 == rows
    assert not any(n in str(sheet_rows) for n in LOEI_NAMES)

    accepted = accept_as_members(page, web, server)
    page.goto("/web/follow")
    committed = page.locator("section.status-committed")
    assert committed.get_by_text(str(accepted), exact=True).count() == 1
    assert page.locator("#ledger tbody tr").count() == 1
    assert_no_other_network(page)
    shot(page, "06-follow")

    page.goto("/web/scenarios")
    page.select_option("#scenario", "lamphun-2555.yaml")
    page.fill("input[name=runs]", "1")
    page.fill("input[name=days]", "3")
    page.click("#scenario-form button[type=submit]")
    page.wait_for_selector("#policies tbody tr")
    page.wait_for_selector("img.chart")
    shot(page, "07-scenarios")

    page.goto("/web/today?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Totals per tier").is_visible()
    page.set_viewport_size({"width": 720, "height": 900})
    page.goto("/web/round")
    page.click("#preview-btn")
    page.wait_for_selector("#proposals tbody tr")
    overflow = page.evaluate("(d => d.scrollWidth - d.clientWidth)(document.documentElement)")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a narrow screen"
    shot(page, "08-round-narrow-en")

    response = page.goto("/web/today?network=LOEI")
    assert response is not None and response.status == 404
    assert_no_other_network(page)
    # the only console error allowed is the 404 page's own failed load just above
    assert [p for p in problems if "404" not in p] == [], problems
