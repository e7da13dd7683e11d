"""Charts render Thai labels from the packaged Sarabun font (no missing-glyph warnings, on a
machine with or without Thai system fonts); the HTML report stands alone."""

from __future__ import annotations

import warnings
from pathlib import Path

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
    from scenarios.sim.charts import summary_chart

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = summary_chart(f"{lamphun.spec.name_th}\n{lamphun.spec.name_en}", rows)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []


def test_thai_glyphs_come_from_the_packaged_font(lamphun: Scenario) -> None:
    """The first font matplotlib tries is the packaged Sarabun file, and it holds every Thai
    letter of the chart, so no system font is ever asked for one."""
    pytest.importorskip("matplotlib")
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    from scenarios import fonts
    from scenarios.sim.charts import CHART_FONTS, thai_font

    assert thai_font() == fonts.FAMILY == CHART_FONTS[0]
    chosen = font_manager.fontManager._find_fonts_by_props(FontProperties(family=list(CHART_FONTS)))
    assert Path(chosen[0]).resolve() == fonts.REGULAR
    bold = font_manager.findfont(FontProperties(family=fonts.FAMILY, weight="bold"))
    assert Path(bold).resolve() == fonts.BOLD
    thai_text = lamphun.spec.name_th + "สภาพคล่อง ผลผลิต วันขาดเงิน ได้รับเงินตามต้องการ ๑๒๓"
    cmap = TTFont(fonts.REGULAR)["cmap"].getBestCmap()
    assert [ch for ch in thai_text if "\u0e00" <= ch <= "\u0e7f" and ord(ch) not in cmap] == []
    assert all(ord(ch) in cmap for ch in "0123456789 ABCxyz.,%()")
    assert "SIL Open Font License" in fonts.LICENSE.read_text(encoding="utf-8")


def test_html_report(lamphun: Scenario, rows: list) -> None:  # type: ignore[type-arg]
    page = html_report(lamphun, rows, {"runs": 2, "seed": 1}, b"\x89PNG fake")
    assert page.startswith("<!DOCTYPE html>")
    assert lamphun.spec.name_th in page
    assert "ตัวอย่างสมมติ" in page
    assert "data:image/png;base64," in page
    assert "@font-face{font-family:Sarabun" in page  # Thai reads without system fonts
    assert page.count("<tr>") == 1 + len(rows)
