"""Thai-first display helpers of the web pages: the language switch, the page texts in Thai
and English (from the message catalogue, :mod:`api.web.messages`), baht amounts and Buddhist
Era dates.

Dates are stored in the Gregorian calendar; the Buddhist Era (พ.ศ. = ค.ศ. + 543) is display
only. Month names come from Babel's Thai and English locale data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import get_month_names

from api.schemas.common import parse_money
from api.services.round.calendar import BANGKOK
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
    N_("bad_key"), N_("too_many"), N_("session_revoked"), N_("session_expired"),
    N_("user_disabled_now"),
    # products' base units
    N_("unit_kg"), N_("unit_egg"), N_("unit_litre"),
    # order states, the order form's labels and choices, the notices after a post
    N_("order_open"), N_("order_reserved"), N_("order_filled"), N_("order_cancelled"),
    N_("order_expired"), N_("order_posted"), N_("order_amended"), N_("order_cancelled_now"),
    N_("field_amount"), N_("field_rate"), N_("field_max_term_days"),
    N_("field_cap_per_borrower"), N_("field_valid_until"), N_("field_term_days"),
    N_("field_min_amount"), N_("field_urgency"), N_("field_repayment"),
    N_("field_instalments"), N_("field_product"), N_("field_grade"), N_("field_quantity"),
    N_("field_reserve_price"), N_("field_spoilage_per_day"), N_("field_ready_date"),
    N_("field_expiry_date"), N_("field_bid_grade"), N_("field_bid_price"),
    N_("field_deliver_by"), N_("field_min_lot"), N_("field_creditor_coop_id"),
    N_("field_due_date"), N_("field_kind"), N_("choice_urgency_1"), N_("choice_urgency_2"),
    N_("choice_urgency_3"), N_("choice_urgency_4"), N_("choice_urgency_5"),
    N_("choice_repayment_bullet"), N_("choice_repayment_equal"), N_("hint_money"),
    N_("hint_rate"), N_("repayment_bullet"), N_("repayment_equal"), N_("date_time"),
    N_("reason_too_long"),
    # joint-purchase order forms: kinds, fields, schedule kinds, known inputs
    N_("input_need"), N_("supplier_offer"), N_("field_unit"), N_("field_max_price"),
    N_("field_latitude"), N_("field_longitude"), N_("field_schedule_kind"),
    N_("field_capacity_units"), N_("field_min_order_units"), N_("field_truck_capacity_units"),
    N_("field_truck_cost"), N_("field_truck_cost_per_km"), N_("field_lead_days"),
    N_("field_tier_min_units"), N_("field_tier_max_units"), N_("field_tier_price"),
    N_("choice_schedule_kind_all_units"), N_("choice_schedule_kind_incremental"),
    N_("input_diesel"), N_("input_layer_feed"),
    # accounts: roles, states, the password and account forms' fields
    N_("role_member"), N_("role_coordinator"), N_("role_admin"), N_("user_disabled"),
    N_("user_first_login"), N_("user_active"), N_("field_username"), N_("field_role"),
    N_("field_coop_id"), N_("field_principal"), N_("field_old_password"),
    N_("field_password"), N_("field_password_again"), N_("bad_password"),
    # the policies of the packaged scenarios (``policy_`` + the policy's name)
    N_("policy_baseline"), N_("policy_egg-price-crash"), N_("policy_feed-credit-stops"),
    N_("policy_idle-minus-30"), N_("policy_joint-fund"), N_("policy_joint-fund-2m"),
    N_("policy_late-buyer"), N_("policy_lender-drops-out"), N_("policy_no-joint-fund"),
    N_("policy_posted-rate"), N_("policy_price-crash"), N_("policy_proportional"),
    # the funding-plan and stress page: job states and phases, the plan's rules, form labels
    N_("job_queued"), N_("job_running"), N_("job_done"), N_("job_failed"),
    N_("phase_sample"), N_("phase_check"), N_("phase_ledger"), N_("phase_clearing"),
    N_("rule_plan"), N_("rule_no-buffer"), N_("rule_last-year"), N_("rule_p95-peak-daily"),
    N_("sampled_runs"), N_("check_runs"), N_("season_days"), N_("sim_day"),
    N_("price_fall_pct"), N_("losses"), N_("stress_summary"),
    # a saved round's report sections (named by the export's sheets)
    N_("explanations"), N_("shadow_values"),
    # know-how postings and start-up capital: the forms' titles, labels, sides, states, notices
    N_("knowhow_new_teach"), N_("knowhow_new_learn"), N_("side_teach"), N_("side_learn"),
    N_("posting_open"), N_("posting_closed"), N_("posting_withdrawn"), N_("knowhow_posted"),
    N_("startup_posted"), N_("knowhow_withdrawn_now"),
    N_("field_topic"), N_("field_capacity"), N_("field_max_distance_km"), N_("field_business"),
    # network tiers (``tier_`` + the level's name); a debt's source; know-how and
    # group-order roles and states (``knowhow_`` / ``purchase_`` + the row's role or status)
    N_("tier_area"), N_("tier_province"), N_("tier_region"), N_("tier_national"),
    # the policy form's choices (``pol_`` + the field + ``_`` + the value)
    N_("pol_rate_rule_midpoint"), N_("pol_rate_rule_posted"), N_("pol_price_rule_split"),
    N_("pol_price_rule_clearing"), N_("pol_overdue_loans_allow"),
    N_("pol_overdue_loans_refuse"), N_("pol_overdue_loans_cap"),
    N_("debts_instalment"), N_("debts_sale"), N_("debts_posted"),
    N_("knowhow_learner"), N_("knowhow_mentor"), N_("knowhow_pending"),
    N_("knowhow_accepted"), N_("knowhow_declined"), N_("knowhow_expired"),
    N_("knowhow_voided"), N_("purchase_buyer"), N_("purchase_supplier"),
    N_("purchase_coordinator"), N_("purchase_placed"), N_("purchase_pending"),
    N_("purchase_declined"), N_("purchase_expired"), N_("purchase_voided"),
)  # fmt: skip
"""Message ids a page chooses at run time, listed so that the catalogue keeps them."""


TIER_NAMES = {int(level): level.name.lower() for level in NetworkLevel}
"""A network level → its name (``0`` → ``area``); its words are ``tier_`` + the name."""
TIER_BY_NAME = {name: level for level, name in TIER_NAMES.items()}


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


def policy_row(row: dict[str, Any], lang: str) -> dict[str, Any]:
    """A simulator's policy row as a person reads it: the policy's name from the catalogue
    (``policy_`` + its name; the name itself when it has none) and the tiers in ``lang``.

    >>> policy_row({"policy": "joint-fund", "loans_by_tier": "area 5; province 7",
    ...             "sales_by_tier": "-"}, "th")["loans_by_tier"]
    'ระดับพื้นที่ 5; ระดับจังหวัด 7'
    """
    shown = dict(row)
    name = str(row["policy"])
    key = f"policy_{name}"
    shown["policy"] = name if text(key, lang) == key else text(key, lang)
    for column in ("loans_by_tier", "sales_by_tier"):
        shown[column] = "; ".join(
            " ".join((tier_label(part.split(" ")[0], lang), *part.split(" ")[1:]))
            for part in str(row[column]).split("; ")
        )
    return shown


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
    """A network level's name (``tier_`` + the level's name in the catalogue), e.g.
    ``ระดับพื้นที่`` / ``area``; the number itself for an unknown level.

    >>> tier_name(0, "th"), tier_name(3, "en"), tier_name(9, "th")
    ('ระดับพื้นที่', 'national', '9')
    """
    name = TIER_NAMES.get(int(level))
    return str(level) if name is None else text(f"tier_{name}", lang)


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


def long_datetime(moment: datetime | None, lang: str) -> str:
    """An instant as a person in Thailand reads it: the Asia/Bangkok date written out and
    the time of day.

    >>> long_datetime(datetime(2026, 11, 23, 16, 59, 59, tzinfo=UTC), "th")
    '23 พฤศจิกายน 2569 เวลา 23:59 น.'
    >>> long_datetime(datetime(2026, 11, 23, 16, 59, 59), "en")
    '23 November 2026, 23:59 Bangkok time'
    """
    if moment is None:
        return "-"
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    local = aware.astimezone(BANGKOK)
    clock = f"{local.hour:02d}:{local.minute:02d}"
    day = long_date(local.date(), lang)
    return text("date_time", lang).format(day=day, clock=clock)


def baht(amount_satang: int | None) -> str:
    """Satang as baht with thousands separators (``1,234.50``); ``-`` when unknown."""
    return "-" if amount_satang is None else format_baht(int(amount_satang))


def baht_text(amount: str | None) -> str:
    """A decimal baht string (as ``/v1`` writes money) with thousands separators.

    >>> baht_text("1234567.50"), baht_text(None)
    ('1,234,567.50', '-')
    """
    return "-" if amount is None else format_baht(parse_money(amount))


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
