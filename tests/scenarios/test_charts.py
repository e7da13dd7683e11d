"""Charts render Thai labels with no missing-glyph warnings; the HTML report stands alone."""

from __future__ import annotations

import warnings

import pytest

from scenarios.sim.html import html_report
from scenarios.sim.loader import Scenario
from scenarios.sim.metrics import summarise
from scenarios.sim.montecarlo import Executor, run_monte_carlo, with_days
from scenarios.sim.report import summary_rows


@pytest.fixture(scope="module")
def rows(lamphun: Scenario) -> list[dict[str, str | int | float]]:
    seasons = run_monte_carlo(with_days(lamphun, 6), 2, 1, Executor.SERIAL)
    return summary_rows(summarise(seasons))


def test_thai_chart_has_every_glyph(lamphun: Scenario, rows: list) -> None:  # type: ignore[type-arg]
    pytest.importorskip("matplotlib")
    from scenarios.sim.charts import summary_chart, thai_font

    if thai_font() is None:
        pytest.skip("no Thai font installed (apt-get install fonts-thai-tlwg)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = summary_chart(f"{lamphun.spec.name_th}\n{lamphun.spec.name_en}", rows)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []


def test_html_report(lamphun: Scenario, rows: list) -> None:  # type: ignore[type-arg]
    page = html_report(lamphun, rows, {"runs": 2, "seed": 1}, b"\x89PNG fake")
    assert page.startswith("<!DOCTYPE html>")
    assert lamphun.spec.name_th in page
    assert "ตัวอย่างสมมติ" in page
    assert "data:image/png;base64," in page
    assert page.count("<tr>") == 1 + len(rows)
