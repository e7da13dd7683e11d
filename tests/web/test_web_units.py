"""Pure helpers of the web pages: Buddhist Era dates, the language switch, form tokens and
the web secret's length, the form replay store and the picture (same input, same SVG, in any
order)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from babel.dates import get_month_names
from hypothesis import given
from hypothesis import strategies as st

from api.web.i18n import long_date, pick_lang, text
from api.web.picture import Flow, flow_svg
from api.web.security import FormReplay, Signer, WeakSecretError


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_thai_dates_are_buddhist_era(day: date) -> None:
    day_text, month, year = long_date(day, "th").split(" ")
    assert int(day_text) == day.day and int(year) == day.year + 543
    assert month == get_month_names("wide", locale="th")[day.month]
    assert long_date(day, "en").split(" ")[2] == str(day.year)


def test_language_choice_and_texts() -> None:
    assert pick_lang(None, None) == "th"
    assert pick_lang("en", None) == "en" and pick_lang(None, "en") == "en"
    assert pick_lang("fr", "de") == "th"
    assert text("today", "th") == "วันนี้" and text("today", "en") == "Today"
    assert text("funds_exhausted", "th") == "เงินทุนในเครือข่ายไม่พอ"


def test_a_web_secret_under_32_bytes_is_refused() -> None:
    for short in (b"", b"s", b"x" * 31):
        with pytest.raises(WeakSecretError, match="at least 32 bytes"):
            Signer(short)
    Signer(b"x" * 32)


def test_form_tokens_are_bound_to_their_session() -> None:
    signer = Signer(b"k" * 32)
    token = signer.form_token("key-a")
    assert signer.check_form_token("key-a", token)
    assert not signer.check_form_token("key-b", token)
    assert not signer.check_form_token("key-a", token + "x")
    assert not signer.check_form_token("key-a", None)
    assert signer.form_token("key-a") != token  # fresh per render


def test_replay_runs_an_action_once_even_when_posted_together() -> None:
    replay, calls, gate = FormReplay(), [], threading.Event()

    def action() -> str:
        calls.append(1)
        gate.wait(2)
        return f"answer {len(calls)}"

    answers: list[object] = []
    threads = [
        threading.Thread(target=lambda: answers.append(replay.once("t", action))) for _ in range(3)
    ]
    for th in threads:
        th.start()
    gate.set()
    for th in threads:
        th.join()
    assert calls == [1] and answers == ["answer 1"] * 3
    assert replay.once("other", action) == "answer 2"


PLACES = {
    "A": ("สหกรณ์ก <b>", "5101", None, None),
    "B": ("สหกรณ์ข", "5106", None, None),
    "C": ("สหกรณ์ค", "", 1_858_000, 9_900_000),
    "D": ("สหกรณ์ง", "", None, None),
}


@given(st.permutations([Flow("A", "B", 500), Flow("C", "B", 100), Flow("A", "D", 7)]))
def test_picture_is_the_same_in_any_order(flows: list[Flow]) -> None:
    svg = flow_svg(flows, PLACES, "ภาพ")
    assert svg == flow_svg(sorted(flows, key=lambda f: f.source + f.target), PLACES, "ภาพ")
    assert svg.count("<line") == 3 and svg.count("<circle") == 4
    assert "<b>" not in svg and "&lt;b&gt;" in svg  # names are escaped


def test_doctests_of_the_display_helpers() -> None:
    import doctest

    from api.web import i18n

    result = doctest.testmod(i18n)
    assert result.attempted >= 4 and result.failed == 0


def test_scenario_knobs_apply_to_every_policy_and_bad_ones_are_named() -> None:
    from api.web.scenario_pages import SCENARIO_DIR, parse_knobs, with_knobs
    from scenarios.sim.loader import load_scenario

    base = load_scenario(SCENARIO_DIR / "lamphun-2555.yaml")
    changed = with_knobs(base, 70, "coverage")
    for before, after in zip(base.spec.policies, changed.spec.policies, strict=True):
        assert after.idle_funds_bps == before.idle_funds_bps * 70 // 100
        assert after.fairness == "coverage" and after.name == before.name
    kept = with_knobs(base, 100)
    assert [p.fairness for p in kept.spec.policies] == [p.fairness for p in base.spec.policies]
    knobs, errors = parse_knobs({"scenario": "loei.yaml", "fairness": "lottery", "days": "x"})
    assert knobs is None
    assert any(e.startswith("fairness: 'lottery'") for e in errors)
    assert any(e.startswith("days: 'x'") for e in errors)
    knobs, errors = parse_knobs({"scenario": "../secrets.yaml"})
    assert knobs is None and errors[0].startswith("scenario: '../secrets.yaml'")


def test_configured_web_secret_keeps_form_tokens_across_restarts() -> None:
    from api.http.app import create_app
    from api.settings import Settings

    def signer_of(secret: str | None) -> Signer:
        app = create_app(Settings(database_url="sqlite://", web_secret=secret))
        return app.state.web.signer  # type: ignore[no-any-return]

    token = signer_of("s" * 40).form_token("session-a")
    assert signer_of("s" * 40).check_form_token("session-a", token)
    assert not signer_of("t" * 40).check_form_token("session-a", token)
    assert not signer_of(None).check_form_token("session-a", token)
    with pytest.raises(WeakSecretError):
        signer_of("s")
