"""The payments and declined-pairs pages on a phone (390 px) and a desktop (1366 px), in Thai
and English, in headless Chromium: no sideways scroll, the payment form's button and the
"propose again" button inside the viewport, a payment recorded from the browser, and a
screenshot of each page in ``test-artifacts/web/widths``."""

from __future__ import annotations

from typing import Any

import pytest
import test_web_phone
from sqlalchemy import select
from test_web_phone import WIDTHS, assert_fits, assert_inside, saved_round, shot, tab_for
from webfixtures import Web

from api.db.tables import ProposalRow
from api.db.tx import read_session
from api.services.proposals import decline_proposal

browser = test_web_phone.browser
server = test_web_phone.server
pytestmark = test_web_phone.pytestmark
LATER = "2026-11-28"


def _decline_one(web: Web) -> None:
    with read_session(web.engine) as s:
        p = s.execute(select(ProposalRow).where(ProposalRow.kind == "loan")).scalars().first()
    assert p is not None
    decline_proposal(web.engine, int(p.id or 0), p.demand_coop_id,
                     reason="ดอกเบี้ยสูงเกินไป / rate too high")  # fmt: skip


@pytest.mark.parametrize("lang", ["th", "en"])
def test_payments_and_declines_fit_both_widths(
    browser: Any, server: str, web: Web, lang: str
) -> None:
    saved_round(web)
    _decline_one(web)
    for width in WIDTHS:
        tab = tab_for(browser, server, width, web.tokens["lamphun-office"], lang)
        tab.goto(f"/web/debts?as_of={LATER}")
        assert tab.locator("tr.overdue").count() >= 1
        assert_fits(tab, f"payments at {width}")
        assert_inside(tab, tab.locator("#pay button[type=submit]"), width, "record payment")
        shot(tab, f"{width}-{lang}-debts")
        if width == WIDTHS[0]:  # a payment from the phone
            tab.fill("#amount", "1,000.00")
            tab.click("#pay button[type=submit]")
            tab.wait_for_selector("p.ok")
            assert_fits(tab, f"payment recorded at {width}")
            shot(tab, f"{width}-{lang}-debts-paid")
        tab.goto("/web/declines")
        assert_fits(tab, f"declines at {width}")
        assert_inside(tab, tab.locator("#declines button"), width, "propose again")
        shot(tab, f"{width}-{lang}-declines")
        tab.context.close()
        member = tab_for(browser, server, width, web.tokens["C2"], lang)
        member.goto(f"/web/member/debts?as_of={LATER}")
        assert_fits(member, f"member debts at {width}")
        assert_inside(member, member.locator("#pay button[type=submit]"), width, "member pay")
        shot(member, f"{width}-{lang}-member-debts")
        member.context.close()
