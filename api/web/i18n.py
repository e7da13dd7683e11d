"""Thai-first display helpers of the web pages: the language switch, the page texts in Thai
and English (from the message catalogue, :mod:`api.web.messages`), baht amounts and Buddhist
Era dates.

Dates are stored in the Gregorian calendar; the Buddhist Era (พ.ศ. = ค.ศ. + 543) is display
only. Month names come from Babel's Thai and English locale data.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names

from api.web import messages
from matcher.domain import NetworkLevel
from matcher.liquidity.reasons import TEXT as REASON_TEXT
from matcher.money import format_baht, format_bps_percent, satang_to_decimal_string

LANGS = ("th", "en")
LANG_COOKIE = "cm_lang"
BE_OFFSET = 543

TEXT: dict[str, tuple[str, str]] = messages.pairs()
"""Message id → (Thai, English), read from the Babel catalogues (:mod:`api.web.messages`)."""


def N_(key: str) -> str:  # noqa: N802 - gettext's name for a no-op marker
    """Mark ``key`` as a message id for ``make messages`` (the page picks it at run time)."""
    return key


RUN_TIME_IDS = (
    # statuses, kinds, sides and fill states a row carries
    N_("pending"), N_("committed"), N_("declined"), N_("expired"), N_("voided"),
    N_("liquidity_offer"), N_("liquidity_need"), N_("stock_lot"), N_("purchase_order"),
    N_("obligation"), N_("supply_loan"), N_("demand_loan"), N_("supply_sale"),
    N_("demand_sale"), N_("partly_filled"), N_("unmatched_state"), N_("offer"), N_("need"),
    # a solve's status, the fairness choices, the round's figures, the scenario knobs
    N_("solve_optimal"), N_("solve_feasible"), N_("solve_time_limited"),
    N_("solve_infeasible"), N_("fairness_file"), N_("fairness_maxmin"),
    N_("fairness_proportional"), N_("fairness_coverage"), N_("debt_cleared"),
    N_("needs_posted"), N_("needs_shrunk"), N_("loans_total"), N_("sales_total"),
    N_("new_obligations"), N_("runs"), N_("days"), N_("seed"), N_("idle_share"),
    # login refusals
    N_("bad_key"), N_("too_many"),
    # products' base units
    N_("unit_kg"), N_("unit_egg"), N_("unit_litre"),
    # the policies of the packaged scenarios (``policy_`` + the policy's name)
    N_("policy_baseline"), N_("policy_egg-price-crash"), N_("policy_feed-credit-stops"),
    N_("policy_idle-minus-30"), N_("policy_joint-fund"), N_("policy_joint-fund-2m"),
    N_("policy_late-buyer"), N_("policy_lender-drops-out"), N_("policy_no-joint-fund"),
    N_("policy_posted-rate"), N_("policy_price-crash"), N_("policy_proportional"),
)  # fmt: skip
"""Message ids a page chooses at run time, listed so that the catalogue keeps them."""


TIER_TEXT: dict[int, tuple[str, str]] = {
    NetworkLevel.AREA: ("ระดับพื้นที่", "area"),
    NetworkLevel.PROVINCE: ("ระดับจังหวัด", "province"),
    NetworkLevel.REGION: ("ระดับภาค", "region"),
    NetworkLevel.NATIONAL: ("ระดับประเทศ", "national"),
}


TIER_BY_NAME = {"area": 0, "province": 1, "region": 2, "national": 3}


def state_text(state: str, lang: str) -> str:
    """A fill state (filled / partly_filled / unmatched) in words."""
    key = "unmatched_state" if state == "unmatched" else state
    return text(key, lang)


def unit_name(unit: str, lang: str) -> str:
    """A product's base unit in words (``kg`` → ``กก.``); the unit itself when unknown."""
    shown = text(f"unit_{unit}", lang)
    return unit if shown == f"unit_{unit}" else shown


def goods_text(goods: dict[str, Any] | None, lang: str) -> str:
    """Goods (:func:`api.web.queries.goods_of`) in words: ``ลำไย AA 1,000 กก.``."""
    if not goods:
        return ""
    name = goods["names"][0 if lang == "th" else 1]
    return f"{name} {goods['grade']} {goods['quantity']:,} {unit_name(goods['unit'], lang)}"


def tier_label(name: str, lang: str) -> str:
    """A tier stored by name (``area``) in words (``ระดับพื้นที่``)."""
    level = TIER_BY_NAME.get(name)
    return name if level is None else tier_name(level, lang)


def pick_lang(query_lang: str | None, cookie_lang: str | None) -> str:
    """The page language: ``?lang=`` first, then the cookie, else Thai.

    >>> pick_lang(None, None), pick_lang("en", "th"), pick_lang("xx", "en")
    ('th', 'en', 'en')
    """
    for lang in (query_lang, cookie_lang):
        if lang in LANGS:
            return str(lang)
    return "th"


def text(key: str, lang: str) -> str:
    """The page text ``key`` in ``lang`` (the key itself when unknown)."""
    pair = TEXT.get(key) or REASON_TEXT.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "th" else pair[1]


def tier_name(level: int, lang: str) -> str:
    """A network level's name, e.g. ``ระดับพื้นที่`` / ``area``."""
    th, en = TIER_TEXT.get(level, (str(level), str(level)))
    return th if lang == "th" else en


def long_date(day: date | datetime | None, lang: str) -> str:
    """A date written out: Buddhist Era in Thai, Gregorian in English.

    >>> long_date(date(2026, 11, 21), "th"), long_date(date(2026, 11, 21), "en")
    ('21 พฤศจิกายน 2569', '21 November 2026')
    >>> long_date(None, "th")
    '-'
    """
    if day is None:
        return "-"
    if isinstance(day, datetime):
        day = day.date()
    months = get_month_names("wide", locale="th" if lang == "th" else "en")
    year = day.year + BE_OFFSET if lang == "th" else day.year
    return f"{day.day} {months[day.month]} {year}"


def baht(amount_satang: int | None) -> str:
    """Satang as baht with thousands separators (``1,234.50``); ``-`` when unknown."""
    return "-" if amount_satang is None else format_baht(int(amount_satang))


def percent(rate_bps: int | None) -> str:
    """Basis points as a percentage with two places."""
    return "-" if rate_bps is None else format_bps_percent(int(rate_bps))


def baht_decimal(amount_satang: int) -> Decimal:
    """Satang as an exact baht :class:`~decimal.Decimal` (a number cell in Excel).

    >>> baht_decimal(123456), baht_decimal(-5)
    (Decimal('1234.56'), Decimal('-0.05'))
    """
    return Decimal(satang_to_decimal_string(amount_satang))


def percent_decimal(rate_bps: int | None) -> Decimal | None:
    """Basis points as an exact percentage :class:`~decimal.Decimal` (``350`` → ``3.50``).

    >>> percent_decimal(350), percent_decimal(None)
    (Decimal('3.50'), None)
    """
    return None if rate_bps is None else Decimal(int(rate_bps)).scaleb(-2)
