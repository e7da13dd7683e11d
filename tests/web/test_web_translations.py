"""Thai everywhere a person reads: the message catalogue is complete, and every page, rendered
in Thai, shows no English word, and rendered in English, no Thai word, beyond the data
itself (coop and network names, ids) and a short maintained list.

The catalogue test needs no pages: every id the templates and code use (Babel's extractors,
:mod:`api.web.extract_messages`) has a Thai text with Thai letters and an English one without,
and the catalogue holds no id nobody uses. The page test renders each page through the app
(a saved round, a preview, a simulation, the member's pages, the 404) and reads what a
person sees: the text nodes and the ``title``/``alt``/``aria-label``/``placeholder``
attributes, not scripts or styles.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from http_fixtures import FAST_HASHER
from sqlalchemy import select
from sqlalchemy import text as sql
from test_web_phone import saved_round
from webfixtures import Web, token_of

from api.db.tables import ProposalRow
from api.db.tx import read_session
from api.http.users import create_user
from api.web import extract_messages, messages, order_form

THAI = re.compile(r"[\u0e00-\u0e7f]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")
ENGLISH_ALLOWED = {
    # product and file names, units and formats a Thai page names as they are
    "coopmatch", "Excel", "CSV", "PDF", "API", "English", "max", "min", "kg",
    "Natural", "Earth",  # the map's outlines are named by their source, Natural Earth
}  # fmt: skip
"""Latin words a Thai page may show: the product's name, file formats and the language
switch. Ids and codes (upper case or with digits) are data, never UI words."""
THAI_ALLOWED = ("ภาษาไทย", "พ.ศ.")
"""Thai an English page may show: the switch to Thai, and the Buddhist Era's name where an
English message explains a Buddhist-Era year."""


class Visible(HTMLParser):
    """The text a person reads: text nodes and the readable attributes."""

    READABLE = ("title", "alt", "aria-label", "placeholder")
    NOT_READ = ("script", "style", "code")
    """Scripts, styles and commands to type (``<code>``) are not words to translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.NOT_READ:
            self._hidden += 1
        self.parts += [v for k, v in attrs if k in self.READABLE and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.NOT_READ:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = Visible()
    parser.feed(html)
    return " ".join(parser.parts)


def data_names(web: Web, lang: str) -> list[str]:
    """Names that are data (coops, networks, products) as a page in ``lang`` should show
    them: the name in that language, or the Thai one where no English one was entered; and
    the user names and principals people typed; longest first."""
    names: set[str] = set()
    with web.engine.connect() as conn:
        for table in ("coop", "network", "product"):
            for th, en in conn.execute(sql(f"SELECT name_th, name_en FROM {table}")):
                names.add(th if lang == "th" or not en else en)
        for query in ("SELECT username FROM web_user", "SELECT principal FROM api_key"):
            names.update(str(name) for (name,) in conn.execute(sql(query)))  # typed ids
    return sorted((n for n in names if n), key=len, reverse=True)


def leaks(html: str, lang: str, names: list[str]) -> set[str]:
    """Words of the other language on a page in ``lang``."""
    shown = visible_text(html)
    for name in names + (list(THAI_ALLOWED) if lang == "en" else []):
        shown = shown.replace(name, " ")
    if lang == "th":
        words = {w for w in LATIN_WORD.findall(shown) if not w.isupper()}
        return {w for w in words if w not in ENGLISH_ALLOWED}
    return set(THAI.findall(shown))


def test_the_catalogue_covers_every_id_in_both_languages() -> None:
    used = set(extract_messages.used_ids())
    assert used, "no message ids found"
    th, en = messages.translations("th"), messages.translations("en")
    assert not used - set(th), f"ids with no Thai text: {sorted(used - set(th))}"
    assert not used - set(en), f"ids with no English text: {sorted(used - set(en))}"
    stale = (set(th) | set(en)) - used
    assert not stale, f"catalogue ids nobody uses: {sorted(stale)}"
    not_thai = [k for k in used if not THAI.search(th[k]) and not th[k].isdigit()]
    not_thai.remove("language")  # the switch on a Thai page says "English"
    assert not not_thai, f"Thai texts with no Thai letters: {not_thai}"
    not_english = [k for k in used if THAI.search(en[k]) and en[k] not in THAI_ALLOWED]
    assert not not_english, f"English texts with Thai letters: {not_english}"


def pages(web: Web, lang: str) -> dict[str, str]:
    """Every page as a person gets it, in ``lang``."""
    out: dict[str, str] = {}
    client = web.client
    web.logout()
    out["login"] = client.get(f"/web/login?lang={lang}").text
    out["404"] = client.get("/web/no-such-page").text
    web.login("lamphun-office")
    for path in ("/web/today", "/web/follow", "/web/round", "/web/scenarios", *COORDINATOR_PAGES):
        out[path] = client.get(path).text
    token = token_of(out["/web/round"])
    out["preview"] = client.post(
        "/web/round/preview",
        data={"form_token": token, "network": "LPN", "business_date": "2026-11-21"},
    ).text
    sim = client.post(
        "/web/scenarios/run",
        data={"form_token": token_of(out["/web/scenarios"]), "scenario": "lamphun-2555.yaml",
              "runs": "1", "days": "3", "seed": "1", "idle_pct": "70"},
    )  # fmt: skip
    assert sim.status_code == 200, sim.text
    out["simulation"] = sim.text
    web.logout()
    web.login("C2")
    client.get(f"/web/member?lang={lang}")
    with read_session(web.engine) as s:
        mine = [p.id for p in s.execute(select(ProposalRow)).scalars()
                if "C2" in (p.supply_coop_id, p.demand_coop_id)]  # fmt: skip
    assert mine
    paths = [*MEMBER_PAGES, *(f"/web/member/proposals/{i}" for i in mine),
             f"/web/member/proposals/{mine[0]}/decline"]  # fmt: skip
    for path in paths:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        out[path] = page.text
    bad = client.post(
        "/web/member/orders/new",
        data={"form_token": token_of(out["/web/member/orders/new?kind=purchase_order"]),
              "kind": "purchase_order", "quantity": "x", "deliver_by": "2569-01-01"},
    )  # fmt: skip
    assert bad.status_code == 422
    out["refused order form"] = bad.text
    web.logout()
    made = create_user(web.engine, f"admin.{lang}", role="admin", principal="ops",
                       hasher=FAST_HASHER)  # fmt: skip
    page = client.get(f"/web/login?lang={lang}")  # logging out forgot the language
    client.post("/web/login", data={"username": made.username, "password": made.first_password,
                                    "form_token": token_of(page.text)})  # fmt: skip
    out["first password"] = client.get("/web/password").text
    out["refused password"] = client.post(
        "/web/password", data={"form_token": token_of(out["first password"]),
                               "old_password": "x", "password": "y", "password_again": "z"},
    ).text  # fmt: skip
    done = client.post(  # a new form's token: the refused one's answer is kept for its token
        "/web/password", data={"form_token": token_of(out["refused password"]),
                               "old_password": made.first_password, "password": "pass-word-1",
                               "password_again": "pass-word-1"},
    )  # fmt: skip
    out["password changed"] = done.text
    out["accounts"] = client.get("/web/admin/users").text
    assert 'id="user-form"' in out["accounts"], "the admin's first password was not changed"
    out["account created"] = client.post(
        "/web/admin/users", data={"form_token": token_of(out["accounts"]), "username": "m.c1",
                                  "role": "member", "coop_id": "C1"},
    ).text  # fmt: skip
    out["reset asked"] = client.get("/web/admin/users/m.c1/reset").text
    out["password reset"] = client.post(
        "/web/admin/users/m.c1/reset", data={"form_token": token_of(out["reset asked"])}
    ).text
    assert 'id="reset-user"' in out["password reset"]
    web.logout()
    return out


COORDINATOR_PAGES = ("/web/policy", "/web/debts", "/web/declines", "/web/purchases")
"""The pages whose texts were page-local tables before they joined the catalogue."""
MEMBER_PAGES = (
    "/web/member", "/web/member/orders", "/web/member/debts", "/web/member/knowhow",
    "/web/member/purchases", "/web/member/orders/N2/amend",
    "/web/member/orders/P2/cancel",
    *(f"/web/member/orders/new?kind={kind}" for kind in order_form.KINDS),
)  # fmt: skip


@pytest.mark.parametrize("lang", ["th", "en"])
def test_every_page_speaks_one_language(web: Web, lang: str) -> None:
    saved_round(web)
    with web.engine.begin() as conn:  # two coops with English names: shown on English pages
        for coop, name in (("C2", "Mueang Lamphun Agricultural Coop"),
                           ("C3", "Pa Sang Agricultural Coop")):  # fmt: skip
            conn.execute(sql("UPDATE coop SET name_en = :n WHERE id = :c"), {"n": name, "c": coop})
    web.client.get(f"/web/login?lang={lang}")  # the language cookie
    shown = pages(web, lang)
    names = data_names(web, lang)  # after the pages: the accounts they made are data too
    found = {name: leaks(html, lang, names) for name, html in shown.items()}
    found = {name: words for name, words in found.items() if words}
    assert not found, f"untranslated words on the {lang} pages: {found}"


def test_the_simulation_report_reads_in_thai() -> None:
    from api.cli.simulate import thai_report
    from api.web.scenario_pages import SCENARIO_DIR
    from scenarios.sim.loader import load_scenario
    from scenarios.sim.metrics import summarise
    from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days
    from scenarios.sim.report import summary_rows

    scenario = with_days(load_scenario(SCENARIO_DIR / "lamphun-2555.yaml"), 3)
    rows = summary_rows(summarise(run_monte_carlo(scenario, 1, 1, Executor.SERIAL)))
    settings = {"scenario": "lamphun-2555.yaml", "runs": 1, "seed": 1, "executor": "serial",
                "days": 3, "seconds": 0.5}  # fmt: skip
    page = thai_report(scenario, rows, settings, None, [])
    table = page.split("<table>")[1].split("</table>")[0]
    words = {w for w in LATIN_WORD.findall(visible_text(table)) if not w.isupper()}
    assert not words - ENGLISH_ALLOWED, f"untranslated words in the report's table: {words}"
    assert "สัมประสิทธิ์จีนี" in table and "ระดับพื้นที่" in table and "แบบปัจจุบัน" in table
    assert re.search(r">\d{1,3}(,\d{3})+\.\d\d<", table), "money without separators"
    assert "จำลองฤดูกาล 3 วัน จำนวน 1 รอบ" in page and "จำนวนรอบจำลอง: 1" in page
