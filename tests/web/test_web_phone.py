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
    tab.click("details.key-login summary")  # a machine key: people log in with a password
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
        tab = tab_for(browser, server, width, web.tokens["C4"], lang)
        tab.wait_for_selector("#member-proposals a.see-terms")
        assert_fits(tab, f"member page at {width}")
        assert_inside(tab, tab.locator("#member-proposals a.see-terms"), width, "see the terms")
        shot(tab, f"{width}-{lang}-member")
        tab.locator("#member-proposals a.see-terms").first.click()  # N4: four instalments
        tab.wait_for_selector("#schedule tbody tr")
        assert_fits(tab, f"proposal page at {width}")
        for action in ("button.accept", "a.decline"):
            assert_inside(tab, tab.locator(action), width, action)
        shot(tab, f"{width}-{lang}-proposal")
        tab.click("a.decline")
        tab.wait_for_selector("#decline-form textarea")
        assert_fits(tab, f"decline page at {width}")
        assert_inside(tab, tab.locator("#decline-form button.decline"), width, "confirm decline")
        shot(tab, f"{width}-{lang}-decline")
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


@pytest.mark.parametrize("lang", ["th", "en"])
def test_member_order_pages_fit_both_widths(browser: Any, server: str, web: Web, lang: str) -> None:
    for width in WIDTHS:
        tab = tab_for(browser, server, width, web.tokens["C2"], lang)
        tab.goto("/web/member/orders")
        tab.wait_for_selector("#member-orders a.amend")
        assert_fits(tab, f"orders at {width}")
        assert_inside(tab, tab.locator("#new-order a.button"), width, "new order")
        for action in ("a.amend", "a.cancel"):
            assert_inside(tab, tab.locator(f"#member-orders {action}"), width, action)
        shot(tab, f"{width}-{lang}-orders")
        tab.goto("/web/member/orders/new?kind=liquidity_need")
        tab.fill("#f-amount", "12x")  # a refused form: the error beside its field
        tab.fill("#f-rate", "6.5")
        tab.click("#post-order")
        tab.wait_for_selector("#e-amount")
        assert tab.input_value("#f-amount") == "12x"
        assert_fits(tab, f"order form at {width}")
        assert_inside(tab, tab.locator("#post-order"), width, "post the order")
        shot(tab, f"{width}-{lang}-order-form")
        tab.goto("/web/member/orders/new?kind=supplier_offer")  # a rising price in the schedule
        for name, value in (("product", "diesel"), ("capacity_units", "5000"),
                            ("truck_capacity_units", "5000"), ("tier-1-min_units", "0"),
                            ("tier-1-max_units", "999"), ("tier-1-price", "30"),
                            ("tier-2-min_units", "1000"), ("tier-2-price", "31")):  # fmt: skip
            tab.fill(f"#f-{name}", value)
        tab.click("#post-order")
        tab.wait_for_selector("#e-tier-2-price")
        assert tab.input_value("#f-tier-2-price") == "31"
        assert_fits(tab, f"offer form at {width}")
        assert_inside(tab, tab.locator("#f-tier-2-price"), width, "the tier's price")
        shot(tab, f"{width}-{lang}-offer-form")
        tab.goto("/web/member/orders/N2/amend")
        assert_inside(tab, tab.locator("#amend-order"), width, "amend")
        assert_fits(tab, f"amend at {width}")
        shot(tab, f"{width}-{lang}-order-amend")
        tab.context.close()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_account_pages_fit_both_widths(browser: Any, server: str, web: Web, lang: str) -> None:
    from http_fixtures import FAST_HASHER

    from api.http.users import create_user

    for width in WIDTHS:
        made = create_user(web.engine, f"admin{width}", role="admin", principal="ops",
                           hasher=FAST_HASHER)  # fmt: skip
        context = browser.new_context(
            base_url=server, viewport={"width": width, "height": 844 if width < 600 else 900}
        )
        tab = context.new_page()
        tab.goto(f"/web/login?lang={lang}")
        assert_fits(tab, f"login at {width}")
        shot(tab, f"{width}-{lang}-login")
        tab.fill("#username", made.username)
        tab.fill("#password", made.first_password)
        tab.click("button[type=submit]")
        tab.wait_for_selector("#password-form")  # the first login picks a password first
        assert_inside(tab, tab.locator("#change-password"), width, "change password")
        tab.fill("#f-old_password", made.first_password)
        tab.fill("#f-password", "short")
        tab.fill("#f-password_again", "short")
        tab.click("#change-password")
        tab.wait_for_selector("#password-form .field-error")
        assert_fits(tab, f"password at {width}")
        shot(tab, f"{width}-{lang}-password")
        tab.fill("#f-old_password", made.first_password)
        tab.fill("#f-password", "a-good-password")
        tab.fill("#f-password_again", "a-good-password")
        tab.click("#change-password")
        tab.click("a.button.primary")
        tab.wait_for_selector("#user-form")
        tab.fill("#f-username", f"member{width}")
        tab.select_option("#f-coop_id", "C2")
        tab.click("#create-user")
        tab.wait_for_selector("#first-password")
        assert_fits(tab, f"accounts at {width}")
        assert_inside(tab, tab.locator("#create-user"), width, "create the account")
        shot(tab, f"{width}-{lang}-accounts")
        context.close()


COORDINATOR_PAGES = ("/web/policy", "/web/debts", "/web/declines", "/web/purchases",
                     "/web/knowhow", "/web/no-such-page")  # fmt: skip
MEMBER_PAGES = ("/web/member/debts", "/web/member/purchases", "/web/member/knowhow",
                "/web/member/knowhow/new?side=teach", "/web/member/startup/new",
                "/web/member/orders/new?kind=input_need",
                "/web/member/orders/new?kind=supplier_offer")  # fmt: skip


def shot_name(path: str) -> str:
    return (
        path.removeprefix("/web/").replace("/", "-").replace("?side=", "-").replace("?kind=", "-")
    )


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_other_page_fits_both_widths(browser: Any, server: str, web: Web, lang: str) -> None:
    """The pages the tests above do not walk through: nothing scrolls sideways, the header
    (one swipeable row of links on a phone) leaves the page on the first screen."""
    saved_round(web)
    for width in WIDTHS:
        for who, paths in (("lamphun-office", COORDINATOR_PAGES), ("C2", MEMBER_PAGES)):
            tab = tab_for(browser, server, width, web.tokens[who], lang)
            for path in paths:
                tab.goto(path)
                tab.wait_for_load_state("networkidle")
                shot(tab, f"{width}-{lang}-{shot_name(path)}")
                assert_fits(tab, f"{path} at {width}")
                header = tab.locator("header.top").bounding_box()
                assert header is not None and header["height"] < 160, f"{path}: {header}"
                assert_inside(tab, tab.locator("h1"), width, f"{path} title")
            tab.context.close()
