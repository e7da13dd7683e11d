"""Every page on a phone (390 px) and a desktop (1366 px), in Thai and English, in headless
Chromium: the page never scrolls sideways, the primary actions (log in, preview and run the
round, accept and decline a proposal, simulate) lie inside the viewport, Thai is drawn with
the packaged Sarabun font, and a screenshot of each page is kept in
``test-artifacts/web/widths`` (``$COOPMATCH_ARTIFACTS``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_web_browser
from webfixtures import Web, token_of

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("COOPMATCH_ARTIFACTS", "test-artifacts")) / "web" / "widths"
WIDTHS = (390, 1366)
server = test_web_browser.server
"""The app under uvicorn on a free port (the fixture of the browser session test)."""

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"{CHROMIUM} missing: apt-get install -y chromium"
)


@pytest.fixture
def browser(server: str) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def tab_for(browser: Any, base: str, width: int, token: str, lang: str) -> Any:
    """A logged-in tab of ``width`` px in ``lang`` (the language cookie is set by ?lang=)."""
    context = browser.new_context(
        base_url=base, viewport={"width": width, "height": 844 if width < 600 else 900}
    )
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(f"/web/login?lang={lang}")
    login = tab.locator("button[type=submit]")
    assert_inside(tab, login, width, "login button")
    tab.fill("#api_key", token)
    login.click()
    tab.wait_for_load_state("networkidle")
    return tab


def assert_fits(tab: Any, name: str) -> None:
    overflow = tab.evaluate("(d => d.scrollWidth - d.clientWidth)(document.documentElement)")
    assert overflow <= 0, f"{name}: the page scrolls sideways by {overflow}px"


def assert_inside(tab: Any, locator: Any, width: int, what: str) -> None:
    box = locator.first.bounding_box()
    assert box is not None, f"{what} is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what} off screen: {box}"


def assert_sarabun(tab: Any, selector: str) -> None:
    """Chromium reports which font drew the node's glyphs: the packaged Sarabun."""
    cdp = tab.context.new_cdp_session(tab)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    assert any(f["familyName"] == "Sarabun" and f["glyphCount"] > 0 for f in fonts), fonts
    cdp.detach()


def shot(tab: Any, name: str) -> None:
    tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def saved_round(web: Web) -> None:
    """A saved round, so Follow-up and the member page have proposals."""
    web.login("lamphun-office")
    token = token_of(web.client.get("/web/round").text)
    data = {"form_token": token, "network": "LPN", "business_date": "2026-11-21"}
    assert web.client.post("/web/round/run", data=data).status_code == 200
    web.logout()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_coordinator_pages_fit_both_widths(
    browser: Any,
    server: str,
    web: Web,
    lang: str,
) -> None:
    saved_round(web)
    for width in WIDTHS:
        tab = tab_for(browser, server, width, web.tokens["lamphun-office"], lang)
        for path in ("/web/today", "/web/follow"):
            tab.goto(path)
            assert_fits(tab, f"{path} at {width}")
            cues = tab.locator(".scroll.overflows")
            if path == "/web/today":  # the swipe line shows where a table is cut, only there
                assert (cues.count() > 0) == (width < 600), f"swipe cues at {width}"
            for i in range(cues.count()):
                assert cues.nth(i).evaluate("b => b.scrollWidth > b.clientWidth")
            shot(tab, f"{width}-{lang}-{path.rsplit('/', 1)[1]}")
        tab.goto("/web/round")
        if lang == "th":  # the Buddhist-Era label follows the date field
            tab.fill("#business_date", "2027-02-19")
            tab.wait_for_function("document.getElementById('business_date_long')"
                                  ".textContent.includes('2570')")  # fmt: skip
            tab.fill("#business_date", "2026-11-21")
        for button in ("#preview-btn", "#run-btn"):
            assert_inside(tab, tab.locator(button), width, button)
        tab.click("#preview-btn")
        tab.wait_for_selector("#proposals tbody tr")
        assert_fits(tab, f"round preview at {width}")
        shot(tab, f"{width}-{lang}-round")
        if width > 600 and lang == "th":  # the print stylesheet: content only, no controls
            tab.emulate_media(media="print")
            assert not tab.locator("header.top").is_visible()
            assert not tab.locator("#run-btn").is_visible()
            assert tab.locator("#proposals").is_visible()
            tab.pdf(path=str(ARTIFACTS / "round-print.pdf"), format="A4")
            tab.emulate_media(media="screen")
        tab.goto("/web/scenarios")
        assert_inside(tab, tab.locator("#scenario-form button[type=submit]"), width, "simulate")
        if lang == "th":  # one simulation a width: the chart and the policy table
            tab.select_option("#scenario", "lamphun-2555.yaml")
            tab.fill("input[name=runs]", "1")
            tab.fill("input[name=days]", "3")
            tab.click("#scenario-form button[type=submit]")
            tab.wait_for_selector("#policies tbody tr")
        assert_fits(tab, f"scenarios at {width}")
        shot(tab, f"{width}-{lang}-scenarios")
        if lang == "th":
            assert_sarabun(tab, "h1")
        tab.context.close()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_member_actions_on_screen_at_both_widths(
    browser: Any, server: str, web: Web, lang: str
) -> None:
    saved_round(web)
    for width in WIDTHS:
        tab = tab_for(browser, server, width, web.tokens["C2"], lang)
        tab.wait_for_selector("#member-proposals button.accept")
        assert_fits(tab, f"member page at {width}")
        for action in ("button.accept", "button.decline"):
            assert_inside(tab, tab.locator(f"#member-proposals {action}"), width, action)
        shot(tab, f"{width}-{lang}-member")
        tab.context.close()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_funding_and_stress_page_fits_both_widths(
    browser: Any, server: str, web: Web, lang: str
) -> None:
    """Start a stress run and a short funding plan from the page; the job cards poll to
    their results (tables and charts), and nothing scrolls sideways."""
    for width in WIDTHS:
        tab = tab_for(browser, server, width, web.tokens["lamphun-office"], lang)
        tab.goto("/web/analysis")
        for button in ("#funding-btn", "#stress-btn"):
            assert_inside(tab, tab.locator(button), width, button)
        assert_fits(tab, f"analysis at {width}")
        tab.fill("#s-default", "C2")
        tab.click("#stress-btn")
        tab.wait_for_selector("#job-area .job[data-status=done] #losses tbody tr")
        tab.wait_for_load_state("networkidle")  # the chart loaded, the card stopped polling
        assert tab.locator("#job-area img.chart").evaluate("img => img.naturalWidth > 0")
        assert_fits(tab, f"stress result at {width}")
        shot(tab, f"{width}-{lang}-analysis-stress")
        tab.fill("#funding-form input[name=runs]", "2")
        tab.fill("#funding-form input[name=check_runs]", "1")
        tab.fill("#funding-form input[name=days]", "5")
        tab.click("#funding-btn")
        tab.wait_for_selector("#job-area .job[data-status=done] #rules tbody tr")
        tab.wait_for_load_state("networkidle")  # the chart loaded, the card stopped polling
        assert tab.locator("#job-area img.chart").evaluate("img => img.naturalWidth > 0")
        assert_fits(tab, f"funding result at {width}")
        shot(tab, f"{width}-{lang}-analysis-funding")
        if lang == "th":
            assert_sarabun(tab, "#job-area h2")
        tab.context.close()
