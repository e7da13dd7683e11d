"""One self-contained HTML report per run: scenario, settings, the policy table, the chart.

Everything is escaped; the chart is embedded as a base64 PNG and the packaged Thai font
(Sarabun, SIL OFL) as a base64 ``@font-face``, so the file stands alone and reads in Thai on
a machine without Thai fonts.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from html import escape

from scenarios import fonts
from scenarios.sim.loader import Scenario
from scenarios.sim.purchase import PURCHASE_COLUMNS
from scenarios.sim.report import SUMMARY_COLUMNS, Cell

_STYLE = (
    "body{font-family:Sarabun,Loma,Garuda,'Noto Sans Thai',sans-serif;margin:2em}"
    "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px}"
    "td.n{text-align:right}.ill{color:#a40}"
)


def _purchases(rows: list[dict[str, Cell]]) -> str:
    """The joint-purchase table, or nothing."""
    if not rows:
        return ""
    head = "".join(f"<th>{escape(label)}</th>" for _, label in PURCHASE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(row[k]))}</td>" for k, _ in PURCHASE_COLUMNS) + "</tr>"
        for row in rows
    )
    return (
        "<h3>จัดซื้อร่วมตลอดฤดู / Joint purchasing over the season</h3>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _font_face() -> str:
    data = base64.b64encode(fonts.REGULAR.read_bytes()).decode("ascii")
    return (
        "@font-face{font-family:Sarabun;font-weight:400;"
        f"src:url(data:font/ttf;base64,{data}) format('truetype')}}"
    )


def number(key: str, value: Cell) -> str:
    """A table cell as a person reads it: thousands separators, baht with 2 places.

    >>> number("loans_baht", 1234567.5), number("sold_units", 12000), number("policy", "a")
    ('1,234,567.50', '12,000', 'a')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if key.endswith("_baht"):
        return f"{value:,.2f}"
    return f"{value:,}"


def html_report(
    scenario: Scenario,
    rows: list[dict[str, Cell]],
    settings: dict[str, Cell],
    chart_png: bytes | None,
    purchases: list[dict[str, Cell]] | None = None,
    *,
    columns: Sequence[tuple[str, str]] = SUMMARY_COLUMNS,
    narrative: str = "",
    shown: Callable[[str, Cell], str] | None = None,
) -> str:
    """The report as an HTML string (UTF-8, no external resources).

    ``purchases``: rows of :func:`scenarios.sim.purchase.purchase_rows`, shown as a second
    table (joint purchasing: saving together beside buying alone). ``columns`` (key,
    header), ``narrative`` (a paragraph of what was run) and ``shown`` (a cell in words, by
    key) let the caller write the report in Thai; numbers get thousands separators.
    """
    spec = scenario.spec
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    cell = shown or number
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{'' if isinstance(row[k], str) else ' class=n'}>{escape(cell(k, row[k]))}</td>"
            for k, _ in columns
        )
        + "</tr>"
        for row in rows
    )
    items = "".join(f"<li>{escape(k)}: {escape(number(k, v))}</li>" for k, v in settings.items())
    img = ""
    if chart_png is not None:
        data = base64.b64encode(chart_png).decode("ascii")
        img = f'<p><img alt="summary chart" src="data:image/png;base64,{data}"></p>'
    label = (
        '<p class="ill">ตัวอย่างสมมติ / illustrative: coops and sizes are invented, calibrated '
        "to published network figures.</p>"
        if spec.illustrative
        else ""
    )
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
        f"<title>{escape(spec.name_en)}</title><style>{_font_face()}{_STYLE}</style></head><body>"
        f"<h1>{escape(spec.name_th)}</h1><h2>{escape(spec.name_en)}</h2>{label}"
        + (f"<p>{escape(narrative)}</p>" if narrative else "")
        + f'<p lang="en">{escape(spec.description)}</p><ul>{items}</ul>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{img}"
        f"{_purchases(purchases or [])}"
        "</body></html>\n"
    )
