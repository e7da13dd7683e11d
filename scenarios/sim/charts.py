"""PNG charts of a Monte Carlo run (matplotlib, optional), with Thai and English labels.

Charts are returned as PNG bytes; the caller writes them. Thai text is set in Sarabun, the
font packaged in :mod:`scenarios.fonts` (SIL OFL), so a machine without Thai system fonts
still renders it; DejaVu Sans is the fallback for any other symbol.
"""

from __future__ import annotations

import io
from typing import Any

from scenarios import fonts
from scenarios.sim.report import Cell

CHART_FONTS = (fonts.FAMILY, "DejaVu Sans")


def thai_font() -> str:
    """The packaged Thai font family, registered with matplotlib."""
    return fonts.register_with_matplotlib()


def _setup() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    thai_font()
    plt.rcParams["font.family"] = list(CHART_FONTS)
    return plt


def summary_chart(title: str, rows: list[dict[str, Cell]]) -> bytes:
    """Three panels per policy: need covered, produce outcome, days short (P50/P95)."""
    plt = _setup()
    names = [str(r["policy"]) for r in rows]
    x = list(range(len(names)))
    fig, axes = plt.subplots(1, 3, figsize=(15, 5), constrained_layout=True)
    fig.suptitle(title)
    cover = [float(r["need_covered_pct"]) for r in rows]
    minfill = [float(r["min_fill_pct"]) for r in rows]
    w = 0.4
    axes[0].bar([i - w / 2 for i in x], cover, w, label="ได้รับเงินตามต้องการ need covered")
    axes[0].bar([i + w / 2 for i in x], minfill, w, label="ต่ำสุดรายสหกรณ์ smallest fill")
    axes[0].set_ylabel("%")
    axes[0].set_ylim(0, 105)
    axes[0].set_title("สภาพคล่อง / liquidity")
    sold = [float(r["sold_units"]) for r in rows]
    spoiled = [float(r["spoiled_units"]) for r in rows]
    refused = [float(r["turned_away_units"]) for r in rows]
    axes[1].bar(x, sold, label="ขายได้ sold")
    axes[1].bar(x, spoiled, bottom=sold, label="เน่าเสีย spoiled")
    axes[1].bar(
        x,
        refused,
        bottom=[a + b for a, b in zip(sold, spoiled, strict=True)],
        label="รับซื้อไม่ได้ refused",
    )
    axes[1].set_title("ผลผลิต / produce (หน่วย units)")
    p50 = [float(r["days_short_p50"]) for r in rows]
    p95 = [float(r["days_short_p95"]) for r in rows]
    axes[2].bar([i - w / 2 for i in x], p50, w, label="P50")
    axes[2].bar([i + w / 2 for i in x], p95, w, label="P95")
    axes[2].set_title("วันขาดเงิน (สหกรณ์ที่แย่ที่สุด) / days short, worst coop")
    for ax in axes:
        ax.set_xticks(x, names, rotation=30, ha="right")
        ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
